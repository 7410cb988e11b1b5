"""Redis (the broker and the session cache) stopped: pages keep answering from the
database, a sign-in works, and the work that fell due meanwhile (a notice's messages)
goes out by itself once Redis is back, each message once."""

import time

import pytest

from tests.faults.estate import PUBLISH_NOTICE, UNITS, notice_sms_sent
from tests.faults.harness import wait_for
from tests.faults.ledger import outbox
from tests.faults.load import Load, statuses

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]

OUTAGE_SECONDS = 20
PAGES = ["/complaints/", "/api/v1/complaints/", "/inbox/", "/fees/bills/"]


def test_redis_stopped_pages_answer_and_due_work_runs_when_it_returns(servers, stack, figure):
    # given: a web process, a worker and beat; the desk signed in (its session cached in Redis);
    # the work of the worker's first tick done
    web = stack.web()
    stack.worker()
    stack.beat()
    desk = web.session()
    web.login(desk, "desk", "correct-horse-42")
    stack.settle()
    load = Load([web.base], PAGES, dict(desk.cookies), threads=3).start()
    time.sleep(2)

    # when: Redis stops; meanwhile a supervisor signs in and the desk publishes a notice to the estate
    stopped_at = time.monotonic()
    servers.redis.stop()
    supervisor = web.session()
    web.login(supervisor, "supervisor", "correct-horse-42")
    signed_in = supervisor.get(web.base + "/complaints/", allow_redirects=False, timeout=15).status_code
    publishing = time.monotonic()
    notice = int(stack.python(PUBLISH_NOTICE).strip())
    published_in = time.monotonic() - publishing
    waiting = stack.scalar("SELECT count(*) FROM propertydesk_delivery WHERE status = 'pending'")
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped_at)))
    servers.redis.start()
    back_at = time.monotonic()
    time.sleep(3)
    outcomes = load.stop()

    # then: the pages answered throughout, from the database
    during = [o for o in outcomes if stopped_at <= o.sent < back_at]
    counts = statuses(outcomes)
    longest = max(o.took for o in outcomes)
    # and the notice's messages, queued while the broker was away, go out once it is back
    wait_for(lambda: not stack.busy(), timeout=150, what=lambda: f"the notice's messages to go out:\n{stack.logs()}",
             every=0.5)
    sent_after = time.monotonic() - back_at
    ledger = outbox(stack)
    told = notice_sms_sent(stack, notice)
    figure(f"redis down {back_at - stopped_at:.1f} s: {len(outcomes)} page and API requests ({len(during)} during "
           f"the outage: {dict(statuses(during))}), longest answer {longest:.2f} s; a sign-in during it: "
           f"{signed_in}; a notice published during it in {published_in:.1f} s left {waiting} messages waiting, "
           f"all sent {sent_after:.0f} s after Redis was back; outbox {ledger['outgoing']} SMS, lost "
           f"{ledger['lost']}, duplicated {ledger['duplicated']}")
    assert set(counts) == {200}, (counts, [o.body[:300] for o in outcomes if o.status != 200][:3], stack.logs())
    assert len(during) >= 20 and longest < 5 and signed_in == 200
    assert waiting >= UNITS and told == UNITS
    assert ledger["lost"] == 0 and ledger["duplicated"] == 0 and ledger["unknown"] == 0
