"""PostgreSQL stopped under load: every request during the outage is answered at once with
"back in a moment" (503 with Retry-After: a page, or JSON under /api/), none hangs, none
is a 500, and the app works again by itself once the server is back."""

import time

import pytest

from tests.faults.harness import wait_for
from tests.faults.load import Load, statuses

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]

OUTAGE_SECONDS = 10
PAGES = ["/complaints/", "/api/v1/complaints/", "/inbox/", "/healthz"]


def test_postgres_stopped_under_load_answers_503_and_recovers_by_itself(servers, stack, figure):
    # given: a web process (gunicorn, two workers) and a desk user signed in, requests flowing
    web = stack.web()
    desk = web.session()
    web.login(desk, "desk", "correct-horse-42")
    load = Load([web.base], PAGES, dict(desk.cookies), threads=4).start()
    time.sleep(3)

    # when: the database server stops for OUTAGE_SECONDS, then starts again
    stopped_at = time.monotonic()
    servers.pg.stop()
    time.sleep(OUTAGE_SECONDS)
    servers.pg.start()
    back_at = time.monotonic()
    wait_for(lambda: any(o.sent >= back_at and o.status == 200 for o in load.outcomes), timeout=30,
             what="a request to succeed after PostgreSQL came back")
    time.sleep(3)
    outcomes = load.stop()

    # then: nothing but 200 (and a sign-in redirect never: the session survived) or 503
    during = [o for o in outcomes if stopped_at <= o.sent < back_at]
    counts, during_counts = statuses(outcomes), statuses(during)
    first_ok = min(o.sent + o.took for o in outcomes if o.sent >= back_at and o.status == 200) - back_at
    longest = max(o.took for o in outcomes)
    figure(f"postgres down {back_at - stopped_at:.1f} s under load: {len(outcomes)} requests "
           f"({len(during)} during the outage: {dict(during_counts)}); all: {dict(counts)}; "
           f"500s {counts.get(500, 0)}, hung {counts.get('hung', 0)}; longest answer {longest:.2f} s; "
           f"first success {first_ok:.2f} s after the server was back")
    assert set(counts) <= {200, 503}, (counts, [o.body[:300] for o in outcomes if o.status not in (200, 503)][:3],
                                       stack.logs())
    assert during_counts.get(503, 0) >= 20 and longest < 10
    # every 503 says when to come back, the pages in the reader's language, the API in JSON
    unavailable = [o for o in outcomes if o.status == 503]
    assert all(o.retry_after and int(o.retry_after) > 0 for o in unavailable)
    assert all("服务暂时不可用" in o.body for o in unavailable if o.path in ("/complaints/", "/inbox/"))
    assert all(o.body.startswith('{"detail":') for o in unavailable if o.path.startswith("/api/"))
    # and after it: the app answers by itself, the same session still signed in
    assert first_ok < 5
    assert desk.get(web.base + "/complaints/", allow_redirects=False, timeout=10).status_code == 200
