"""The demo's gate (门岗), written through the gate's services (inbox only: nobody is
contacted): the last evening's visitors in each estate (some still in, one not let in), the portal
owner's announced visitors, item passes in every state (the portal owner's tenant's pass
waiting for the owner's confirmation, today's confirmed one, yesterday's released one and
an unused one now expired), and cards: one being made, one ready (the owner told), one
handed over, a lost one deactivated and its replacement. The tenant of the portal owner's
let unit logs in as "tenant"."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model

from demo.context import DEMO_PASSWORD
from demo.texts import texts
from gate import services
from gate.services import PassLine
from propertydesk import notifications


def seed_gate(ctx) -> None:
    """The step."""
    text = texts("gate")
    rng, people = ctx.rng, ctx.people
    desk = ctx.users.get("desk")
    now = ctx.as_of
    today = now.date()
    owners_by_unit = ctx.owners_by_unit()
    tenants = ctx.tenants_by_unit()
    counts = {"visitors": 0, "item passes": 0}

    def goods(i):
        return [PassLine(what, n) for what, n in text["goods"][i % len(text["goods"])]]

    with notifications.inbox_only():
        for estate in ctx.estates:
            units = [u for u in ctx.owned_units if u.estate_id == estate.pk]
            # the evening's visitors: eight before midnight, the latest three still in, one turned away
            for i, unit in enumerate(rng.sample(units, min(8, len(units)))):
                person = people.person(born=(1960, 2002))
                came = now - timedelta(hours=8 - i, minutes=rng.randrange(50))
                visit = services.visit_register(
                    unit=unit, visitor_name=person.name, id_number=people.resident_id(person), confirmed=i != 4,
                    confirmed_how=("intercom", "phone", "in_person")[i % 3], note=text["notes"][i % len(text["notes"])],
                    now=came, actor=desk)
                if i < 5 and visit.confirmed:
                    services.visit_check_out(visit=visit, now=came + timedelta(minutes=40 + 10 * i), actor=desk)
                counts["visitors"] += 1
            # an owner's passes: today's confirmed, yesterday's released, one of two days ago unused
            owned = [u for u in units if owners_by_unit.get(u.pk)]
            # (the demo's clock is midnight: each was asked for the evening before its day)
            for i, (unit, day_ago) in enumerate(zip(owned[:3], (0, 1, 2))):
                moment = now - timedelta(days=day_ago, hours=3)
                made = services.item_pass_apply(unit=unit, day=today - timedelta(days=day_ago), via="desk",
                                                lines=goods(i), applicant_owner=owners_by_unit[unit.pk][0],
                                                now=moment, actor=desk)
                if day_ago == 1:
                    carrier = people.person(born=(1970, 1995), sex="m")
                    services.item_pass_release(item_pass=made, carrier_name=carrier.name,
                                               carrier_id_number=people.resident_id(carrier),
                                               now=now - timedelta(days=1) + timedelta(hours=10), actor=desk)
                counts["item passes"] += 1
        # the portal owner: a visitor announced for today and one for tomorrow; the let unit's
        # tenant asks for a pass the owner has to confirm, and logs in as "tenant"
        owner = ctx.demo_owner
        if owner is not None:
            own_units = [o.unit for o in ctx.current_ownerships if o.owner is owner]
            home = own_units[0]
            for day in (today, today + timedelta(days=1)):
                services.preregistration_create(owner=owner, unit=home, visitor_name=people.person(born=(1950, 1990)).name,
                                                day=day, now=now - timedelta(hours=1))
            let = next((u for u in own_units if tenants.get(u.pk)), None)
            if let is not None:
                tenant = tenants[let.pk][0]
                services.item_pass_apply(unit=let, day=today, via="portal", lines=goods(0), applicant_resident=tenant,
                                         now=now - timedelta(minutes=30))
                counts["item passes"] += 1
                if not get_user_model().objects.filter(username="tenant").exists():
                    ctx.users["tenant"] = services.resident_login_create(resident=tenant, username="tenant",
                                                                         password=DEMO_PASSWORD).user
    ctx.counts.update(counts)


def schedule_gate_cards(ctx) -> None:
    """Cards and parking permits, applied for over the last weeks: applied, paid, ready,
    handed over, lost and applied for again. Played on the demo's timeline with the fees and
    the work orders, so that their receipts take the estate's one sequence in time order."""
    text = texts("gate")
    desk = ctx.users.get("desk")
    now = ctx.as_of
    owners_by_unit = ctx.owners_by_unit()
    timeline = ctx.timeline
    counts = ctx.counts
    counts.setdefault("cards", 0)

    def card_story(i, unit, owner, at):
        parking = i == 1
        box = {}

        def apply():
            box["card"] = services.card_apply(
                unit=unit, kind="parking" if parking else "access_card", applicant=owner, holder_name=owner.name,
                plate_number=text["plates"][i % 3] if parking else "", now=at, actor=desk)
            counts["cards"] += 1

        def pay():
            box["card"] = services.card_pay(card=box["card"], method="cash", now=timeline.now, actor=desk)

        def ready():
            box["card"] = services.card_mark_ready(card=box["card"], card_number="" if parking
                                                   else f"MJ{box['card'].pk:06d}", now=timeline.now, actor=desk)

        def hand_over():
            box["card"] = services.card_hand_over(card=box["card"], now=timeline.now, actor=desk)

        def lost_and_again():
            services.card_deactivate(card=box["card"], reason="lost", note=text["lost"], now=timeline.now, actor=desk)
            again = services.card_apply(unit=unit, kind="access_card", applicant=owner, holder_name=owner.name,
                                        now=timeline.now, actor=desk)
            services.card_pay(card=again, method="cash", now=timeline.now, actor=desk)
            counts["cards"] += 1

        timeline.at(at, apply)
        if i >= 1:
            timeline.at(at + timedelta(minutes=5), pay, receipt=True)
        if i >= 2:
            timeline.at(at + timedelta(days=3), ready)
        if i >= 3:
            timeline.at(at + timedelta(days=3, hours=4), hand_over)
        if i == 4:
            timeline.at(now - timedelta(days=2), lost_and_again, receipt=True)

    for estate in ctx.estates:
        units = [u for u in ctx.owned_units if u.estate_id == estate.pk]
        owned = [u for u in units if owners_by_unit.get(u.pk)]
        for i, unit in enumerate(owned[3:8]):
            card_story(i, unit, owners_by_unit[unit.pk][0], now - timedelta(days=(0, 2, 3, 20, 40)[i], hours=2))
