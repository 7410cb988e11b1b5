"""The demo's community activities still to come and one called off, through the
activities app's services (inbox only: nobody is contacted): in each estate a tea party
for the elderly with households signed up (the portal owner's among them in theirs), a
sports day for families, a talk nobody has signed up for yet, and an open-air film
cancelled for the rain. The held activities, whose callbacks are part of the callbacks'
story, are made by demo/callbacks.py."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from activities import services
from demo.texts import texts
from propertydesk import notifications


def seed_activities(ctx) -> None:
    """The step."""
    text = texts("activities")
    desk = ctx.users.get("desk")
    now = ctx.as_of
    demo_units = [o.unit for o in ctx.current_ownerships if o.owner is ctx.demo_owner]

    def moment(day, hour):
        return datetime.combine(day, time(hour, 0), tzinfo=now.tzinfo)

    def sign_up(activity, units, at):
        for i, (unit, owner) in enumerate(units):
            services.participation_record(activity=activity, unit=unit, owner=owner, people=1 + i % 3,
                                          attended=False, now=at + timedelta(minutes=7 * i), actor=desk)

    with notifications.inbox_only():
        for estate in ctx.estates:
            households = [(o.unit, o.owner) for o in ctx.current_ownerships
                          if o.unit.estate_id == estate.pk and o.owner is not ctx.demo_owner]
            households = list({unit.pk: (unit, owner) for unit, owner in households}.values())
            mine = [(u, ctx.demo_owner) for u in demo_units if u.estate_id == estate.pk][:1]
            picked = ctx.rng.sample(households, min(len(households), 30))
            for spec in text["upcoming"]:
                day = (now + timedelta(days=spec["in_days"])).date()
                starts = moment(day, spec["hour"])
                planned_at = now - timedelta(days=3, hours=ctx.rng.randint(1, 6))
                activity = services.activity_plan(
                    estate=estate, title=spec["title"], kind=spec["kind"], place=spec["place"], starts_at=starts,
                    ends_at=starts + timedelta(hours=spec["hours"]), organiser=text["organiser"],
                    capacity=spec["capacity"], description=spec["description"], now=planned_at, actor=desk)
                if spec["signed_up"]:
                    sign_up(activity, (mine + picked)[:spec["signed_up"]], planned_at + timedelta(hours=1))
            spec = text["cancelled"]
            day = (now - timedelta(days=spec["days_ago"])).date()
            starts = moment(day, spec["hour"])
            activity = services.activity_plan(
                estate=estate, title=spec["title"], kind=spec["kind"], place=spec["place"], starts_at=starts,
                ends_at=starts + timedelta(hours=2), organiser=text["organiser"], now=starts - timedelta(days=7),
                actor=desk)
            sign_up(activity, picked[-spec["signed_up"]:], starts - timedelta(days=6))
            services.activity_cancel(activity=activity, reason=spec["reason"], now=starts - timedelta(hours=4),
                                     actor=desk)
