"""A unit to renovate, the people around it, and helpers that walk a renovation
through its life with the services, each at a moment of our choosing."""

import base64
import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from propertydesk.signature import signature_from_data_url
from renovation import services
from renovation.models import REQUIRED_DOCUMENTS, PAPER_PARTIES, Party
from tests.factories import BuildingFactory, UnitFactory, UserFactory, give_unit, make_owner, resident_id
from tests.uploads import png

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


T0 = sh(2026, 11, 2, 9, 0)  # a Monday morning
START = dt.date(2026, 11, 9)
END = dt.date(2026, 11, 20)
LEAD_ID = resident_id(900, birth="19750505")


def photo(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png(), content_type="image/png")


def signature() -> bytes:
    image = Image.new("RGBA", (300, 120), (255, 255, 255, 255))
    ImageDraw.Draw(image).line([(20, 80), (80, 30), (140, 90), (260, 40)], fill=(20, 20, 20, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return signature_from_data_url("data:image/png;base64," + base64.b64encode(out.getvalue()).decode())


@pytest.fixture
def w(db):
    """The world: 李娜 owns 3-1-1203 (89.50 m²) and has a portal login; 王强 owns the flat
    next door; the desk, a supervisor, an engineer and finance."""
    building = BuildingFactory(number="3")
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203", building=building, area=Decimal("89.50"))
    give_unit(owner, unit)
    owner.user = UserFactory(username="lina")
    owner.save(update_fields=["user"])
    other = make_owner(name="王强", phone="13987654321")
    other_unit = UnitFactory(number="3-1-1204", building=building, area=Decimal("120.00"))
    give_unit(other, other_unit)
    other.user = UserFactory(username="wangqiang")
    other.save(update_fields=["user"])
    return SimpleNamespace(
        owner=owner, unit=unit, estate=unit.estate, other=other, other_unit=other_unit,
        desk=UserFactory(username="desk", role="front_desk"), boss=UserFactory(username="boss", role="supervisor"),
        engineer=UserFactory(username="engineer", role="engineering"),
        finance=UserFactory(username="finance", role="finance"),
    )


def apply(w, *, now=T0, actor=None, unit=None, owner=None, **fields):
    values = {"scope": "厨房、卫生间翻新，客厅铺木地板", "planned_start": START, "planned_end": END,
              "contractor_name": "锦华装饰工程有限公司", "contractor_lead_name": "赵建国",
              "contractor_lead_phone": "13700001111", "contractor_lead_id_number": LEAD_ID, **fields}
    return services.renovation_apply(unit=unit or w.unit, owner=owner or w.owner, now=now,
                                     actor=actor or w.desk, **values)


def add_worker(w, renovation, *, n=1, now=T0, photos=2, id_copy=True, name=None):
    return services.worker_add(
        renovation=renovation, name=name or f"工人{n}号", id_number=resident_id(500 + n, birth="19900101"), now=now,
        actor=w.desk, id_copies=[photo("id.png")] if id_copy else (), photos=[photo() for _ in range(photos)])


def complete(w, renovation, *, now=T0, workers=1, skip=()):
    """Everything the checklist asks for, but the items whose keys are in ``skip``."""
    for kind in REQUIRED_DOCUMENTS:
        if f"document:{kind}" not in skip:
            services.renovation_document_add(renovation=renovation, kind=kind, uploads=[photo()], now=now,
                                             actor=w.desk)
    added = []
    if "workers" not in skip:
        for n in range(1, workers + 1):
            added.append(add_worker(w, renovation, n=n, now=now, id_copy="worker:id" not in skip,
                                    photos=1 if "worker:photos" in skip else 2))
    # The owner signs in the portal (and hands the contractor the pad); the desk signs for
    # the property company, and for an owner with no login.
    owner_login = renovation.owner.user or w.desk
    for paper, parties in PAPER_PARTIES.items():
        for party in parties:
            if f"paper:{paper}:{party}" not in skip:
                services.paper_sign(renovation=renovation, paper=paper, party=party, signature_png=signature(),
                                    now=now, actor=w.desk if party == Party.PROPERTY else owner_login)
    return added


def approved(w, *, now=T0, workers=1, **fields):
    renovation = apply(w, now=now, **fields)
    complete(w, renovation, now=now, workers=workers)
    return services.renovation_approve(renovation=renovation, now=now, actor=w.desk)


def paid(w, *, now=T0, workers=1, decline_rubbish_fee=False, **fields):
    renovation = approved(w, now=now, workers=workers, **fields)
    services.renovation_fees_take(renovation=renovation, method="cash", now=now, actor=w.finance,
                                  decline_rubbish_fee=decline_rubbish_fee)
    renovation.refresh_from_db()
    return renovation


def started(w, *, now=T0, workers=1, **fields):
    renovation = paid(w, now=now, workers=workers, **fields)
    return services.permit_issue(renovation=renovation, now=now, actor=w.desk)


def passed(w, *, on: dt.datetime, workers=1, return_passes=True, **fields):
    """Started at T0, acceptance asked and passed at ``on``; the pass cards handed back."""
    renovation = started(w, workers=workers, **fields)
    services.acceptance_request(renovation=renovation, now=on - dt.timedelta(hours=2), actor=w.owner.user)
    services.inspection_record(renovation=renovation, passed=True, now=on, actor=w.engineer)
    if return_passes:
        for worker_pass in renovation.passes.all():
            services.pass_return(worker_pass=worker_pass, now=on, actor=w.desk)
    renovation.refresh_from_db()
    return renovation
