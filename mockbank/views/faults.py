"""Fault injection over HTTP: the hook that answers a faulted request before any view, and ``/sandbox/faults``.

The faults themselves (matching, counting, storing) are ``services/faults.py``.
"""

from __future__ import annotations

from urllib.parse import unquote

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import g
from flask import request
from markupsafe import escape

from mockbank import errors
from mockbank import models
from mockbank import wire
from mockbank.context import backend
from mockbank.services.faults import API
from mockbank.services.faults import DEFAULT_RETRY_AFTER
from mockbank.services.faults import OAUTH
from mockbank.services.faults import Caller
from mockbank.services.faults import answer_kind
from mockbank.services.faults import is_exempt
from mockbank.shapes import fault_json
from mockbank.sim.web import body

blueprint = Blueprint("sandbox_faults", __name__, url_prefix="/sandbox")

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
FAULT_FIELDS = {
    "path": "path",
    "method": "method",
    "status": "status",
    "code": "code",
    "message": "message",
    "count": "count",
    "clientId": "client_id",
    "retryAfter": "retry_after",
}

_OAUTH_DESCRIPTIONS = {
    "temporarily_unavailable": "The authorization server is temporarily unavailable.",
    "server_error": "The authorization server encountered an unexpected condition.",
    "invalid_grant": "The authorization code or refresh token is invalid, expired or revoked.",
    "invalid_client": "Client authentication failed.",
    "unauthorized_client": "The client is not authorized to use this grant type.",
    "invalid_request": "The request is missing a required parameter or is otherwise malformed.",
}


# --- answers --------------------------------------------------------------------------------------


def api_error(fault: models.Fault) -> errors.BankError:
    """The ABN AMRO error a fault on ``/v1`` answers: the bank's own per status, ``code``/``message`` overriding."""
    error = errors.for_status(fault.status)
    if fault.code:
        error.code = fault.code
    if fault.message:
        error.message = fault.message
    return error


def oauth_error(status: int) -> str:
    """The RFC 6749 ``error`` a token, revoke or introspect fault answers with this status."""
    if status in (429, 503):
        return "temporarily_unavailable"
    if status >= 500:
        return "server_error"
    return {400: "invalid_grant", 401: "invalid_client", 403: "unauthorized_client"}.get(status, "invalid_request")


def answer(fault: models.Fault, path: str, trace_id: str) -> Response:
    """The response a fault gives on ``path``: ABN AMRO's envelope, OAuth JSON or a plain HTML page."""
    headers = {}
    if fault.status == 429 or fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after if fault.retry_after is not None else DEFAULT_RETRY_AFTER)
    kind = answer_kind(path)
    if kind == API:
        return wire.json_response(wire.error_body(api_error(fault), trace_id), status=fault.status, headers=headers)
    if kind == OAUTH:
        error = fault.code or oauth_error(fault.status)
        description = fault.message or _OAUTH_DESCRIPTIONS.get(error) or errors.reason_phrase(fault.status)
        headers.update({"Cache-Control": "no-store", "Pragma": "no-cache"})
        return wire.json_response(
            {"error": error, "error_description": description}, status=fault.status, headers=headers
        )
    default = (
        "De dienst is tijdelijk niet beschikbaar. Probeer het later opnieuw."
        if fault.status >= 500 or fault.status == 429
        else "Uw verzoek kon niet worden verwerkt."
    )
    title = f"{fault.status} {errors.reason_phrase(fault.status)}"
    page = (
        '<!doctype html>\n<html lang="nl">\n<head><meta charset="utf-8">'
        f"<title>{escape(title)} - ABN AMRO (sandbox)</title></head>\n"
        f'<body>\n<h1>Er ging iets mis</h1>\n<p id="fault" data-status="{fault.status}">'
        f"{escape(fault.message or default)}</p>\n"
        f"<p><small>{escape(title)}</small></p>\n</body>\n</html>\n"
    )
    return Response(page, status=fault.status, headers=headers, mimetype="text/html")


# --- the hook -------------------------------------------------------------------------------------


def _caller(path: str) -> Caller:
    """Who sent the current request: ``API-Key`` under ``/v1``, else HTTP Basic or the ``client_id`` parameter."""
    if answer_kind(path) == API:
        return Caller(api_key=request.headers.get("API-Key"))
    auth = request.authorization
    if auth is not None and auth.type == "basic" and auth.username:
        # RFC 6749 §2.3.1: the Basic user name is the form-encoded client_id.
        return Caller(client_id=unquote(auth.username))
    client_id = request.form.get("client_id") if request.mimetype in FORM_TYPES else None
    return Caller(client_id=client_id or request.args.get("client_id") or None)


def init_app(app: Flask) -> None:
    """Answer matching faults before any view runs (register after the Trace-Id hook), and serve ``/sandbox/faults``."""
    state = app.extensions["mockbank"]
    app.register_blueprint(blueprint)

    @app.before_request
    def _injected_fault():
        path = request.path
        if is_exempt(path):
            return None
        fault = state.faults.match_and_consume(path=path, method=request.method, caller=lambda: _caller(path))
        if fault is None:
            return None
        return answer(fault, path, g.get("trace_id", ""))


# --- /sandbox/faults --------------------------------------------------------------------------


@blueprint.post("/faults")
def add_fault():
    """Make requests matching ``path`` (a glob), ``method`` and ``clientId`` fail with ``status``."""
    data = body()
    unknown = sorted(set(data) - set(FAULT_FIELDS))
    if unknown:
        raise errors.SandboxError(f"unknown field(s) {', '.join(unknown)}; use {', '.join(FAULT_FIELDS)}")
    fields = {FAULT_FIELDS[name]: value for name, value in data.items()}
    fault = backend().faults.add(path=fields.pop("path", None), status=fields.pop("status", None), **fields)
    return wire.json_response(fault_json(fault), status=201)


@blueprint.get("/faults")
def list_faults():
    """Every fault with ``remaining`` and ``hits`` (exhausted ones too, until removed)."""
    return wire.json_response({"faults": [fault_json(f) for f in backend().faults.list()]})


@blueprint.delete("/faults/<int:fault_id>")
def remove_fault(fault_id: int):
    """Remove one fault; answers it as it was."""
    return wire.json_response(fault_json(backend().faults.remove(fault_id)))


@blueprint.delete("/faults")
def clear_faults():
    """Remove every fault."""
    return wire.json_response({"cleared": backend().faults.clear()})
