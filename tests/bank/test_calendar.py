"""Werkdagen (the portal's promises) and TARGET2 days (the bank's settlement) around Dutch holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import add_business_days
from mockbank.sim.calendar import business_days_later
from mockbank.sim.calendar import is_target2_day
from mockbank.sim.calendar import is_werkdag
from mockbank.sim.calendar import next_business_day
from mockbank.sim.calendar import next_local_time
from mockbank.sim.errors import ClockError

D = dt.date


@pytest.mark.parametrize(
    ("day", "werkdag", "target2", "why"),
    [
        (D(2026, 4, 27), False, True, "Koningsdag on a Monday: shops shut, TARGET2 settles"),
        (D(2025, 4, 26), False, False, "Koningsdag 2025 moves to Saturday 26 April, the 27th being a Sunday"),
        (D(2025, 4, 28), True, True, "the Monday after a Sunday 27 April is an ordinary day"),
        # Goede Vrijdag is gelijkgesteld with the general holidays by the Algemene termijnenwet (art. 3 lid 2),
        # and the holidays library lists it for NL: no werkdag. TARGET2 is closed as well.
        (D(2026, 4, 3), False, False, "Goede Vrijdag"),
        (D(2026, 4, 6), False, False, "Tweede Paasdag"),
        (D(2026, 5, 1), True, False, "1 May: a Dutch working day, a TARGET2 holiday"),
        (D(2026, 5, 14), False, True, "Hemelvaartsdag"),
        (D(2026, 5, 25), False, True, "Tweede Pinksterdag"),
        # The library follows the practice of most CAOs: 5 May is a day off once every five years.
        (D(2025, 5, 5), False, True, "Bevrijdingsdag in a lustrum year"),
        (D(2026, 5, 5), True, True, "Bevrijdingsdag in another year"),
        (D(2025, 12, 25), False, False, "Eerste Kerstdag"),
        (D(2025, 12, 26), False, False, "Tweede Kerstdag"),
        (D(2025, 12, 24), True, True, "Christmas Eve"),
        (D(2026, 1, 1), False, False, "Nieuwjaarsdag"),
        (D(2026, 1, 2), True, True, "2 January"),
        (D(2026, 1, 10), False, False, "a Saturday"),
        (D(2026, 1, 11), False, False, "a Sunday"),
    ],
)
def test_the_two_calendars(day, werkdag, target2, why):
    assert is_werkdag(day) is werkdag, why
    assert is_target2_day(day) is target2, why


def test_the_calendars_differ_around_koningsdag():
    friday = D(2026, 4, 24)

    assert add_business_days(friday, 1, "werkdagen") == D(2026, 4, 28)
    assert add_business_days(friday, 1, "target2") == D(2026, 4, 27)


def test_five_werkdagen_across_koningsdag_and_1_may():
    thursday = D(2026, 4, 23)

    assert add_business_days(thursday, 5, "werkdagen") == D(2026, 5, 1)
    assert add_business_days(thursday, 5, "target2") == D(2026, 4, 30)
    assert add_business_days(thursday, 6, "target2") == D(2026, 5, 4)


def test_easter_closes_both_calendars_for_four_days():
    maundy_thursday = D(2026, 4, 2)

    assert add_business_days(maundy_thursday, 1, "werkdagen") == D(2026, 4, 7)
    assert add_business_days(maundy_thursday, 1, "target2") == D(2026, 4, 7)


def test_christmas_and_new_year():
    assert add_business_days(D(2025, 12, 24), 1) == D(2025, 12, 29)
    assert add_business_days(D(2025, 12, 31), 1) == D(2026, 1, 2)
    assert add_business_days(D(2026, 12, 24), 1) == D(2026, 12, 28)  # 25th a Friday, 26th a Saturday


def test_zero_business_days_is_the_same_day():
    assert add_business_days(D(2026, 1, 10), 0) == D(2026, 1, 10)


def test_next_business_day():
    assert next_business_day(D(2026, 1, 5)) == D(2026, 1, 5)
    assert next_business_day(D(2026, 4, 3)) == D(2026, 4, 7)
    assert next_business_day(D(2026, 4, 25), "target2") == D(2026, 4, 27)
    assert next_business_day(D(2026, 4, 25), "werkdagen") == D(2026, 4, 28)


def test_counting_backwards_or_in_an_unknown_calendar_is_refused():
    with pytest.raises(ClockError):
        add_business_days(D(2026, 1, 5), -1)
    with pytest.raises(ClockError):
        add_business_days(D(2026, 1, 5), 1, "bankdagen")
    with pytest.raises(ClockError):
        next_business_day(D(2026, 1, 5), "bankdagen")


def test_business_days_keep_the_amsterdam_wall_time_across_summer_time():
    friday_morning = dt.datetime(2026, 3, 27, 9, 0, tzinfo=AMSTERDAM)  # CET; clocks go forward on the 29th

    monday = business_days_later(friday_morning, 1)

    assert monday.astimezone(AMSTERDAM) == dt.datetime(2026, 3, 30, 9, 0, tzinfo=AMSTERDAM)
    assert monday.utcoffset() == dt.timedelta(0)
    assert monday.hour == 7  # 09:00 summer time is 07:00 UTC


def test_next_local_time_is_strictly_later():
    at_six = dt.datetime(2026, 1, 5, 6, 0, tzinfo=AMSTERDAM)

    assert next_local_time(at_six, 6) == dt.datetime(2026, 1, 6, 6, 0, tzinfo=AMSTERDAM)
    assert next_local_time(at_six - dt.timedelta(seconds=1), 6) == at_six
    # Across the switch to summer time, 06:00 stays 06:00 on the wall.
    assert next_local_time(dt.datetime(2026, 3, 28, 7, 0, tzinfo=AMSTERDAM), 6) == dt.datetime(
        2026, 3, 29, 6, 0, tzinfo=AMSTERDAM
    )


def test_the_first_of_next_month_is_midnight_in_amsterdam():
    from mockbank.sim.calendar import first_of_next_month

    winter = first_of_next_month(dt.datetime(2026, 12, 31, 22, 59, tzinfo=dt.UTC))  # 23:59 on 31 December
    assert winter == dt.datetime(2026, 12, 31, 23, 0, tzinfo=dt.UTC)  # 00:00 on 1 January 2027 (CET)
    summer = first_of_next_month(dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC))  # already 1 April in Amsterdam
    assert summer == dt.datetime(2026, 4, 30, 22, 0, tzinfo=dt.UTC)  # 00:00 on 1 May (CEST)
