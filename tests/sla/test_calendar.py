"""Working-day calendar: DESIGN §4 worked examples, edge cases and properties."""

import subprocess
import sys
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lapor.sla.calendar import (
    DEFAULT_HOURS,
    WorkCalendar,
    calendar_for,
    parse_hours,
)

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")
HK = timedelta(hours=8)


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar()


# -- the holidays data the examples rely on --------------------------------


def test_holiday_table_lists_nyepi_and_lebaran_2026_with_cuti_bersama(calendar):
    # What `holidays` (public + government) lists for March 2026. Idul Fitri
    # itself (21-22 Mar) falls on a weekend; the working days lost are the
    # cuti bersama around it and Nyepi with its cuti bersama.
    march = {d: calendar.holiday_name(d) for d in map(lambda n: date(2026, 3, n), range(1, 32))}
    assert {d: name for d, name in march.items() if name} == {
        date(2026, 3, 18): "Cuti Bersama Hari Suci Nyepi",
        date(2026, 3, 19): "Hari Suci Nyepi",
        date(2026, 3, 20): "Cuti Bersama Hari Raya Idul Fitri",
        date(2026, 3, 21): "Hari Raya Idul Fitri",
        date(2026, 3, 22): "Hari kedua dari Hari Raya Idul Fitri",
        date(2026, 3, 23): "Cuti Bersama Hari Raya Idul Fitri",
        date(2026, 3, 24): "Cuti Bersama Hari Raya Idul Fitri",
    }


def test_holiday_name_is_none_on_an_ordinary_day(calendar):
    assert calendar.holiday_name(date(2026, 2, 2)) is None


# -- DESIGN §4 worked examples --------------------------------------------


def test_one_hk_from_monday_morning_is_tuesday_same_time(calendar):
    assert calendar.add_working_days(wib(2026, 2, 2, 10), 1) == wib(2026, 2, 3, 10)


def test_five_hk_from_friday_evening_before_lebaran_ends_at_closing_on_27_march(calendar):
    # Counting starts Mon 16 Mar; 16, 17, 25, 26, 27 Mar are the five HK.
    deadline = calendar.add_working_days(wib(2026, 3, 13, 17, 30), 5)
    assert deadline == wib(2026, 3, 27, 16)
    assert deadline.tzinfo == WIB
    assert calendar.working_days_between(wib(2026, 3, 13, 17, 30), deadline) == 5


def test_nyepi_idul_fitri_and_cuti_bersama_are_not_working_days(calendar):
    closed = [date(2026, 3, n) for n in (18, 19, 20, 23, 24)]
    assert not any(calendar.is_working_day(d) for d in closed)
    assert calendar.is_working_day(date(2026, 3, 17))
    assert calendar.is_working_day(date(2026, 3, 25))


def test_lebaran_week_is_skipped_entirely(calendar):
    assert calendar.add_working_days(wib(2026, 3, 17, 14), 1) == wib(2026, 3, 25, 14)


# -- receipt at and around the edges of office hours ----------------------


def test_report_received_one_minute_before_closing_counts_that_minute(calendar):
    assert calendar.add_working_days(wib(2026, 2, 2, 15, 59), 1) == wib(2026, 2, 3, 15, 59)


def test_report_received_after_closing_starts_counting_next_opening(calendar):
    # Counting starts Tue 08:00, so one HK completes exactly at Tue 16:00.
    assert calendar.add_working_days(wib(2026, 2, 2, 16, 1), 1) == wib(2026, 2, 3, 16)


def test_report_received_on_saturday_starts_counting_monday(calendar):
    assert calendar.add_working_days(wib(2026, 2, 7, 9), 1) == wib(2026, 2, 9, 16)
    assert calendar.add_working_days(wib(2026, 2, 7, 9), 0.5) == wib(2026, 2, 9, 12)


def test_report_received_on_independence_day_starts_counting_next_day(calendar):
    assert calendar.holiday_name(date(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    assert calendar.add_working_days(wib(2026, 8, 17, 9), 1) == wib(2026, 8, 18, 16)


def test_zero_hk_leaves_the_receipt_instant_unchanged(calendar):
    received = wib(2026, 2, 7, 9)  # a Saturday: no rounding to the next opening
    assert calendar.add_working_time(received, timedelta(0)) == received


# -- time zones -----------------------------------------------------------


@pytest.mark.parametrize("zone", [WIB, WITA, WIT], ids=["WIB", "WITA", "WIT"])
def test_same_local_moment_gives_same_local_deadline_in_each_zone(zone):
    calendar = WorkCalendar(timezone=zone.key)
    deadline = calendar.add_working_days(datetime(2026, 2, 2, 10, tzinfo=zone), 1)
    assert deadline.replace(tzinfo=None) == datetime(2026, 2, 3, 10)  # noqa: DTZ001 (wall-clock comparison)
    assert deadline.tzinfo == zone


def test_same_instant_is_measured_against_each_agencys_own_office_hours():
    received = wib(2026, 2, 2, 15, 30)  # = 16:30 WITA = 17:30 WIT: after closing there
    assert WorkCalendar("Asia/Jakarta").add_working_days(received, 1) == wib(2026, 2, 3, 15, 30)
    for zone in (WITA, WIT):
        deadline = WorkCalendar(zone.key).add_working_days(received, 1)
        assert deadline == datetime(2026, 2, 3, 16, tzinfo=zone)
        assert deadline.utcoffset() == zone.utcoffset(deadline.replace(tzinfo=None))


def test_deadline_is_returned_in_the_calendars_zone_whatever_the_input_zone():
    received = datetime(2026, 2, 2, 3, tzinfo=ZoneInfo("UTC"))  # 10:00 WIB
    deadline = WorkCalendar().add_working_days(received, 1)
    assert deadline.tzinfo == WIB and deadline == wib(2026, 2, 3, 10)


# -- admin closures, extra days and office hours --------------------------


def test_admin_closure_and_new_year_are_skipped_across_the_year_end():
    calendar = WorkCalendar(closures=frozenset({date(2026, 12, 31)}))
    assert calendar.holiday_name(date(2027, 1, 1)) == "Tahun Baru Masehi"
    # 31 Dec closed, 1 Jan New Year, 2-3 Jan weekend, 5 Jan Isra Mikraj 2027.
    assert calendar.add_working_days(wib(2026, 12, 30, 10), 1) == wib(2027, 1, 4, 10)
    assert calendar.add_working_days(wib(2026, 12, 30, 10), 2) == wib(2027, 1, 6, 10)


def test_extra_working_day_on_saturday_counts_with_standard_hours():
    calendar = WorkCalendar(extra_days=frozenset({date(2026, 2, 7)}))
    assert calendar.is_working_time(wib(2026, 2, 7, 8))
    assert not calendar.is_working_time(wib(2026, 2, 7, 16))
    assert calendar.add_working_days(wib(2026, 2, 6, 10), 1) == wib(2026, 2, 7, 10)


def test_extra_working_day_overrides_a_holiday_but_a_closure_overrides_both():
    independence = date(2026, 8, 17)
    assert WorkCalendar(extra_days=frozenset({independence})).is_working_day(independence)
    both = WorkCalendar(closures=frozenset({independence}), extra_days=frozenset({independence}))
    assert not both.is_working_day(independence)


def test_short_friday_counts_only_its_own_office_hours():
    calendar = calendar_for("Asia/Jakarta", hours={**DEFAULT_HOURS, 4: "08:00-11:30"})
    assert calendar.day_length == HK  # one HK is still the standard 8-hour day
    # Fri 10:00-11:30 is 1.5 h; the other 6.5 h run Mon 08:00-14:30.
    assert calendar.add_working_days(wib(2026, 2, 6, 10), 1) == wib(2026, 2, 9, 14, 30)
    assert not calendar.is_working_time(wib(2026, 2, 6, 11, 30))


def test_custom_day_length_changes_the_size_of_one_hk():
    calendar = WorkCalendar(day_length=timedelta(hours=4))
    assert calendar.add_working_days(wib(2026, 2, 2, 8), 1) == wib(2026, 2, 2, 12)


def test_sixty_hk_spans_the_lebaran_season(calendar):
    received = wib(2026, 2, 2, 10)
    deadline = calendar.add_working_days(received, 60)
    assert calendar.working_days_between(received, deadline) == 60
    # 17 HK left in Feb (minus Imlek), 17 in Mar (minus Nyepi and Lebaran),
    # 21 in Apr (minus Good Friday); 1 May is Labour Day, so 4-8 May are 56-60.
    assert deadline == wib(2026, 5, 8, 10)


def test_next_opening_of_an_instant_in_office_hours_is_that_instant(calendar):
    assert calendar.next_opening(wib(2026, 2, 2, 10, 15)) == wib(2026, 2, 2, 10, 15)
    assert calendar.next_opening(wib(2026, 2, 2, 16)) == wib(2026, 2, 3, 8)


def test_working_time_between_is_zero_when_end_is_not_after_start(calendar):
    assert calendar.working_time_between(wib(2026, 2, 3, 10), wib(2026, 2, 2, 10)) == timedelta(0)


# -- validation -----------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda c, t: c.is_working_time(t),
        lambda c, t: c.next_opening(t),
        lambda c, t: c.working_time_between(t, wib(2026, 2, 3, 10)),
        lambda c, t: c.working_time_between(wib(2026, 2, 1, 10), t),
        lambda c, t: c.add_working_time(t, HK),
        lambda c, t: c.add_working_days(t, 1),
        lambda c, t: c.working_days_between(t, wib(2026, 2, 3, 10)),
    ],
)
def test_naive_datetime_is_rejected(calendar, call):
    with pytest.raises(ValueError, match="naive"):
        call(calendar, datetime(2026, 2, 2, 10))  # noqa: DTZ001 - the point of the test


def test_unknown_time_zone_is_rejected():
    with pytest.raises(ValueError, match="unknown time zone 'Asia/Atlantis'"):
        WorkCalendar(timezone="Asia/Atlantis")


def test_negative_amounts_are_rejected(calendar):
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_time(wib(2026, 2, 2, 10), timedelta(minutes=-1))
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_days(wib(2026, 2, 2, 10), -1)


@pytest.mark.parametrize(
    "hours", [{0: (time(16), time(8))}, {0: (time(8), time(8))}, {7: (time(8), time(16))}]
)
def test_invalid_office_hours_are_rejected(hours):
    with pytest.raises(ValueError):
        WorkCalendar(hours=hours)


def test_parse_hours_reads_a_range():
    assert parse_hours("07:30-15:00") == (time(7, 30), time(15))
    assert parse_hours(" 8:00 - 16:00 ") == (time(8), time(16))


@pytest.mark.parametrize("spec", ["", "08:00", "8-16", "16:00-08:00", "08:00-08:00", "25:00-26:00"])
def test_parse_hours_rejects_bad_input(spec):
    with pytest.raises(ValueError):
        parse_hours(spec)


def test_calendar_without_any_working_day_fails_instead_of_looping():
    with pytest.raises(ValueError, match="no working day"):
        WorkCalendar(hours={}).add_working_days(wib(2026, 2, 2, 10), 1)


def test_equal_settings_give_equal_hashable_calendars():
    explicit = calendar_for("Asia/Jakarta", hours=dict(DEFAULT_HOURS), closures=[date(2026, 1, 2)])
    same = WorkCalendar(closures=frozenset({date(2026, 1, 2)}), day_length=HK)
    assert explicit == same and hash(explicit) == hash(same)


def test_importing_the_module_builds_no_holiday_table():
    code = (
        "import lapor.sla.calendar as c; "
        "assert c._holidays_in.cache_info().currsize == 0; "
        "c.WorkCalendar(); assert c._holidays_in.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- properties -----------------------------------------------------------

CALENDARS = [
    WorkCalendar(),
    calendar_for("Asia/Makassar", hours={**DEFAULT_HOURS, 4: "08:00-11:30"}),
    WorkCalendar(
        "Asia/Jayapura",
        closures=frozenset({date(2026, 3, 25), date(2026, 12, 31)}),
        extra_days=frozenset({date(2026, 3, 21), date(2026, 8, 17)}),
    ),
    # Not Indonesian, but it has DST: the arithmetic must not assume fixed offsets.
    WorkCalendar("Europe/Berlin", hours={d: (time(7), time(15, 30)) for d in range(6)}),
]

calendars = st.sampled_from(CALENDARS)
instants = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2027, 1, 31),  # noqa: DTZ001
    timezones=st.sampled_from([WIB, WITA, WIT, ZoneInfo("Europe/Berlin")]),
)
amounts = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=8 * 40))
PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(calendars, instants, amounts, amounts)
def test_adding_more_working_time_never_gives_an_earlier_deadline(calendar, start, a, b):
    a, b = sorted((a, b))
    assert calendar.add_working_time(start, a) <= calendar.add_working_time(start, b)


@PROPERTY
@given(calendars, instants, amounts)
def test_working_time_up_to_the_deadline_is_exactly_the_amount_added(calendar, start, amount):
    deadline = calendar.add_working_time(start, amount)
    assert calendar.working_time_between(start, deadline) == amount


@PROPERTY
@given(calendars, instants, amounts.filter(bool))
def test_deadline_lies_in_open_close_interval_of_a_working_day(calendar, start, amount):
    # Within (open, close]: the microsecond just before it was office time,
    # so the deadline is the earliest instant and may be exactly closing time.
    deadline = calendar.add_working_time(start, amount)
    assert deadline.tzinfo == calendar.tzinfo
    assert calendar.is_working_time(deadline - timedelta(microseconds=1))


@PROPERTY
@given(calendars, instants)
def test_next_opening_is_the_first_working_instant_not_before_t(calendar, t):
    opening = calendar.next_opening(t)
    assert opening >= t
    assert calendar.is_working_time(opening)
    assert calendar.working_time_between(t, opening) == timedelta(0)


@PROPERTY
@given(calendars, instants, instants, instants)
def test_working_time_between_is_additive_over_a_split_point(calendar, a, b, c):
    a, b, c = sorted((a, b, c))
    between = calendar.working_time_between
    assert between(a, c) == between(a, b) + between(b, c)


@PROPERTY
@given(calendars, instants, st.integers(min_value=0, max_value=60))
def test_adding_working_days_adds_that_many_standard_days(calendar, start, days):
    expected = calendar.add_working_time(start, days * calendar.day_length)
    assert calendar.add_working_days(start, days) == expected
