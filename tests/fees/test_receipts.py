import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from fees import services
from fees.models import Receipt
from tests.concurrency import at_once
from tests.factories import EstateFactory

T0 = dt.datetime(2026, 11, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def issue(estate, **kwargs):
    fields = dict(estate=estate, amount=Decimal("120.50"), method="cash", payer_name="李娜", purpose="物业费", now=T0)
    fields.update(kwargs)
    return services.receipt_issue(**fields)


def test_receipt_refuses_bad_input_naming_the_field(db):
    with pytest.raises(ValidationError) as caught:
        issue(EstateFactory(), amount=Decimal("0"), method="shells", payer_name="")
    assert set(caught.value.message_dict) == {"amount", "method", "payer_name"}


def test_a_rolled_back_payment_gives_its_number_back(db):
    estate = EstateFactory(code="cuihu")
    issue(estate)
    with pytest.raises(RuntimeError), transaction.atomic():
        issue(estate)
        raise RuntimeError("the printer jammed and the clerk cancelled")
    assert [r.number for r in Receipt.objects.order_by("id")] == ["CUIHU-SJ2026-000001"]
    assert issue(estate).number == "CUIHU-SJ2026-000002"


def test_a_receipt_that_fails_to_be_written_gives_its_number_back(db, monkeypatch):
    # given: the number is taken, then writing the receipt fails (the caller carries on)
    estate = EstateFactory(code="cuihu")

    def jammed(**fields):
        raise RuntimeError("the database refused the row")

    with monkeypatch.context() as patch:
        patch.setattr(Receipt.objects, "create", jammed)
        with pytest.raises(RuntimeError):
            issue(estate)

    # then: receipt_issue's own transaction gave the number back
    assert issue(estate).number == "CUIHU-SJ2026-000001"


def test_numbers_restart_each_year_and_run_per_estate(db):
    a, b = EstateFactory(code="a"), EstateFactory(code="b")
    assert issue(a).number == "A-SJ2026-000001"
    assert issue(b).number == "B-SJ2026-000001"
    assert issue(a, now=T0.replace(year=2027, month=1, day=1)).number == "A-SJ2027-000001"


@pytest.mark.django_db(transaction=True)
def test_two_desks_paying_at_once_get_consecutive_numbers():
    # given: two real connections issuing 10 receipts each, at the same time
    estate = EstateFactory(code="cuihu")

    def desk():
        for _ in range(10):
            issue(estate)

    assert at_once(desk, desk) == [None, None]

    # then: 1..20, no gap, no repeat
    numbers = sorted(int(n[-6:]) for n in Receipt.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 21))
