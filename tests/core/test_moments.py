"""How a list says a moment (propertydesk/templatetags/moments.py): near days by name in
the reader's language, the rest by date, always with the time; the full moment as the
tooltip. The dispatch deadline used to say "00:10" with no day."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import translation

from propertydesk.templatetags.moments import first_line, say_when, when

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 31, 23, 30, tzinfo=SH)


def test_near_days_are_named_in_the_readers_language():
    with translation.override("zh-hans"):
        assert say_when(dt.datetime(2026, 12, 31, 10, 0, tzinfo=SH), NOW) == "今天 10:00"
        assert say_when(dt.datetime(2026, 12, 30, 9, 12, tzinfo=SH), NOW) == "昨天 09:12"
        assert say_when(dt.datetime(2027, 1, 1, 0, 10, tzinfo=SH), NOW) == "明天 00:10"
    with translation.override("en"):
        assert say_when(dt.datetime(2027, 1, 1, 0, 10, tzinfo=SH), NOW) == "tomorrow 00:10"


def test_the_day_is_read_in_shanghai_not_utc():
    # 16:30 UTC on the 31st is 00:30 on 1 January in Shanghai: tomorrow, not today.
    assert say_when(dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC), NOW).endswith("00:30")
    with translation.override("en"):
        assert say_when(dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC), NOW) == "tomorrow 00:30"


def test_other_days_by_date_with_the_year_when_it_is_not_this_one():
    assert say_when(dt.datetime(2026, 11, 28, 10, 0, tzinfo=SH), NOW) == "11-28 10:00"
    assert say_when(dt.datetime(2027, 1, 2, 8, 0, tzinfo=SH), NOW) == "2027-01-02 08:00"
    assert say_when(dt.datetime(2025, 12, 30, 8, 0, tzinfo=SH), NOW) == "2025-12-30 08:00"


def test_the_tooltip_keeps_the_whole_moment():
    with translation.override("zh-hans"):
        html = when(dt.datetime(2026, 12, 31, 10, 0, tzinfo=SH), NOW)
    assert html == '<time datetime="2026-12-31T10:00+08:00" title="2026-12-31 10:00">今天 10:00</time>'
    assert when(None, NOW) == ""


def test_a_rows_text_is_its_first_line_cut_short():
    assert first_line("卫生间漏水\n楼下天花板有水渍") == "卫生间漏水"
    assert first_line("  ") == "" and first_line(None) == ""
    assert first_line("很" * 70) == "很" * 59 + "…"


def test_lengths_of_time_are_said_in_their_two_largest_units_without_a_comma():
    from propertydesk.templatetags.moments import say_span, since, span, until

    with translation.override("zh-hans"):
        assert say_span(dt.timedelta(hours=23, minutes=59, seconds=40)) == "23 小时 59 分"
        assert say_span(dt.timedelta(days=2, hours=3, minutes=5)) == "2 天 3 小时"
        assert say_span(dt.timedelta(days=1, minutes=5)) == "1 天"  # never days beside minutes
        assert say_span(dt.timedelta(seconds=20)) == "不到 1 分钟"
        assert since(NOW - dt.timedelta(minutes=90), NOW) == "1 小时 30 分"
        assert until(NOW + dt.timedelta(minutes=5), NOW) == "5 分"
    with translation.override("en"):
        assert span(dt.timedelta(hours=1, minutes=1)) == "1 hour 1 minute"
        assert span(dt.timedelta(days=3, hours=2)) == "3 days 2 hours"
    assert span(None) == "" and since(None, NOW) == ""
