"""What operators watch: Prometheus metrics (metrics.py) and structured logs (logs.py)."""
