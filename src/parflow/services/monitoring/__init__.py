"""Home Affairs' view over a whole campaign: the board of every agency's state and deadlines,
and the status listing behind `parflow status`. Read-only; it may import `services.common`,
`services.deadlines` and `services.results`.
"""
