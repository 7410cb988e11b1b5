"""Two of everything: two web processes and two workers (with beat) against one PostgreSQL
and one Redis, pages and payments spread over both webs while the whole job set runs and
a notice goes to the estate. Nothing is done twice (bills, reminders, callbacks, receipts,
messages, job slots, each by its natural key), a session opened on one web works on the
other, and a photo uploaded through one is read back through the other (one MEDIA_ROOT)."""

import io
import time
from decimal import Decimal

import pytest
import requests
from PIL import Image

from propertydesk.jobs import JOBS, RUN_JOB_TASK
from tests.faults.estate import COMPLAINTS, MOMENTS, NOVEMBER, PUBLISH_NOTICE, UNITS, notice_sms_sent
from tests.faults.harness import wait_for
from tests.faults.ledger import duplicates, outbox, records
from tests.faults.load import Load, statuses

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]

PASSWORD = "correct-horse-42"
PAGES = ["/complaints/", "/api/v1/complaints/", "/inbox/", "/fees/bills/", "/api/v1/bills/"]
PAYMENTS = 20


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 60, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_two_webs_and_two_workers_do_nothing_twice_and_share_sessions_and_files(servers, stack, figure):
    # given: webs A and B, two workers (each ticks as it starts: two ticks at once) and beat
    web_a, web_b = stack.web("web-a", workers=1), stack.web("web-b", workers=1)
    stack.worker("worker-1")
    stack.worker("worker-2")
    stack.beat()
    sender = stack.sender()
    # when: the whole job set is queued for the bill day and the first dunning day, for both workers
    for moment in MOMENTS:
        for job in JOBS:
            sender.send_task(RUN_JOB_TASK, args=(job.name, moment))
    sender.close()
    # and the desk signs in on A and carries on on B
    desk = web_a.session()
    web_a.login(desk, "desk", PASSWORD)
    on_b = desk.get(web_b.base + "/complaints/", allow_redirects=False, timeout=15).status_code
    load = Load([web_a.base, web_b.base], PAGES, dict(desk.cookies), threads=4).start()
    # and a notice goes to the whole estate while the jobs run
    notice = int(stack.python(PUBLISH_NOTICE).strip())
    # and the desk takes payments through the API, every other one on each web, once the bills are out
    token = requests.post(web_b.base + "/api/v1/auth/token/", data={"username": "desk", "password": PASSWORD},
                          timeout=15).json()["token"]
    wait_for(lambda: stack.scalar("SELECT count(*) FROM fees_bill WHERE period = %s", (NOVEMBER,)) == UNITS,
             timeout=120, what=lambda: f"the November bills:\n{stack.logs()}")
    units = [pk for (pk,) in stack.sql("SELECT id FROM owners_unit ORDER BY id LIMIT %s", (PAYMENTS,))]
    paid = [requests.post((web_a, web_b)[i % 2].base + "/api/v1/payments/",
                          json={"unit": unit, "amount": "10.00", "method": "cash", "payer_name": "业主"},
                          headers={"Authorization": f"Token {token}"}, timeout=15).status_code
            for i, unit in enumerate(units)]
    # and a photo comes with a complaint through A's intake form
    estate = stack.scalar("SELECT id FROM owners_estate WHERE code = 'faults'")
    photo = _photo()
    intake = desk.post(web_a.base + "/complaints/new/", data={
        "estate": estate, "unit_number": "1-1-150", "from_owner": "on", "channel": "phone", "category": "repair",
        "urgency": "normal", "description": "走廊灯不亮", "csrfmiddlewaretoken": desk.cookies.get("csrftoken")},
        files={"attachments": ("IMG_0001.jpg", photo, "image/jpeg")}, allow_redirects=False, timeout=30)
    complaint, attachment, stored = stack.sql(
        "SELECT complaint_id, id, file FROM complaints_complaintattachment ORDER BY id DESC LIMIT 1")[0]
    read_on_b = desk.get(f"{web_b.base}/complaints/{complaint}/files/{attachment}/", timeout=15)
    time.sleep(2)
    outcomes = load.stop()
    stack.settle(timeout=240)

    # then: each record once by its natural key, as many as the estate calls for
    found = records(stack)
    ledger = outbox(stack)
    runs = stack.sql("SELECT count(*), count(DISTINCT worker) FROM propertydesk_jobrun")[0]
    reminders = stack.scalar("SELECT count(*) FROM fees_dunningnotice WHERE period = %s AND round = 1", (NOVEMBER,))
    served = statuses(outcomes)
    by_web = {name: sum(1 for o in outcomes if o.base == web.base) for name, web in (("A", web_a), ("B", web_b))}
    figure(f"two of everything: {sum(by_web.values())} page and API requests spread {by_web}, {dict(served)}; "
           f"the desk's session from A on B: {on_b}; {paid.count(201)} of {PAYMENTS} payments taken over both webs; "
           f"a photo uploaded on A ({intake.status_code}) read on B: {read_on_b.status_code}, "
           f"{len(read_on_b.content)} bytes; records (rows, distinct natural keys) {found}; {runs[0]} job slots run "
           f"by {runs[1]} worker processes; notice SMS {notice_sms_sent(stack, notice)}; outbox "
           f"{ledger['outgoing']} SMS and e-mails, lost {ledger['lost']}, duplicated {ledger['duplicated']}; "
           f"duplicated records {duplicates(found)}")
    assert set(served) == {200} and min(by_web.values()) > 20, (served, stack.logs())
    assert on_b == 200
    assert paid == [201] * PAYMENTS and found["receipts"] == (PAYMENTS, PAYMENTS) == found["payments"]
    assert intake.status_code == 302 and read_on_b.status_code == 200
    assert read_on_b.headers["Content-Type"] == "image/jpeg"
    assert read_on_b.content == (stack.media_root / stored).read_bytes()
    assert duplicates(found) == 0 and ledger["lost"] == 0 and ledger["duplicated"] == 0
    assert found["bills"][1] >= UNITS and found["callbacks"] == (COMPLAINTS, COMPLAINTS)
    assert UNITS - PAYMENTS <= reminders <= UNITS
    assert notice_sms_sent(stack, notice) == UNITS
    assert runs[1] >= 2  # both workers took slots
    assert Decimal(stack.scalar("SELECT coalesce(sum(amount), 0) FROM fees_receipt")) == PAYMENTS * Decimal("10.00")
