"""Reading a campaign folder (`input`: validated YAML) and creating or updating the campaign,
its agencies, people, criteria and milestones from it (`load`, idempotent). It may import
`services.common` and `services.deadlines` (a milestone change re-plans deadlines); nothing
below it imports this package.
"""
