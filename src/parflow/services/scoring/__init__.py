"""Scores on a submission's criteria tree: the agency's self-assessment, the council's
appraisal of its fields, disputes and their resolution, and the score sheet that reads them.
It may import `services.common`, `services.deadlines` and `services.lifecycle`.
"""
