"""`parflow simulate`: a dry run of a campaign calendar day by day, with scripted behaviour
(who sends, scores and approves when) read from a behaviour file, in a transaction that is
rolled back. It may import `services.common`, `services.deadlines` and `services.lifecycle`.
"""
