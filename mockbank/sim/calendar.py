"""Time zones, moments and the two calendars of a world: werkdagen (portal promises) and TARGET2 (settlement)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from mockbank.sim.errors import ClockError

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC


def parse_moment(value: str | dt.datetime) -> dt.datetime:
    """An aware datetime from an ISO 8601 string; naive input is read as Europe/Amsterdam."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return moment.astimezone(UTC)


# The holidays of a year as a plain set of dates: asking ``holidays``' own objects converts and checks the key
# on every call, and the demo history and the clock ask for thousands of days.
@lru_cache(maxsize=256)
def _nl_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("NL", years=year))


@lru_cache(maxsize=256)
def _target2_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.financial_holidays("ECB", years=year))


def is_werkdag(day: dt.date) -> bool:
    """Monday to Friday and not a Dutch public holiday: the portal's working day."""
    return day.weekday() < 5 and day not in _nl_holidays(day.year)


def is_target2_day(day: dt.date) -> bool:
    """A TARGET2 settlement day: the bank's day for SEPA processing."""
    return day.weekday() < 5 and day not in _target2_holidays(day.year)


CALENDARS: dict[str, Callable[[dt.date], bool]] = {"werkdagen": is_werkdag, "target2": is_target2_day}


def _calendar(name: str) -> Callable[[dt.date], bool]:
    if not isinstance(name, str) or name not in CALENDARS:
        raise ClockError(f"unknown calendar {name!r}; use {' or '.join(map(repr, CALENDARS))}")
    return CALENDARS[name]


def add_business_days(day: dt.date, count: int, calendar: str = "werkdagen") -> dt.date:
    """The date ``count`` business days after ``day`` in the named calendar."""
    if count < 0:
        raise ClockError("business days are only counted forwards")
    is_open = _calendar(calendar)
    while count:
        day += dt.timedelta(days=1)
        if is_open(day):
            count -= 1
    return day


def next_business_day(day: dt.date, calendar: str = "werkdagen") -> dt.date:
    """``day`` itself when it is a business day, otherwise the next one."""
    is_open = _calendar(calendar)
    while not is_open(day):
        day += dt.timedelta(days=1)
    return day


def business_days_later(moment: dt.datetime, count: int, calendar: str = "werkdagen") -> dt.datetime:
    """The same Amsterdam wall time ``count`` business days after ``moment``."""
    local = moment.astimezone(AMSTERDAM)
    day = add_business_days(local.date(), count, calendar)
    return dt.datetime.combine(day, local.timetz().replace(tzinfo=None), AMSTERDAM).astimezone(UTC)


def months_back(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def first_of_next_month(moment: dt.datetime) -> dt.datetime:
    """Midnight in Amsterdam at the start of the month after ``moment``'s (month-end work is due then)."""
    day = moment.astimezone(AMSTERDAM).date()
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.datetime(year, month, 1, tzinfo=AMSTERDAM).astimezone(UTC)


def next_local_time(moment: dt.datetime, hour: int, minute: int = 0) -> dt.datetime:
    """The first moment strictly after ``moment`` whose Amsterdam wall time is ``hour:minute``."""
    local = moment.astimezone(AMSTERDAM)
    candidate = dt.datetime.combine(local.date(), dt.time(hour, minute), AMSTERDAM)
    if candidate <= local:
        candidate = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(hour, minute), AMSTERDAM)
    return candidate.astimezone(UTC)
