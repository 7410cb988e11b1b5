"""The move of the community activity out of the callbacks app keeps what a database at the
old migrations holds: an activity held with its callbacks, and one still to come."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

SH = ZoneInfo("Asia/Shanghai")
BEFORE = [("callbacks", "0008_dashboard_figures_indexes"), ("activities", None)]
AFTER = [("callbacks", "0009_activity_moved"), ("activities", "0002_activity_whole")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _latest():
    """Every app's last migration: where the database must be left for the tests after this
    one (the apps' later migrations, e.g. their audit history's tables, included)."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_an_old_database_keeps_its_activities_their_households_and_callbacks():
    # given: a database at the old migrations, with the old model's rows
    old = _migrate(BEFORE)
    try:
        Estate, Building, Unit = (old.get_model("owners", m) for m in ("Estate", "Building", "Unit"))
        Owner, Ownership = old.get_model("owners", "Owner"), old.get_model("owners", "Ownership")
        OldActivity, Callback = old.get_model("callbacks", "CommunityActivity"), old.get_model("callbacks", "Callback")
        estate = Estate.objects.create(name="翠湖苑", code="cuihu")
        building = Building.objects.create(estate=estate, number="3")
        units = [Unit.objects.create(estate=estate, building=building, number=f"3-1-10{i}", floor=1, area=90)
                 for i in (1, 2)]
        owners = [Owner.objects.create(name=name) for name in ("王芳", "李强")]
        for unit, owner in zip(units, owners):
            Ownership.objects.create(unit=unit, owner=owner, start_date=dt.date(2020, 1, 1))
        finished = dt.datetime(2026, 9, 25, 21, 0, tzinfo=SH)
        party = OldActivity.objects.create(estate=estate, title="中秋游园会", held_on=finished.date(),
                                           finished_at=finished)
        party.participants.set(owners)
        for owner in owners:
            Callback.objects.create(estate=estate, kind="activity", source_key=f"activity:{party.pk}:owner:{owner.pk}",
                                    activity=party, owner=owner, contact_name=owner.name, event_at=finished,
                                    due_on=dt.date(2026, 10, 25), created_at=finished)
        tea = OldActivity.objects.create(estate=estate, title="重阳节茶话会", held_on=dt.date(2026, 10, 29))
        tea.participants.set(owners[:1])

        # when
        new = _migrate(AFTER)
    finally:
        _migrate(_latest())

    # then: the held one is held (its move an event), the other planned; each owner's unit is a
    # household that came; the callbacks are the same rows, now naming the activity's units
    Activity, Participation = new.get_model("activities", "Activity"), new.get_model("activities", "Participation")
    NewCallback = new.get_model("callbacks", "Callback")
    moved = {a.title: a for a in Activity.objects.all()}
    assert {t: (a.status, a.held_on) for t, a in moved.items()} == {
        "中秋游园会": ("held", dt.date(2026, 9, 25)), "重阳节茶话会": ("planned", dt.date(2026, 10, 29))}
    assert moved["中秋游园会"].pk == party.pk and moved["中秋游园会"].finished_at == finished
    assert list(moved["中秋游园会"].events.values_list("from_status", "to_status")) == [("planned", "held")]
    assert sorted(Participation.objects.filter(activity=moved["中秋游园会"]).values_list(
        "unit__number", "owner__name", "attended")) == [("3-1-101", "王芳", True), ("3-1-102", "李强", True)]
    assert sorted(NewCallback.objects.values_list("activity__title", "unit__number", "owner__name", "due_on")) == [
        ("中秋游园会", "3-1-101", "王芳", dt.date(2026, 10, 25)), ("中秋游园会", "3-1-102", "李强", dt.date(2026, 10, 25))]
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('activities_activity'), to_regclass('callbacks_communityactivity'), "
                       "to_regclass('callbacks_communityactivity_participants')")
        assert cursor.fetchone() == ("activities_activity", None, None)
