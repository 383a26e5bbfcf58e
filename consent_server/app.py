"""``create_app``: the only way to build the portal app (Visma's side of the bank connection)."""

from __future__ import annotations

from flask import Flask
from flask import current_app
from flask import render_template
from flask import request
from flask import url_for
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException

from consent_server import errors
from consent_server import wire
from consent_server.backend import PortalBackend
from mockbank.sim.clock import SimClock
from mockbank.sim.errors import InvalidInput
from mockbank.sim.jsonbody import StrictJSONProvider

DEFAULTS = {
    "DATABASE_URL": "sqlite://",
    "SECRET_KEY": "visma-portal-not-secret",
    "SESSION_COOKIE_NAME": "visma_session",
    "ID_SEED": 0,
    "CLOCK_MODE": "frozen",
    "CLOCK_START": None,
    # The bank, reached only over HTTP as an OAuth client.
    "BANK_API_BASE": "https://api-sandbox.abnamro.com",
    "BANK_AUTH_BASE": "https://auth-sandbox.connect.abnamro.com",
    "BANK_TOKEN_URL": "https://auth-sandbox.connect.abnamro.com:8443/as/token.oauth2",
    "BANK_CLIENT_ID": None,
    "BANK_API_KEY": None,
    "BANK_CLIENT_SECRET": None,
    "BANK_CALLBACK_SECRET": None,
    "BANK_SCOPES": "psd2:account:details:read psd2:account:balance:read psd2:account:transaction:read",
    "BANK_TIMEOUT": 10,
    # Where the portal and eAccounting are reached from outside (links shown to users, flow A's redirect URI).
    "PORTAL_BASE": "https://register.ebanking.vismasoftware.nl",
    "EACCOUNTING_BASE": "https://eaccounting-sandbox.test.vismaonline.com",
    "PORTAL_REDIRECT_URI": None,
    # Product assumptions from the help article, all configurable.
    "PREPARE_SECONDS": 5,
    "LEDGER_DEFAULTS": {1: 1100, 2: 1000, 3: 1140, 4: 1100},
    "FREE_LINKED_ACCOUNTS": 2,
    "EXTRA_ACCOUNT_PRICE": "2.25",
    "ACTIVATION_MAIL_WORKING_DAYS": 5,
    "ACTIVATION_LINK_DAYS": 14,
    "FIRST_IMPORT_WORKING_DAYS": 5,
    # The daily import's Amsterdam wall time (condition 5: once a day).
    "IMPORT_TIME": "06:00",
    # Outgoing mail: always in the outbox; also over SMTP when SMTP_URL is set (smtp://host:port).
    "MAIL_FROM": "Visma Software <noreply@vismasoftware.nl>",
    "SMTP_URL": None,
    "MAIL_MAX_ATTEMPTS": 8,
    "SUPPORTED_BANK_CODES": {"ABNA": "ABN AMRO"},
    # Flask-WTF would expire CSRF tokens by the wall clock; the portal only knows simulated time.
    "WTF_CSRF_TIME_LIMIT": None,
}

# Paths that answer JSON (and are not protected by CSRF: they are APIs, not forms).
API_PREFIXES = ("/v2", "/sandbox", "/api/", "/bank/")


def portal() -> PortalBackend:
    """The backend of the app handling the current request."""
    return current_app.extensions["consent_server"]


def public_url(base_key: str, endpoint: str, **values) -> str:
    """An absolute URL on one of the portal's public hosts (``PORTAL_BASE``, ``EACCOUNTING_BASE``...).

    The path is the endpoint's path without the prefix this request came in under: in server mode
    each host has its own prefix, so a link for another host must not carry this one's.
    """
    path = url_for(endpoint, **values)
    root = request.script_root
    if root and path.startswith(root):
        path = path[len(root) :]
    return current_app.config[base_key].rstrip("/") + path


def create_app(config: dict | None = None, *, clock: SimClock | None = None) -> Flask:
    """Build the portal: eAccounting API and pages, the wizard, the KvK register, the sandbox API.

    ``config`` keys override ``DEFAULTS``; ``clock`` is the world's shared clock (a frozen one is
    made when none is given).
    """
    app = Flask(__name__)
    app.json = StrictJSONProvider(app)
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    if not app.config["PORTAL_REDIRECT_URI"]:
        app.config["PORTAL_REDIRECT_URI"] = app.config["PORTAL_BASE"].rstrip("/") + "/registratie/bank/terug"
    if clock is None:
        clock = SimClock(mode=app.config["CLOCK_MODE"], start=app.config["CLOCK_START"])
    app.extensions["consent_server"] = PortalBackend(config=app.config, clock=clock)

    csrf = CSRFProtect(app)
    _init_errors(app)

    from consent_server import activation
    from consent_server import api
    from consent_server import callbacks
    from consent_server import kvk_api
    from consent_server import outbox
    from consent_server import sandbox
    from consent_server import settings
    from consent_server import wizard

    for module in (api, callbacks, kvk_api, sandbox):
        module.init_app(app)
        csrf.exempt(module.blueprint)
    settings.init_app(app)
    wizard.init_app(app)
    activation.init_app(app)
    outbox.init_app(app)
    return app


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
        if _wants_json():
            portal_error = errors.PortalError(error.description, message=error.name)
            portal_error.status = error.code or 500
            portal_error.code = (error.code or 500) * 10
            return wire.json_response(wire.error_body(portal_error, portal().ids.uuid()), status=portal_error.status)
        return error
