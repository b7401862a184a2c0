"""Shared ground for every use case: the runtime (settings, clock, database, workflow catalog),
who the caller is and what they may see (`access`), the hash-chained audit trail, the outbox
that queues e-mail in the same transaction, message context helpers (`notices`), campaign
lookup, the campaign's working calendar, query joins and keyset paging. It may import only
`domain`, `store`, `clock`, `settings` and `yamlsource`; every other services package may
import it, and it imports none of them.
"""
