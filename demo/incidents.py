"""The demo's incidents (突发事件), through the incidents' services (inbox only): in each
estate the default emergency plans, a lift entrapment twelve days ago and a power cut
nine days ago, both handled step by step and closed with a summary (the power cut's notice,
reworded by the desk, published and ended); in the first estate a power cut going on now,
two steps ticked, its notice written and reworded, waiting for the desk to publish. No open lift entrapment: a demo that
says people are trapped would alarm whoever opens it."""

from __future__ import annotations

from datetime import timedelta

from demo.texts import texts
from incidents import services
from notices import services as notice_services
from propertydesk import notifications


def _named(text: str, building) -> str:
    return text.replace("{building}", building.number)


def _notice_of(incident, spec, building, *, at, actor):
    """The notice written from the incident, reworded by the desk before it is sent (as
    the desk would: the generated draft is for review)."""
    notice = services.incident_notice_generate(incident=incident, now=at, actor=actor)
    return notice_services.notice_change(
        notice=notice, title=_named(spec["notice_title"], building), body=spec["notice_body"],
        now=at, actor=actor)


def _handle_all(incident, *, start, actor) -> None:
    for i, step in enumerate(incident.steps.all(), 1):
        services.incident_step_tick(step=step, now=start + timedelta(minutes=5 * i), actor=actor)


def seed_incidents(ctx) -> None:
    """The step."""
    text = texts("incidents")
    desk = ctx.users.get("desk")
    now = ctx.as_of
    count = 0
    with notifications.inbox_only():
        for n, estate in enumerate(ctx.estates):
            services.plans_ensure(estate=estate)
            buildings = list(estate.buildings.order_by("number")[:3])
            if not buildings:
                continue
            last = buildings[-1]

            def open_(key, kind, building, *, started, end, at):
                spec = text[key]
                return services.incident_open(
                    estate=estate, kind=kind, buildings=[building], place=_named(spec["place"], building),
                    description=_named(spec["description"], building), started_at=started,
                    expected_end=end, now=at, actor=desk)

            started = now - timedelta(days=12, hours=-10)
            lift = open_("lift", "lift_entrapment", buildings[0], started=started, end=started + timedelta(hours=1),
                         at=started + timedelta(minutes=2))
            _handle_all(lift, start=started, actor=desk)
            services.incident_close(incident=lift, summary=text["lift"]["summary"],
                                    now=started + timedelta(minutes=40), actor=desk)

            started = now - timedelta(days=9, hours=-19)
            power = open_("power_done", "power_outage", last, started=started, end=started + timedelta(hours=3),
                          at=started + timedelta(minutes=5))
            notice = _notice_of(power, text["power_done"], last, at=started + timedelta(minutes=15), actor=desk)
            notice_services.notice_publish(notice=notice, now=started + timedelta(minutes=20), actor=desk)
            _handle_all(power, start=started, actor=desk)
            notice_services.notice_end(notice=notice, now=started + timedelta(hours=2, minutes=30), actor=desk)
            services.incident_close(incident=power, summary=text["power_done"]["summary"],
                                    now=started + timedelta(hours=2, minutes=40), actor=desk)
            count += 2

            if n == 0 and len(buildings) > 1:
                started = now - timedelta(minutes=40)
                going = open_("power_open", "power_outage", buildings[1], started=started,
                              end=now + timedelta(hours=2), at=now - timedelta(minutes=35))
                for step in going.steps.all()[:2]:
                    services.incident_step_tick(step=step, now=now - timedelta(minutes=30), actor=desk)
                _notice_of(going, text["power_open"], buildings[1], at=now - timedelta(minutes=25), actor=desk)
                count += 1
    ctx.counts["incidents"] = count
