"""A submission's journey through its workflow: locating it, firing an event (guard facts,
state change, audit row, outbox rows and deadline refresh in one transaction), the history
and notification log, and the city's approval of a whole campaign. It may import
`services.common`, `services.deadlines` and `observability` (event counters).
"""
