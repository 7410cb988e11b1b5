import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from owners.services import resident_add
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


# A Friday morning at the desk.
T0 = sh(2026, 11, 20, 9, 30)
TODAY = T0.date()


@pytest.fixture
def off(settings):
    """Messages wait in the outbox (as they would for the worker)."""
    settings.OUTBOX_DELIVERY = "off"


@pytest.fixture
def place(db):
    """翠湖苑 1-1-101 owned by 李娜 (Chinese, SMS), let to the tenant 张伟, who has a portal
    login; 1-1-102 owned by 王强 (English, e-mail). Another estate's 9-9-901 (周杰)."""
    estate = EstateFactory(code="cuihu", name="翠湖苑")
    b1 = BuildingFactory(estate=estate, number="1")
    li = make_owner(name="李娜", phone="13912345678", preferred_channel="sms", language="zh-hans")
    wang = make_owner(name="王强", phone="13800001111", preferred_channel="email", email="wang@example.com",
                      language="en")
    zhou = make_owner(name="周杰", phone="13500004444", preferred_channel="sms")
    u101 = UnitFactory(building=b1, number="1-1-101")
    u102 = UnitFactory(building=b1, number="1-1-102")
    far = EstateFactory(code="far", name="远方苑")
    other = UnitFactory(building=BuildingFactory(estate=far, number="9"), number="9-9-901")
    give_unit(li, u101)
    give_unit(wang, u102)
    give_unit(zhou, other)
    tenant = resident_add(unit=u101, name="张伟", relation="tenant", phone="13700007777",
                          move_in_date=dt.date(2026, 3, 1))
    users = {name: UserFactory(username=f"g_{name}") for name in ("li", "wang", "zhou")}
    for owner, name in ((li, "li"), (wang, "wang"), (zhou, "zhou")):
        owner.user = users[name]
        owner.save(update_fields=["user"])
    return {"estate": estate, "far": far, "li": li, "wang": wang, "zhou": zhou, "u101": u101, "u102": u102,
            "other": other, "tenant": tenant, "users": users,
            "desk": UserFactory(username="g_desk", role="front_desk"),
            "boss": UserFactory(username="g_boss", role="supervisor"),
            "eng": UserFactory(username="g_eng", role="engineering")}


@pytest.fixture(autouse=True)
def english(client):
    """The tests read the refusals in English: the services' in the active language, the
    pages' in the browser's."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield
