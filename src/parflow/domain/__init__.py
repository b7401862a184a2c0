"""The pure core: workflow definitions, the engine, calendar and scoring rules.

Nothing in this package imports web, database or mail code.
"""
