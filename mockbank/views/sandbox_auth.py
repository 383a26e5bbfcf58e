"""The sandbox API of the login and consent journey (``/sandbox``): decisions, app logins, blocked login means."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import request

from mockbank import errors
from mockbank import wire
from mockbank.context import backend
from mockbank.shapes import app_login_json
from mockbank.shapes import decision_json
from mockbank.shapes import login_means_json
from mockbank.sim.web import body
from mockbank.sim.web import optional
from mockbank.sim.web import required

blueprint = Blueprint("sandbox_auth", __name__, url_prefix="/sandbox")


def init_app(app: Flask) -> None:
    """Register the journey's sandbox routes next to the bank's."""
    app.register_blueprint(blueprint)


@blueprint.get("/decisions")
def list_decisions():
    """Decisions waiting for their authorization request (``clientId`` filters)."""
    pending = backend().decisions.pending(request.args.get("clientId"))
    return wire.json_response({"decisions": [decision_json(d) for d in pending]})


@blueprint.post("/decisions")
def enqueue_decision():
    """Answer the next authorization request of ``clientId`` without a screen.

    ``{"clientId", "decision": "approve", "iban"}`` or ``{"clientId", "decision": "refuse",
    "error": "access_denied", "errorDescription"?}``.
    """
    data = body()
    decision = backend().decisions.enqueue(
        client_id=required(data, "clientId"),
        decision=required(data, "decision"),
        iban=optional(data, "iban"),
        error=optional(data, "error"),
        error_description=optional(data, "errorDescription"),
    )
    return wire.json_response(decision_json(decision), status=201)


@blueprint.delete("/decisions")
def clear_decisions():
    """Drop waiting decisions (of ``clientId``, or all)."""
    return wire.json_response({"cleared": backend().decisions.clear(request.args.get("clientId"))})


@blueprint.get("/app-logins")
def list_app_logins():
    """App logins waiting for confirmation (``status=`` for others, ``status=all`` for every one)."""
    status = request.args.get("status", "pending")
    logins = backend().authflow.app_logins(None if status == "all" else status)
    return wire.json_response({"appLogins": [app_login_json(login) for login in logins]})


@blueprint.post("/app-logins/<int:login_id>/confirm")
def confirm_app_login(login_id: int):
    """Confirm a waiting app login, as the user's phone would."""
    return wire.json_response(app_login_json(backend().authflow.confirm_app_login(login_id=login_id)))


@blueprint.post("/login-means/<int:means_id>/unblock")
def unblock_login_means(means_id: int):
    """Unblock an e.dentifier or Access Online login after three wrong responses."""
    means = backend().authflow.unblock(means_id)
    if means is None:
        raise errors.SandboxNotFound(f"no login means {means_id}")
    return wire.json_response(login_means_json(means))
