"""``create_app``: the only way to build the portal app (Visma's side of the bank connection)."""

from __future__ import annotations

from flask import Flask
from flask import render_template
from flask import request
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException

from consent_server import errors
from consent_server import wire
from consent_server.backend import PortalBackend
from consent_server.settings import as_config
from consent_server.settings import config_from_env
from consent_server.settings import settings_from
from consent_server.views import activation
from consent_server.views import api
from consent_server.views import callbacks
from consent_server.views import eaccounting
from consent_server.views import kvk_api
from consent_server.views import outbox
from consent_server.views import sales
from consent_server.views import sales_api
from consent_server.views import sandbox
from consent_server.views import wizard
from consent_server.web import portal
from mockbank.sim import forms as form_helpers
from mockbank.sim import limits
from mockbank.sim import security
from mockbank.sim.clock import SimClock
from mockbank.sim.dutch import dutch_count
from mockbank.sim.dutch import dutch_date
from mockbank.sim.dutch import dutch_month
from mockbank.sim.dutch import numeric_date
from mockbank.sim.errors import InvalidInput
from mockbank.sim.jsonbody import StrictJSONProvider

__all__ = ["config_from_env", "create_app"]

# Paths that answer JSON (and are not protected by CSRF: they are APIs, not forms).
API_PREFIXES = ("/v2", "/sandbox", "/api/", "/bank/")


def create_app(config: dict | None = None, *, clock: SimClock | None = None) -> Flask:
    """Build the portal: eAccounting API and pages, the wizard, the KvK register, the sandbox API.

    ``config`` keys override the defaults of ``PortalSettings`` (checked by type; text read as its type);
    ``clock`` is the world's shared clock (a frozen one is made when none is given).
    """
    settings = settings_from(config or {})
    app = Flask(__name__)
    app.json = StrictJSONProvider(app)
    app.config.update(config or {})
    app.config.update(as_config(settings))
    if clock is None:
        clock = SimClock(mode=settings.clock_mode, start=settings.clock_start)
    state = PortalBackend(config=app.config, clock=clock)
    app.extensions["consent_server"] = state
    app.config["SECRET_KEY"] = settings.secret_key or state.session_secret()
    security.deny_framing(app)
    security.guard_sandbox(app, token=lambda: state.settings.sandbox_token, refusal=errors.SandboxUnauthorized)

    # Before any blueprint (path ids are bounded by the converter) and before CSRF reads a form.
    limits.install(app)
    csrf = CSRFProtect(app)
    _init_errors(app)
    _init_templates(app)

    for module in (api, sales_api, callbacks, kvk_api, sandbox):
        module.init_app(app)
        csrf.exempt(module.blueprint)
    eaccounting.init_app(app)
    sales.init_app(app)
    wizard.init_app(app)
    activation.init_app(app)
    outbox.init_app(app)
    return app


def _init_templates(app: Flask) -> None:
    # One date format per context: numbers in eAccounting's tables (``datum``), words on the portal's
    # pages and in mails (``dutch_date``); Dutch plurals through ``aantal``.
    form_helpers.install(app)
    app.add_template_filter(numeric_date, "datum")
    app.add_template_filter(lambda moment: numeric_date(moment, time=True), "datum_tijd")
    app.add_template_filter(dutch_date, "dutch_date")
    app.add_template_filter(dutch_month, "maand")
    app.add_template_global(dutch_count, "aantal")


def _wants_json() -> bool:
    return request.path.startswith(API_PREFIXES) or request.accept_mimetypes.best == "application/json"


def _init_errors(app: Flask) -> None:
    @app.errorhandler(errors.PortalError)
    def _portal_error(error: errors.PortalError):
        if _wants_json():
            return wire.json_response(wire.error_body(error, portal().ids.uuid()), status=error.status)
        return render_template("error.html", message=error.message, status=error.status), error.status

    @app.errorhandler(InvalidInput)
    def _invalid_input(error: InvalidInput):
        return _portal_error(errors.SandboxError(str(error)))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        # A body or URL too large comes from no page of the portal's own: JSON on every path.
        if _wants_json() or error.code in (413, 414):
            portal_error = errors.PortalError(error.description, message=error.name)
            portal_error.status = error.code or 500
            portal_error.code = (error.code or 500) * 10
            return wire.json_response(wire.error_body(portal_error, portal().ids.uuid()), status=portal_error.status)
        return error
