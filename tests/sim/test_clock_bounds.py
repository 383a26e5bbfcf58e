"""The clock's bounds: a wild step is refused at once with a clear error, and the clock stays usable."""

from __future__ import annotations

import datetime as dt

import pytest

from mockbank.sim.clock import LATEST
from mockbank.sim.clock import SimClock
from mockbank.sim.errors import ClockError


@pytest.mark.parametrize(
    "step",
    [
        lambda c: c.advance_to("9999-12-31T23:59:59"),
        lambda c: c.advance_working_days(10**30),
        lambda c: c.advance(dt.timedelta(days=10**6)),
        lambda c: c.advance(10**15),
    ],
    ids=["to-9999", "working-days-1e30", "a-million-days", "seconds-1e15"],
)
def test_a_step_past_the_last_moment_is_refused_and_the_clock_keeps_its_time(step):
    clock = SimClock(start="2026-01-05T09:00:00+01:00")
    before = clock.now()
    with pytest.raises(ClockError, match="2199"):
        step(clock)
    assert clock.now() == before
    clock.advance_working_days(1)
    assert clock.now() > before


def test_the_last_moment_can_be_reached_and_no_later():
    clock = SimClock(start="2199-12-31T00:00:00+00:00")
    clock.advance_to(LATEST)
    with pytest.raises(ClockError):
        clock.advance(1)


@pytest.mark.parametrize("app", ["bank", "portal"])
@pytest.mark.parametrize(
    "body", [{"to": "9999-12-31T23:59:59"}, {"workingDays": 10**9}, {"days": 10**12}, {"seconds": 1e300}]
)
def test_both_sandboxes_answer_a_wild_step_with_their_own_400(app, body):
    from consent_server import create_app as create_portal
    from mockbank import create_app as create_bank

    clock = SimClock(start="2026-01-05T09:00:00+01:00")
    flask_app = (create_bank if app == "bank" else create_portal)({"TESTING": True}, clock=clock)
    response = flask_app.test_client().post("/sandbox/clock/advance", json=body)
    assert response.status_code == 400
    answer = response.get_json()
    if app == "bank":
        assert answer["errors"][0]["code"] == "SANDBOX_400"
        assert "2199" in answer["errors"][0]["message"]
    else:
        assert answer["ErrorCode"] == 4000
        assert "2199" in answer["DeveloperErrorMessage"]
    assert clock.now() == dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
    key = "mockbank" if app == "bank" else "consent_server"
    flask_app.extensions[key].close()
