"""Export of one campaign to a single file and import of that file into another database,
with the file format (tables, key rewriting) in `format`. It may import `services.common`
and `services.evidence` (evidence files travel with the export).
"""
