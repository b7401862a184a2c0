"""Use cases. Each runs in one transaction: state change, audit row and outbox rows commit together.

Services take a `Session` from the caller (the request or job boundary commits) and a `Runtime`
for configuration, clock and workflow definitions; they flush but never commit.
"""
