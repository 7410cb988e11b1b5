"""gunicorn's settings for the web process (the Dockerfile runs ``gunicorn -c gunicorn.conf.py``).

Each can be changed from the environment; the command line overrides them all (the
throughput benchmark binds its own port that way).

- ``WEB_CONCURRENCY``: worker processes, 2 by default. A sync worker serves one request
  at a time; a common start is two per core, within the database's connection limit
  (each worker keeps one connection open, DB_CONN_MAX_AGE).
- ``WEB_TIMEOUT``: seconds a request may take before its worker is killed and restarted
  (30): the limit stops a stuck worker, it is not a page's budget.
- ``WEB_ACCESS_LOG``: off by default (the TLS proxy in front logs every request);
  ``-`` writes the access log to standard output, or give a file.
- ``WEB_BIND``: ``0.0.0.0:8000``.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
workers = _int("WEB_CONCURRENCY", 2)
worker_class = "sync"
timeout = _int("WEB_TIMEOUT", 30)
graceful_timeout = 30
# A browser's next request reuses its connection for this long (behind a proxy that keeps
# connections open to the app).
keepalive = 5
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
errorlog = "-"
# The workers' heartbeat files in memory, not on the container's overlay disk, whose
# writes can stall a worker long enough to be killed as stuck.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
