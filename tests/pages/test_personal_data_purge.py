"""The nightly purge of visitors' and renovation workers' personal data past its
retention period (pages.personal_data_purge; PIPL art. 47). Held clock: ``as_of`` passed."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gate.models import ItemPass, Preregistration, Visit
from pages.jobs import personal_data_purge
from renovation.models import Renovation, RenovationDocument, RenovationWorker, WorkerPass
from tests.factories import UnitFactory, make_owner
from tests.pages.test_today import SH

AS_OF = dt.datetime(2026, 12, 1, 4, 30, tzinfo=SH)


def _visit(unit, name, *, left: dt.datetime | None, arrived: dt.datetime | None = None) -> Visit:
    arrived = arrived or (left - dt.timedelta(hours=1))
    return Visit.objects.create(estate=unit.estate, unit=unit, visitor_name=name, id_number="110101199001011234",
                                time_in=arrived, time_out=left, note="粤A12345 送货")


def _pass(unit, number, *, day: dt.date, released: dt.datetime | None) -> ItemPass:
    return ItemPass.objects.create(number=number, estate=unit.estate, unit=unit, day=day, applicant_name="李娜",
                                   applied_via="desk", status="used" if released else "confirmed",
                                   created_at=dt.datetime.combine(day, dt.time(9), tzinfo=SH),
                                   carrier_name="搬家师傅", carrier_id_number="110101199001015678",
                                   released_at=released)


def _renovation(unit, owner, number, *, closed: dt.datetime | None, workers: int = 1) -> Renovation:
    renovation = Renovation.objects.create(
        number=number, estate=unit.estate, unit=unit, owner=owner, source="desk",
        status="refunded" if closed else "in_progress", scope="厨房翻新",
        planned_start=dt.date(2025, 3, 1), planned_end=dt.date(2025, 4, 1), contractor_name="好家装饰",
        contractor_lead_name="赵师傅", contractor_lead_id_number="110101198001011111",
        contractor_lead_phone="13700002222", applied_at=dt.datetime(2025, 2, 1, tzinfo=SH), closed_at=closed,
        permit_number=f"P-{number}", deposits_due_on=dt.date(2025, 4, 11) if closed else None)
    for i in range(workers):
        worker = RenovationWorker.objects.create(
            renovation=renovation, name=f"工人{i}", id_number=f"11010119850101{i:04d}", phone="13900003333",
            added_at=dt.datetime(2025, 2, 2, tzinfo=SH))
        photo = RenovationDocument.objects.create(
            renovation=renovation, worker=worker, kind="worker_photo", file=f"renovation/test/{number}-{i}.jpg",
            content_type="image/jpeg", size=10, uploaded_at=dt.datetime(2025, 2, 2, tzinfo=SH))
        WorkerPass.objects.create(
            serial=f"{number}-P{i}", renovation=renovation, worker=worker, holder_name=worker.name,
            holder_id_number=worker.id_number, room=unit.number, contractor_name="好家装饰", photo=photo,
            permit_number=f"P-{number}", valid_from=dt.date(2025, 3, 1), valid_to=dt.date(2025, 4, 1),
            issued_at=dt.datetime(2025, 3, 1, tzinfo=SH))
    return renovation


@pytest.fixture
def estate(db):
    unit = UnitFactory(number="3-1-1203")
    return {"unit": unit, "owner": make_owner(name="李娜", phone="13912345678")}


def test_visitors_past_the_retention_period_lose_their_names_and_numbers_the_recent_ones_keep_them(estate, settings):
    settings.VISITOR_DATA_RETENTION_DAYS = 180
    unit = estate["unit"]
    old = _visit(unit, "张三", left=AS_OF - dt.timedelta(days=181))
    recent = _visit(unit, "李四", left=AS_OF - dt.timedelta(days=179))
    never_left = _visit(unit, "王五", left=None, arrived=AS_OF - dt.timedelta(days=200))
    # a visit that began long ago but ended inside the period is counted from its end
    long_stay = _visit(unit, "赵六", left=AS_OF - dt.timedelta(days=10), arrived=AS_OF - dt.timedelta(days=190))
    old_pass = _pass(unit, "FX-1", day=dt.date(2026, 5, 1), released=dt.datetime(2026, 5, 1, 15, tzinfo=SH))
    new_pass = _pass(unit, "FX-2", day=dt.date(2026, 11, 1), released=None)
    Preregistration.objects.create(unit=unit, owner=estate["owner"], visitor_name="周七", day=dt.date(2026, 4, 1),
                                   code="ABC123", created_at=dt.datetime(2026, 3, 30, tzinfo=SH))

    personal_data_purge(as_of=AS_OF)

    for purged in (old, never_left):
        purged.refresh_from_db()
        assert (purged.visitor_name, purged.id_number, purged.id_number_hash, purged.note) == ("访客（已清除）", None, "", "")
        assert purged.unit_id == unit.pk and purged.time_in  # the visit itself stays
    for kept, name in ((recent, "李四"), (long_stay, "赵六")):
        kept.refresh_from_db()
        assert kept.visitor_name == name and kept.id_number == "110101199001011234" and kept.note
    old_pass.refresh_from_db()
    new_pass.refresh_from_db()
    assert (old_pass.carrier_name, old_pass.carrier_id_number) == ("搬运人（已清除）", None)
    assert old_pass.applicant_name == "李娜" and old_pass.number == "FX-1"
    assert new_pass.carrier_name == "搬家师傅" and new_pass.carrier_id_number == "110101199001015678"
    assert Preregistration.objects.get(code="ABC123").visitor_name == "访客（已清除）"


def test_workers_of_renovations_closed_past_the_period_are_purged_with_their_photos(estate, settings):
    settings.WORKER_DATA_RETENTION_DAYS = 365
    unit, owner = estate["unit"], estate["owner"]
    old = _renovation(unit, owner, "ZX-1", closed=AS_OF - dt.timedelta(days=366), workers=2)
    recent = _renovation(UnitFactory(number="3-1-1204"), owner, "ZX-2", closed=AS_OF - dt.timedelta(days=300))
    open_ = _renovation(UnitFactory(number="3-1-1205"), owner, "ZX-3", closed=None)

    personal_data_purge(as_of=AS_OF)

    old.refresh_from_db()
    assert (old.contractor_lead_name, old.contractor_lead_id_number, old.contractor_lead_phone) == \
        ("施工负责人（已清除）", None, None)
    assert old.contractor_name == "好家装饰" and old.number == "ZX-1"
    assert set(RenovationWorker.objects.filter(renovation=old).values_list("name", "phone")) == \
        {("施工人员（已清除）", None)}
    assert all(w.id_number_hash.startswith("purged:") for w in RenovationWorker.objects.filter(renovation=old))
    assert set(WorkerPass.objects.filter(renovation=old).values_list("holder_name", "photo")) == \
        {("施工人员（已清除）", None)}
    assert WorkerPass.objects.filter(renovation=old).count() == 2  # the passes' numbers and dates stay
    assert not RenovationDocument.objects.filter(renovation=old).exists()
    for kept in (recent, open_):
        kept.refresh_from_db()
        assert kept.contractor_lead_name == "赵师傅" and kept.contractor_lead_phone == "13700002222"
        assert RenovationWorker.objects.get(renovation=kept).name == "工人0"
        assert RenovationDocument.objects.filter(renovation=kept).count() == 1


def _statements(as_of) -> int:
    with CaptureQueriesContext(connection) as queries:
        personal_data_purge(as_of=as_of)
    return len(queries.captured_queries)


def test_the_purge_takes_as_many_statements_for_one_row_as_for_many_and_a_rerun_changes_nothing(estate):
    unit, owner = estate["unit"], estate["owner"]
    _visit(unit, "张三", left=AS_OF - dt.timedelta(days=400))
    _renovation(unit, owner, "ZX-1", closed=AS_OF - dt.timedelta(days=400))
    one = _statements(AS_OF)

    for i in range(30):
        _visit(unit, f"访客{i}", left=AS_OF - dt.timedelta(days=300 + i))
        _pass(unit, f"FX-{i}", day=dt.date(2025, 1, 1), released=None)
    for i in range(5):
        _renovation(UnitFactory(number=f"8-1-{i:04d}"), owner, f"ZX-M{i}", closed=AS_OF - dt.timedelta(days=500),
                    workers=3)
    many = _statements(AS_OF)
    assert many == one
    assert not Visit.objects.exclude(visitor_name="访客（已清除）").exists()

    # a second run matches nothing
    from gate.services import visitor_data_purge
    from renovation.services import worker_data_purge

    assert set(visitor_data_purge(as_of=AS_OF).values()) == {0}
    assert set(worker_data_purge(as_of=AS_OF).values()) == {0}


def test_the_purge_runs_by_hand_for_a_given_moment(estate):
    unit = estate["unit"]
    old = _visit(unit, "张三", left=dt.datetime(2026, 1, 10, 12, tzinfo=SH))
    out = StringIO()
    # 2026-06-30: 171 days after the visit, inside the period; 2026-07-10: 181 days, past it
    call_command("runjob", "pages.personal_data_purge", as_of="2026-06-30", stdout=out)
    old.refresh_from_db()
    assert old.visitor_name == "张三"
    call_command("runjob", "pages.personal_data_purge", as_of="2026-07-10", stdout=out)
    old.refresh_from_db()
    assert old.visitor_name == "访客（已清除）"
