"""``create_app``: the only way to build the bank app."""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Flask
from flask import g
from flask import request
from werkzeug.exceptions import HTTPException

from mockbank import errors
from mockbank import oauth
from mockbank import wire
from mockbank.backend import BankBackend
from mockbank.context import EXTENSION
from mockbank.context import backend
from mockbank.services.faults import OAUTH_PATHS
from mockbank.settings import config_from_env as settings_from_env
from mockbank.settings import load as load_settings
from mockbank.sim import limits
from mockbank.sim import security
from mockbank.sim import settings as typed
from mockbank.sim.clock import SimClock
from mockbank.sim.errors import InvalidInput
from mockbank.sim.jsonbody import StrictJSONProvider
from mockbank.sim.web import CookieSessions
from mockbank.views import ais
from mockbank.views import api_options
from mockbank.views import faults
from mockbank.views import internet_banking
from mockbank.views import pis
from mockbank.views import registration
from mockbank.views import sandbox
from mockbank.views import sandbox_auth
from mockbank.views import sandbox_pay
from mockbank.views import screens
from mockbank.views import tasks


def create_app(config: dict | None = None, *, clock: SimClock | None = None) -> Flask:
    """Build the bank: account API, OAuth server, screens and sandbox API.

    ``config`` keys override ``BankSettings``' defaults (checked by type; other keys, Flask's own, pass
    through); ``clock`` is the world's shared clock (a frozen one is made when none is given). A ``SEED``
    builds the demo world at start-up unless the database already holds one.
    """
    config = dict(config or {})
    settings = load_settings(config)
    app = Flask(__name__)
    app.json = StrictJSONProvider(app)
    app.session_interface = CookieSessions()
    app.config.update(config)
    app.config.update(typed.as_config(settings))
    if clock is None:
        clock = SimClock(mode=settings.clock_mode, start=settings.clock_start)
    state = BankBackend(settings=settings, clock=clock)
    app.extensions[EXTENSION] = state
    app.config["SECRET_KEY"] = settings.secret_key or state.session_secret()

    if state.versions.shared:
        # Other workers write to the same database: read the stored world versions once per request, first.
        app.before_request(state.versions.open_scope)
        app.teardown_request(lambda _error: state.versions.close_scope())
    _init_wire(app)
    security.deny_framing(app)
    # Before any blueprint (path ids are bounded by the converter) and before the fault hook: bad input first.
    limits.install(app)
    security.guard_sandbox(app, token=lambda: settings.sandbox_token, refusal=errors.SandboxUnauthorized)
    # Right after the Trace-Id hook and before any blueprint: a faulted request reaches no view.
    faults.init_app(app)
    api_options.init_app(app)
    pis.init_app(app)
    ais.init_app(app)
    sandbox.init_app(app)
    sandbox_pay.init_app(app)
    oauth.init_app(app, state)
    screens.init_app(app)
    tasks.init_app(app)
    sandbox_auth.init_app(app)
    registration.init_app(app)
    internet_banking.init_app(app)

    if settings.seed is not None and state.bank.get_setting("seed") is None:
        state.seed(settings.seed)
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
        # The API and sandbox answer in the bank's envelope, the OAuth endpoints RFC 6749 JSON; screens keep
        # Flask's HTML pages, except for a body or URL too large, which no screen sends: JSON for every path.
        path = request.path
        status = error.code or 500
        if path in OAUTH_PATHS:
            return wire.oauth_error_response(status, error.description)
        if (
            path.startswith(("/v1", "/sandbox"))
            or status in (413, 414)
            or request.accept_mimetypes.best == "application/json"
        ):
            if status in (404, 405):
                bank_error = errors.NotFound()
            elif status == 400 and path.startswith("/sandbox"):
                bank_error = errors.SandboxError(error.description)
            else:
                # An unexpected failure is ABN AMRO's technical error, not a bad request with status 500.
                bank_error = errors.for_status(status, None if status >= 500 else error.description)
            return wire.json_response(wire.error_body(bank_error, g.get("trace_id", "")), status=bank_error.status)
        return error


def config_from_env(environ: Mapping[str, str] | None = None) -> dict:
    """``MOCKBANK_*`` environment variables as config keys, each read by its setting's type.

    ``MOCKBANK_CONSENT_DAYS=180`` gives the int 180; ``MOCKBANK_CONSENT_DAYS=soon`` raises ``SettingsError``
    naming the variable.
    """
    return settings_from_env(os.environ if environ is None else environ)
