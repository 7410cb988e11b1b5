"""The demo's clock helpers (demo.context): when a job of the registry runs next, and
the timeline the fees' and the work orders' actions are played on."""

from datetime import datetime
from zoneinfo import ZoneInfo

from demo.context import Timeline, next_run

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_next_run_is_the_jobs_first_run_strictly_after_the_moment():
    # given jobs of the registry: every 15 minutes, hourly at :20, on the 10th at 23:30

    # when / then
    assert next_run("complaints.overdue_sweep", after=at(2026, 3, 1, 10, 7, 30)) == at(2026, 3, 1, 10, 15)
    assert next_run("complaints.overdue_sweep", after=at(2026, 3, 1, 10, 15)) == at(2026, 3, 1, 10, 30)
    assert next_run("callbacks.hourly", after=at(2026, 3, 2, 0, 0)) == at(2026, 3, 2, 0, 20)
    assert next_run("callbacks.monthly_rates", after=at(2026, 11, 1)) == at(2026, 11, 10, 23, 30)
    assert next_run("callbacks.monthly_rates", after=at(2026, 12, 31, 23, 59)) == at(2027, 1, 10, 23, 30)


def test_the_timeline_plays_in_time_order_and_forgets_what_comes_after_the_end():
    # given actions scheduled out of order, one scheduling another, one after the end
    timeline, played = Timeline(), []
    timeline.before_receipt.append(lambda: played.append("held payments taken"))

    def first():
        played.append("first")
        timeline.at(at(2026, 3, 1, 12), lambda: played.append("scheduled by the first"))

    timeline.at(at(2026, 3, 1, 14), lambda: played.append("a receipt"), receipt=True)
    timeline.at(at(2026, 3, 1, 9), first)
    timeline.at(at(2026, 3, 2, 0), lambda: played.append("tomorrow"))

    # when
    timeline.play_until(at(2026, 3, 2))

    # then
    assert played == ["first", "scheduled by the first", "held payments taken", "a receipt",
                      "held payments taken"]
    timeline.play_until(at(2026, 3, 3))
    assert "tomorrow" not in played
