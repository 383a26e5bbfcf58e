"""The simulated clock: frozen and running modes, moving forward only, and surviving a restart."""

from __future__ import annotations

import datetime as dt

import pytest

from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import UTC
from mockbank.sim.calendar import parse_moment
from mockbank.sim.clock import FROZEN
from mockbank.sim.clock import RUNNING
from mockbank.sim.clock import SimClock
from mockbank.sim.errors import ClockError

START = "2026-01-05T09:00:00+01:00"


class FakeWall:
    """A wall clock the test moves by hand (seconds since the epoch), so nothing ever sleeps."""

    def __init__(self, at: float = 1_000_000.0):
        self.at = at

    def __call__(self) -> float:
        return self.at


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def test_a_frozen_clock_stands_still_while_wall_time_passes():
    wall = FakeWall()
    clock = SimClock(start=START, wall=wall)

    wall.at += 3600

    assert clock.mode == FROZEN
    assert clock.now() == utc(START)
    assert clock.now().tzinfo is not None


def test_a_running_clock_follows_wall_time_from_its_start():
    wall = FakeWall()
    clock = SimClock(mode=RUNNING, start=START, wall=wall)

    wall.at += 90.5

    assert clock.now() == utc(START) + dt.timedelta(seconds=90.5)


def test_a_running_clock_keeps_running_after_an_advance():
    wall = FakeWall()
    clock = SimClock(mode=RUNNING, start=START, wall=wall)

    clock.advance(dt.timedelta(days=2))
    wall.at += 10

    assert clock.now() == utc(START) + dt.timedelta(days=2, seconds=10)


def test_without_a_start_the_clock_begins_at_the_default_moment():
    assert SimClock(wall=FakeWall()).now() == dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def test_advance_by_timedelta_or_seconds():
    clock = SimClock(start=START)

    clock.advance(dt.timedelta(hours=1))
    clock.advance(30)
    clock.advance(0.25)

    assert clock.now() == utc(START) + dt.timedelta(hours=1, seconds=30.25)


def test_advance_to_a_moment_in_any_notation():
    clock = SimClock(start=START)

    assert clock.advance_to("2026-01-05T10:00:00Z") == utc("2026-01-05T10:00:00+00:00")
    # A naive moment is Amsterdam time.
    assert clock.advance_to("2026-01-05T12:00:00") == utc("2026-01-05T12:00:00+01:00")
    assert clock.advance_to(dt.datetime(2026, 1, 6, tzinfo=UTC)) == dt.datetime(2026, 1, 6, tzinfo=UTC)
    # Standing still is allowed.
    assert clock.advance_to(clock.now()) == dt.datetime(2026, 1, 6, tzinfo=UTC)


def test_advance_working_days_skips_weekends_and_keeps_the_wall_time():
    clock = SimClock(start="2026-01-09T09:00:00+01:00")  # a Friday

    clock.advance_working_days(1)

    assert clock.now().astimezone(AMSTERDAM).isoformat() == "2026-01-12T09:00:00+01:00"


def test_advance_working_days_in_the_target2_calendar():
    clock = SimClock(start="2026-04-24T15:00:00+02:00")  # Friday before Koningsdag

    clock.advance_working_days(1, "target2")

    assert clock.today() == dt.date(2026, 4, 27)  # Koningsdag is a TARGET2 day


@pytest.mark.parametrize("mode", [FROZEN, RUNNING])
def test_the_clock_never_moves_backwards(mode):
    wall = FakeWall()
    clock = SimClock(mode=mode, start=START, wall=wall)

    with pytest.raises(ClockError):
        clock.advance(-1)
    with pytest.raises(ClockError):
        clock.advance(dt.timedelta(microseconds=-1))
    with pytest.raises(ClockError):
        clock.advance_to("2026-01-05T08:59:59+01:00")
    with pytest.raises(ClockError):
        clock.advance_working_days(-1)

    assert clock.now() == utc(START)


def test_a_running_clock_refuses_a_moment_it_has_passed():
    wall = FakeWall()
    clock = SimClock(mode=RUNNING, start=START, wall=wall)
    wall.at += 60

    with pytest.raises(ClockError):
        clock.advance_to(utc(START) + dt.timedelta(seconds=30))


def test_switching_modes_keeps_the_simulated_time():
    wall = FakeWall()
    clock = SimClock(start=START, wall=wall)
    wall.at += 500

    clock.set_mode(RUNNING)
    assert clock.now() == utc(START)
    wall.at += 20
    assert clock.now() == utc(START) + dt.timedelta(seconds=20)

    clock.set_mode(FROZEN)
    wall.at += 1000
    assert clock.now() == utc(START) + dt.timedelta(seconds=20)


def test_unknown_modes_are_refused():
    with pytest.raises(ClockError):
        SimClock(mode="paused")
    with pytest.raises(ClockError):
        SimClock().set_mode("fast")


def test_today_is_the_date_in_amsterdam():
    clock = SimClock(start="2026-01-05T22:59:59+00:00")
    assert clock.today() == dt.date(2026, 1, 5)

    clock.advance(1)

    assert clock.today() == dt.date(2026, 1, 6)


def test_parse_moment_reads_iso_8601_and_amsterdam_for_naive_times():
    assert parse_moment("2026-07-01T12:00:00") == utc("2026-07-01T10:00:00+00:00")  # summer time
    assert parse_moment("2026-01-01T12:00:00Z") == utc("2026-01-01T12:00:00+00:00")
    with pytest.raises(ValueError):
        parse_moment("next tuesday")


def test_state_names_mode_and_time():
    clock = SimClock(start=START)

    state = clock.state()

    assert state["mode"] == FROZEN
    assert parse_moment(state["now"]) == utc(START)


def test_a_restart_on_the_same_database_file_resumes_the_simulated_time(file_app_factory):
    first = file_app_factory(SimClock(start=START))
    first.extensions["mockbank"].clock.advance(dt.timedelta(days=12, hours=3))
    first.extensions["mockbank"].close()

    second = file_app_factory(SimClock(start=START))  # a fresh clock, as after a process restart

    assert second.extensions["mockbank"].clock.now() == utc(START) + dt.timedelta(days=12, hours=3)
    clock = second.test_client().get("/sandbox/clock").get_json()
    assert clock["today"] == "2026-01-17"


def test_a_restart_never_moves_a_later_clock_back(file_app_factory):
    first = file_app_factory(SimClock(start=START))
    first.extensions["mockbank"].close()

    second = file_app_factory(SimClock(start="2026-03-01T00:00:00+01:00"))

    assert second.extensions["mockbank"].clock.now() == utc("2026-03-01T00:00:00+01:00")


def test_a_running_clock_resumes_where_it_was_when_the_process_stopped(file_app_factory):
    wall = FakeWall()
    first = file_app_factory(SimClock(mode=RUNNING, start=START, wall=wall))
    first.extensions["mockbank"].clock.advance(dt.timedelta(days=1))
    wall.at += 3600  # an hour of running time that clients saw pass, with no advance after it
    first.extensions["mockbank"].close()

    later_wall = FakeWall(wall.at + 86_400)  # the process was down for a day of wall time
    second = file_app_factory(SimClock(mode=RUNNING, start=START, wall=later_wall))

    assert second.extensions["mockbank"].clock.now() == utc(START) + dt.timedelta(days=1, hours=1)
