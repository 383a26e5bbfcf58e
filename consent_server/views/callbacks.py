"""Server-to-server deliveries from the bank: bank-initiated registrations (flows B and C)."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import request

from consent_server import errors
from consent_server import wire
from consent_server.services.signature import SIGNATURE_HEADER
from consent_server.web import portal

blueprint = Blueprint("callbacks", __name__, url_prefix="/bank")


def init_app(app: Flask) -> None:
    """Register the bank callback endpoint."""
    app.register_blueprint(blueprint)


@blueprint.post("/registraties")
def bank_registration():
    """The bank delivers one authorization code per approved account, signed with the portal's callback secret.

    Body: ``{"serialNumber", "software", "kvkNumber"?, "accounts": [{"iban", "code"}]}``; header
    ``X-Mockbank-Signature: sha256=<hex HMAC-SHA256 of the raw body>``. 200 when every account is linked;
    otherwise an error whose ``ErrorMessage`` the bank shows its user, and nothing is stored.
    """
    try:
        result = portal().intake.receive_callback(request.get_data(), request.headers.get(SIGNATURE_HEADER))
    except errors.CallbackRefused as refused:
        body = wire.error_body(refused, portal().ids.uuid())
        body["Reason"] = refused.reason
        return wire.json_response(body, status=refused.status)
    return wire.json_response(result)
