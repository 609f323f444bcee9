"""Running the app in production: gunicorn workers, health and readiness, metrics, logs,
and draining calls on a graceful restart."""
