"""Working-day calendar: office time, Indonesian holidays and "N HK" deadlines (DESIGN §4).

Pure core: stdlib + `holidays`, aware datetimes only, no work at import time.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

Hours = tuple[time, time]

# Read-only so no caller can change every calendar's default by mutating it.
DEFAULT_HOURS: Mapping[int, Hours] = MappingProxyType(
    {weekday: (time(8, 0), time(16, 0)) for weekday in range(5)}
)

# The years that days and instants given to the service may fall in: what the holiday library is
# asked about, and where an agency's zone has its modern offset (not local mean time).
YEARS = (2000, 2100)
# How to say so (translated in ``lapor.translations``), with first= and last= the two years.
YEARS_MESSAGE = "The year must be between {first} and {last}."
WORKING_DAYS_MAX = 365  # the longest span a deadline is asked for (a year of working days)


def within_years(day: date | datetime) -> bool:
    """Whether a day or instant falls in YEARS."""
    return YEARS[0] <= day.year <= YEARS[1]

# A calendar with no working day for this long would never produce a deadline.
_MAX_IDLE_DAYS = 3 * 366

_HOURS_RE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")


@cache
def _holidays_in(year: int, language: str = "id") -> Mapping[date, str]:
    """National holidays and cuti bersama of one year, named in `language` (the library's
    codes: "id", "en_US"), built on first use."""
    # The language pins the names; otherwise the library follows $LANG.
    table = holidays.country_holidays(
        "ID", categories=("public", "government"), years=year, language=language
    )
    return MappingProxyType(dict(table))


def parse_hours(spec: str) -> Hours:
    """Parse office hours written as "08:00-16:00"."""
    match = _HOURS_RE.fullmatch(spec) if isinstance(spec, str) else None
    if match is None:
        raise ValueError(f"office hours must look like '08:00-16:00', got {spec!r}")
    h1, m1, h2, m2 = map(int, match.groups())
    try:
        opening, closing = time(h1, m1), time(h2, m2)
    except ValueError:
        raise ValueError(f"office hours {spec!r} contain an invalid time") from None
    _check_hours(opening, closing)
    return opening, closing


def _check_hours(opening: object, closing: object) -> None:
    if not (isinstance(opening, time) and isinstance(closing, time)):
        raise ValueError(f"office hours must be a pair of times, got {opening!r}, {closing!r}")
    if opening.tzinfo is not None or closing.tzinfo is not None:
        raise ValueError("office hours are wall-clock times; give them without tzinfo")
    if opening >= closing:
        raise ValueError(f"office hours open at {opening} but close at {closing}")


def _duration(opening: time, closing: time) -> timedelta:
    return datetime.combine(date.min, closing) - datetime.combine(date.min, opening)


def _require_aware(at: datetime, name: str = "datetime") -> None:
    if not isinstance(at, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} {at!r} is naive; pass a timezone-aware datetime")


@dataclass(frozen=True)
class WorkCalendar:
    """An agency's working days and office hours in its own time zone."""

    timezone: str = "Asia/Jakarta"
    # Weekday (0 = Monday) -> (open, close); a missing weekday is closed.
    hours: Mapping[int, Hours] = field(default_factory=lambda: DEFAULT_HOURS, hash=False)
    closures: frozenset[date] = frozenset()
    extra_days: frozenset[date] = frozenset()
    # Office time in one HK; None means the length of the standard day.
    day_length: timedelta | None = None

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        for weekday, pair in self.hours.items():
            if isinstance(weekday, bool) or weekday not in range(7):
                raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}")
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise ValueError(f"office hours for weekday {weekday} must be (open, close)")
            _check_hours(*pair)
        # Normalise so equal calendars compare equal and nobody mutates ours.
        set_ = object.__setattr__
        set_(self, "hours", MappingProxyType(dict(self.hours)))
        set_(self, "closures", _dates(self.closures, "closures"))
        set_(self, "extra_days", _dates(self.extra_days, "extra_days"))
        if self.day_length is None:
            set_(self, "day_length", _duration(*self.standard_hours))
        elif not isinstance(self.day_length, timedelta) or self.day_length <= timedelta(0):
            raise ValueError(f"day_length must be a positive timedelta, got {self.day_length!r}")
        # Office intervals per local day, filled as they are asked for; the sweeper
        # measures 60 HK for every due report, so each day is worked out once.
        set_(self, "_intervals", {})

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches instances per key

    @property
    def standard_hours(self) -> Hours:
        """The most common opening hours (earliest weekday wins a tie); 08:00-16:00 if none."""
        if not self.hours:
            return DEFAULT_HOURS[0]
        counts = Counter(self.hours[weekday] for weekday in sorted(self.hours))
        return counts.most_common(1)[0][0]

    def holiday_name(self, day: date, language: str = "id") -> str | None:
        """Name of the national holiday or cuti bersama on `day`: in Indonesian, or in another
        language the holiday library speaks ("en_US"); the days are Indonesia's either way."""
        day = _plain_date(day)
        name = _holidays_in(day.year).get(day)
        if name is None or language == "id":
            return name
        return _holidays_in(day.year, language).get(day, name)

    def is_working_day(self, day: date) -> bool:
        """True if the office opens on `day` (a closure beats an extra day, which beats the rest)."""
        return self._office_hours(_plain_date(day)) is not None

    def is_working_time(self, at: datetime) -> bool:
        """True if `at` falls within office hours, [open, close)."""
        _require_aware(at)
        moment = at.astimezone(UTC)
        interval = self._interval(moment.astimezone(self.tzinfo).date())
        return interval is not None and interval[0] <= moment < interval[1]

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself if it is working time, else the next opening instant."""
        _require_aware(at)
        moment = at.astimezone(UTC)
        opening = next(
            max(opening, moment)
            for opening, closing in self._intervals_from(moment)
            if moment < closing
        )
        return opening.astimezone(self.tzinfo)

    def start_of_last_working_day(self, deadline: datetime) -> datetime:
        """The opening of the working day on which the office time before `deadline` ends."""
        _require_aware(deadline, "deadline")
        moment = deadline.astimezone(UTC)
        day = self._local_date(moment)
        for _ in range(_MAX_IDLE_DAYS):
            interval = self._interval(day)
            if interval is not None and interval[0] < moment:
                return interval[0].astimezone(self.tzinfo)
            day -= timedelta(days=1)
        raise ValueError(f"calendar has no working day before {deadline}")

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Office time in [start, end); zero if `end` is not after `start`."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        total = timedelta(0)
        if end <= start:
            return total
        day, last = self._local_date(start), self._local_date(end)
        while day <= last:
            interval = self._interval(day)
            if interval is not None:
                total += max(timedelta(0), min(interval[1], end) - max(interval[0], start))
            day += timedelta(days=1)
        return total

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """Earliest instant by which `amount` of office time has passed since `start`."""
        _require_aware(start, "start")
        if not isinstance(amount, timedelta):
            raise TypeError(f"amount must be a timedelta, got {type(amount).__name__}")
        if amount < timedelta(0):
            raise ValueError(f"amount must not be negative, got {amount}")
        moment = start.astimezone(UTC)
        if amount == timedelta(0):
            return moment.astimezone(self.tzinfo)
        remaining = amount
        for opening, closing in self._intervals_from(moment):
            counted_from = max(opening, moment)
            if counted_from >= closing:
                continue
            # `<=` so a deadline that completes at closing time is that closing time.
            if remaining <= closing - counted_from:
                return (counted_from + remaining).astimezone(self.tzinfo)
            remaining -= closing - counted_from
        raise AssertionError("unreachable: _intervals_from only ends by raising")

    def add_working_days(self, start: datetime, days: float) -> datetime:
        """Deadline `days` HK after `start`; one HK is `day_length` of office time."""
        if isinstance(days, bool) or not isinstance(days, (int, float)):
            raise TypeError(f"days must be a number, got {type(days).__name__}")
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        return self.add_working_time(start, days * self.day_length)

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Office time in [start, end) counted in HK."""
        return self.working_time_between(start, end) / self.day_length

    # -- internals ----------------------------------------------------------

    def _office_hours(self, day: date) -> Hours | None:
        if day in self.closures:
            return None
        if day in self.extra_days:
            # An extra day on a normally closed weekday gets the standard hours.
            return self.hours.get(day.weekday(), self.standard_hours)
        if day.weekday() not in self.hours or day in _holidays_in(day.year):
            return None
        return self.hours[day.weekday()]

    def _interval(self, day: date) -> tuple[datetime, datetime] | None:
        """Office hours of `day` as UTC instants, or None if closed."""
        try:
            return self._intervals[day]
        except KeyError:
            interval = self._intervals[day] = self._compute_interval(day)
            return interval

    def _compute_interval(self, day: date) -> tuple[datetime, datetime] | None:
        office = self._office_hours(day)
        if office is None:
            return None
        # Combine wall-clock times in the zone, then compare in UTC so that
        # differences are real elapsed time even across a DST change.
        tz = self.tzinfo
        opening, closing = (datetime.combine(day, t, tzinfo=tz).astimezone(UTC) for t in office)
        return opening, closing

    def _intervals_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Office intervals from the local day of `moment` on, day by day."""
        day, idle = self._local_date(moment), 0
        while True:
            interval = self._interval(day)
            if interval is None:
                idle += 1
                if idle > _MAX_IDLE_DAYS:
                    raise ValueError(f"calendar has no working day within {idle} days of {day}")
            else:
                idle = 0
                yield interval
            day += timedelta(days=1)

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tzinfo).date()


def _plain_date(day: date) -> date:
    # datetime subclasses date; silently dropping its time would hide a bug.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a date, got {type(day).__name__}")
    return day


def _dates(days: Iterable[date], name: str) -> frozenset[date]:
    result = frozenset(days)
    for day in result:
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ValueError(f"{name} must hold dates, got {day!r}")
    return result


def calendar_for(
    timezone: str,
    hours: Mapping[int, Hours | str] | None = None,
    closures: Iterable[date] = (),
    extra_days: Iterable[date] = (),
) -> WorkCalendar:
    """Build a calendar; `hours` values may be (open, close) pairs or "08:00-16:00" strings."""
    if hours is None:
        hours = DEFAULT_HOURS
    parsed = {
        weekday: parse_hours(spec) if isinstance(spec, str) else tuple(spec)
        for weekday, spec in hours.items()
    }
    return WorkCalendar(
        timezone=timezone,
        hours=parsed,
        closures=frozenset(closures),
        extra_days=frozenset(extra_days),
    )
