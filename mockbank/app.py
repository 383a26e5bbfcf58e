"""``create_app``: the only way to build the bank app."""

from __future__ import annotations

import os

from flask import Flask
from flask import current_app
from flask import g
from flask import request
from werkzeug.exceptions import HTTPException

from mockbank import errors
from mockbank import wire
from mockbank.backend import BankBackend
from mockbank.sim.clock import SimClock
from mockbank.sim.errors import InvalidInput
from mockbank.sim.jsonbody import StrictJSONProvider

DEFAULTS = {
    "DATABASE_URL": "sqlite://",
    "SECRET_KEY": "mockbank-not-secret",
    "SESSION_COOKIE_NAME": "abnamro_session",
    "SEED": None,
    "ID_SEED": 0,
    "CLOCK_MODE": "frozen",
    "CLOCK_START": None,
    "CONSENT_DAYS": 90,
    "AUTH_CODE_SECONDS": 60,
    "ACCESS_TOKEN_SECONDS": 7200,
    "EDENTIFIER_MAX_ATTEMPTS": 3,
    "PAGE_SIZE": wire.PAGE_SIZE,
}


def backend() -> BankBackend:
    """The backend of the app handling the current request."""
    return current_app.extensions["mockbank"]


def create_app(config: dict | None = None, *, clock: SimClock | None = None) -> Flask:
    """Build the bank: account API and sandbox API.

    ``config`` keys override ``DEFAULTS``; ``clock`` is the world's shared clock (a frozen one
    is made when none is given). A ``SEED`` builds the demo world at start-up unless the
    database already holds one.
    """
    app = Flask(__name__)
    app.json = StrictJSONProvider(app)
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    if clock is None:
        clock = SimClock(mode=app.config["CLOCK_MODE"], start=app.config["CLOCK_START"])
    state = BankBackend(config=app.config, clock=clock)
    app.extensions["mockbank"] = state

    _init_wire(app)

    from mockbank import ais
    from mockbank import faults
    from mockbank import oauth
    from mockbank import registration
    from mockbank import sandbox
    from mockbank import sandbox_auth
    from mockbank import screens

    # Right after the Trace-Id hook and before any blueprint: a faulted request reaches no view.
    faults.init_app(app)
    ais.init_app(app)
    sandbox.init_app(app)
    oauth.init_app(app)
    screens.init_app(app)
    sandbox_auth.init_app(app)
    registration.init_app(app)

    if app.config["SEED"] is not None and state.bank.get_setting("seed") is None:
        state.seed(int(app.config["SEED"]))
    return app


def _init_wire(app: Flask) -> None:
    @app.before_request
    def _trace_id():
        g.trace_id = backend().trace_ids.uuid()

    @app.after_request
    def _trace_header(response):
        response.headers["Trace-Id"] = getattr(g, "trace_id", None) or backend().trace_ids.uuid()
        request_id = request.headers.get("X-Request-ID")
        if request_id:
            response.headers["X-Request-ID"] = request_id
        return response

    @app.errorhandler(errors.BankError)
    def _bank_error(error: errors.BankError):
        return wire.json_response(wire.error_body(error, g.get("trace_id", "")), status=error.status)

    @app.errorhandler(InvalidInput)
    def _invalid_input(error: InvalidInput):
        return _bank_error(errors.SandboxError(str(error)))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        # The API and sandbox answer in the bank's envelope; screens keep Flask's HTML pages.
        path = request.path
        if path.startswith(("/v1", "/sandbox")) or request.accept_mimetypes.best == "application/json":
            if error.code in (404, 405):
                bank_error = errors.NotFound()
            elif (error.code or 500) >= 500:
                # An unexpected failure is ABN AMRO's technical error, not a bad request with status 500.
                bank_error = errors.BackendError()
            else:
                bank_error = errors.InvalidRequest(error.description)
                bank_error.status = error.code
            return wire.json_response(wire.error_body(bank_error, g.get("trace_id", "")), status=bank_error.status)
        return error


def config_from_env(environ: dict | None = None) -> dict:
    """``MOCKBANK_*`` environment variables as config keys (``MOCKBANK_CONSENT_DAYS=180``...)."""
    environ = os.environ if environ is None else environ
    config = {}
    for key, value in environ.items():
        if key.startswith("MOCKBANK_"):
            name = key[len("MOCKBANK_") :]
            config[name] = int(value) if value.isdigit() else value
    return config
