"""A submission's journey through its workflow: locating it, firing an event (guard facts,
state change, audit row, outbox rows and deadline refresh in one transaction), the history
and notification log, the self-assessment progress counters kept on the submission (`progress`),
and the city's approval of a whole campaign. It may import
`services.common`, `services.deadlines` and `observability` (event counters).
"""
