"""APScheduler wiring only: the jobs call services (tick) and the outbox deliverer."""
