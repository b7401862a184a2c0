"""E-mail: render outbox rows from `notifications/` templates and deliver them over SMTP.

Wired in by the scheduler and the CLI; nothing in a web request imports the delivery code.
"""
