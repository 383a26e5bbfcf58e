"""What both servers' sandbox APIs parse alike: JSON bodies, typed fields, and moving the shared clock.

The parsers raise ``InvalidInput``; each app answers it as its own sandbox error, in its own envelope.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask import request
from flask.sessions import SecureCookieSessionInterface

from mockbank.sim.clock import LATEST
from mockbank.sim.clock import SimClock
from mockbank.sim.errors import ClockError
from mockbank.sim.errors import InvalidInput

TIME_UNITS = ("seconds", "minutes", "hours", "days")


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building a serializer on every request.

    Flask makes (and test-encodes with) a new ``itsdangerous`` serializer per request, even for an API call that
    sends no cookie; here a request without the session cookie gets an empty session at once, and the
    serializer is made once per secret key.
    """

    def __init__(self):
        self._serializers: dict = {}

    def get_signing_serializer(self, app):
        """The app's serializer, made once per secret key (and fallbacks)."""
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            self._serializers = {key: serializer}
        return serializer

    def open_session(self, app, request):
        """An empty session for a request without the cookie; otherwise Flask's."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def body() -> dict:
    """The request's JSON body as a dict (``{}`` when empty); ``InvalidInput`` for anything else."""
    data = request.get_json(silent=True)
    if data is None:
        if request.data.strip():
            try:
                current_app.json.loads(request.data)
            except ValueError as exc:
                raise InvalidInput(f"the body is not valid JSON: {exc}") from None
            raise InvalidInput("the body is not valid JSON")
        return {}
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object")
    return data


def _type_name(kind: type) -> str:
    return "boolean" if kind is bool else kind.__name__


def required(data: dict, name: str, kind: type = str):
    """A required field of the given type (a bool is not an int)."""
    value = data.get(name)
    if value in (None, ""):
        raise InvalidInput(f"'{name}' is required")
    if (kind is not bool and isinstance(value, bool)) or not isinstance(value, kind):
        raise InvalidInput(f"'{name}' must be a {_type_name(kind)}")
    return value


def optional(data: dict, name: str, default=None, kind: type = str):
    """An optional field: ``default`` when absent or null, else a value of the given type."""
    value = data.get(name)
    if value is None:
        return default
    if (kind is not bool and isinstance(value, bool)) or not isinstance(value, kind):
        raise InvalidInput(f"'{name}' must be a {_type_name(kind)}")
    return value


def clock_json(clock: SimClock) -> dict:
    """The clock's state as both sandbox APIs show it."""
    return {"now": clock.now().isoformat(), "mode": clock.mode, "today": clock.today().isoformat()}


def advance_clock(clock: SimClock, data: dict) -> None:
    """Move the shared clock by ``seconds``/``minutes``/``hours``/``days``, ``workingDays``, or ``to`` a moment."""
    try:
        if "to" in data:
            clock.advance_to(required(data, "to"))
        elif "workingDays" in data:
            clock.advance_working_days(required(data, "workingDays", int), data.get("calendar", "werkdagen"))
        else:
            delta = dt.timedelta()
            for unit in TIME_UNITS:
                if unit in data:
                    value = data[unit]
                    if isinstance(value, bool) or not isinstance(value, int | float):
                        raise InvalidInput(f"'{unit}' must be a number")
                    try:
                        delta += dt.timedelta(**{unit: value})
                    except OverflowError:
                        raise ClockError(
                            f"'{unit}': {value} goes past {LATEST.isoformat()}, the clock's last moment"
                        ) from None
            if not delta:
                raise InvalidInput("say how far: seconds, minutes, hours, days, workingDays or to")
            clock.advance(delta)
    except InvalidInput:
        raise
    except ClockError as exc:
        raise InvalidInput(str(exc)) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"not a moment or calendar: {exc}") from exc
