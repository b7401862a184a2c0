"""Home Affairs' view over a whole campaign: the board of every agency's state, progress,
deadlines and lateness record, its CSV/XLSX exports, the status listing behind `parflow status`,
and remind-now (the one write here: outbox rows and audit entries, through `services.common`).
It may import `services.common`, `services.deadlines` and `services.results`.
"""
