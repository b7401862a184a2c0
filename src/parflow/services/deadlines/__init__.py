"""Everything about dates: which deadline applies to a submission (`due`), the per-submission
deadline plan and its refresh after each event (`plan`, `sync`), reminder and escalation rules
(`reminders`), the daily digest, one scheduler pass (`tick`), milestone moves, extensions and
calendar (.ics) feeds. It may import `services.common`, `domain`, `store` and `i18n`; it does not
import the lifecycle, scoring or results packages (they call it, not the other way round).
"""
