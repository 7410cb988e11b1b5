"""The demo's notices (公告), in every state in each estate, written and sent through the
notices' services (inbox only: nobody is contacted): an emergency water outage in one
building (the portal owner's, in their estate) that some households have not read yet,
lift maintenance to come, last week's planned outage ended, a wrongly dated one
withdrawn, a fee publication still a draft, a safety reminder to three units."""

from __future__ import annotations

from datetime import timedelta

from demo.texts import texts
from notices import services
from notices.models import Audience
from propertydesk import notifications


def seed_notices(ctx) -> None:
    """The step."""
    text = texts("notices")
    desk = ctx.users.get("desk")
    now = ctx.as_of
    owners_by_unit = ctx.owners_by_unit()
    demo_units = {o.unit.pk for o in ctx.current_ownerships if o.owner is ctx.demo_owner}
    count = 0
    with notifications.inbox_only():
        for estate in ctx.estates:
            units = [u for u in ctx.owned_units if u.estate_id == estate.pk]
            if not units:
                continue
            mine = [u for u in units if u.pk in demo_units]
            building = (mine or units)[0].building

            def write(key, *, at, starts, ends, audience=Audience.ESTATE, buildings=None, unit_numbers=None,
                      emergency=False, place=None):
                spec = text[key]
                return services.notice_create(
                    estate=estate, kind=spec["kind"], emergency=emergency, audience=audience, buildings=buildings,
                    units=unit_numbers, title=spec["title"], body=spec["body"], place=place or spec.get("place", ""),
                    starts_at=starts, ends_at=ends, now=at, actor=desk)

            def publish(notice, at):
                return services.notice_publish(notice=notice, now=at, actor=desk)

            # last week's planned outage, over and ended
            done = publish(write("water_done", at=now - timedelta(days=9), starts=now - timedelta(days=7, hours=-9),
                                 ends=now - timedelta(days=7, hours=-15)), now - timedelta(days=9))
            services.notice_end(notice=done, now=now - timedelta(days=7, hours=-15, minutes=-10), actor=desk)
            # a wrong date, withdrawn
            wrong = publish(write("withdrawn", at=now - timedelta(days=4), starts=now + timedelta(days=3, hours=8),
                                  ends=now + timedelta(days=3, hours=12)), now - timedelta(days=4))
            services.notice_withdraw(notice=wrong, now=now - timedelta(days=4, hours=-1), actor=desk,
                                     note=text["withdrawn"]["note"])
            # lift maintenance to come, to the whole estate
            lift = publish(write("lift", at=now - timedelta(days=2), starts=now + timedelta(days=2, hours=9),
                                 ends=now + timedelta(days=2, hours=17)), now - timedelta(days=2))
            # the fee publication, still a draft
            write("fees", at=now - timedelta(hours=5), starts=now + timedelta(days=1, hours=9), ends=None)
            # three households told to clear the corridor
            neighbours = [u.number for u in units if u.building_id == building.pk and u.pk not in demo_units][:3]
            if neighbours:
                publish(write("safety", at=now - timedelta(days=1), starts=None, ends=now + timedelta(days=3),
                              audience=Audience.UNITS, unit_numbers=neighbours), now - timedelta(days=1))
            # tonight's burst main in one building: an emergency, half its households reached so far
            emergency = publish(write(
                "emergency", at=now - timedelta(hours=3), starts=now - timedelta(hours=3, minutes=20),
                ends=now + timedelta(hours=8), audience=Audience.BUILDINGS, buildings=[building.number],
                emergency=True, place=text["emergency"]["place_building"] % {"building": building.number}),
                now - timedelta(hours=3))
            readers = [u for u in units if u.building_id == building.pk and u.pk not in demo_units]
            for i, unit in enumerate(readers):
                if i % 2 == 0 and owners_by_unit.get(unit.pk):
                    services.notice_read(notice=emergency, owner=owners_by_unit[unit.pk][0],
                                         now=now - timedelta(hours=2, minutes=i % 60))
            for i, unit in enumerate(units[::7]):
                if owners_by_unit.get(unit.pk) and unit.pk not in demo_units:
                    services.notice_read(notice=lift, owner=owners_by_unit[unit.pk][0],
                                         now=now - timedelta(days=1, minutes=i))
            count += 6
    ctx.counts["notices"] = count
