"""The ``/as`` routes and the end of an authorization request: approve, refuse or cancel it after the screens."""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from flask import Blueprint
from flask import Response
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from mockbank import wire
from mockbank.context import backend
from mockbank.oauth.records import Grantor
from mockbank.oauth.records import stored_request
from mockbank.oauth.server import AUTH_METHODS
from mockbank.oauth.server import BankIntrospectionEndpoint
from mockbank.oauth.server import BankRevocationEndpoint
from mockbank.oauth.server import server
from mockbank.services import authflow
from mockbank.services import consent_rules
from mockbank.services import decisions

blueprint = Blueprint("oauth", __name__)

CANCEL_DESCRIPTION = decisions.CANCEL_DESCRIPTION
FLOWS_REMEMBERED = 20


# --- finishing an authorization request (called by the screens) -------------------------------


def approve(row: authflow.AuthorizationRequest, iban: str) -> Response:
    """The user approved with this account: redirect back with a code."""
    oauth_request = stored_request(row)
    grant = server().get_consent_grant(oauth_request)
    grantor = Grantor(consent_id=row.consent_id, user_id=row.user_id, request_key=row.key, iban=iban)
    return server().create_authorization_response(oauth_request, grant_user=grantor, grant=grant)


def refuse(row: authflow.AuthorizationRequest, error: str, description: str | None, *, outcome: str) -> Response:
    """Close the request without access and redirect back with ``error`` (as ABN AMRO does)."""
    backend().authflow.refuse(row.key, outcome, reason=description or error)
    oauth_error = OAuth2Error(
        error=error,
        description=description,
        redirect_uri=row.params["redirect_uri"],
        state=row.params.get("state"),
    )
    return server().handle_error_response(stored_request(row), oauth_error)


def cancel(row: authflow.AuthorizationRequest) -> Response:
    """The user cancelled: ABN AMRO answers ``server_error`` with its odd description."""
    return refuse(row, "server_error", CANCEL_DESCRIPTION, outcome="cancelled")


def after_login(key: str, user: authflow.LoggedIn) -> Response:
    """The user logged in for an authorization request: magic users decide at once, others see the consent."""
    row = backend().authflow.attach_user(key, user.user_id)
    _remember_flow(row.key, user.user_id)
    if user.behaviour == authflow.ALWAYS_CANCEL:
        return cancel(row)
    accounts = backend().authflow.eligible_accounts(user.user_id)
    if not accounts:
        return refuse(row, "access_denied", None, outcome="no_accounts")
    if user.behaviour == authflow.ALWAYS_APPROVE:
        return approve(row, accounts[0].iban)
    return redirect(url_for("screens.consent", key=row.key))


def _remember_flow(key: str, user_id: int) -> None:
    flows = dict(session.get("flows") or {})
    flows[key] = user_id
    session["flows"] = dict(list(flows.items())[-FLOWS_REMEMBERED:])


def owns_flow(row: authflow.AuthorizationRequest) -> bool:
    """Whether this browser logged in for the request."""
    return row.user_id is not None and (session.get("flows") or {}).get(row.key) == row.user_id


# --- routes ---------------------------------------------------------------------------------


@blueprint.get("/as/authorization.oauth2")
def authorize():
    """Validate the request; answer a queued decision at once, else send the user to the login screens."""
    oauth_request = server().create_oauth2_request(None)
    try:
        grant = server().get_consent_grant(oauth_request)
    except OAuth2Error as error:
        if error.redirect_uri:
            return server().handle_error_response(oauth_request, error)
        return render_template("screens/as_error.html", error=error), error.status_code or 400
    params = request.args.to_dict()
    row = backend().authflow.start_request(
        client_id=grant.client.get_client_id(),
        params=params,
        scope=" ".join(consent_rules.check_scopes(params.get("scope", ""))),
        bank=params.get("bank") or "NLAA01",
    )
    decision = backend().decisions.take(row.client_id, row.key)
    if decision is not None:
        if decision.decision == decisions.APPROVE:
            return approve(row, decision.iban)
        return refuse(row, decision.error, decision.error_description, outcome="decided")
    return redirect(url_for("screens.login_choice", req=row.key))


@blueprint.post("/as/token.oauth2")
def issue_token():
    """The token endpoint: authorization_code, refresh_token, client_credentials."""
    return server().create_token_response()


@blueprint.post("/as/revoke_token.oauth2")
def revoke_token():
    """RFC 7009 token revocation."""
    return server().create_endpoint_response(BankRevocationEndpoint.ENDPOINT_NAME)


@blueprint.post("/as/introspect.oauth2")
def introspect_token():
    """RFC 7662 token introspection."""
    return server().create_endpoint_response(BankIntrospectionEndpoint.ENDPOINT_NAME)


@blueprint.get("/.well-known/oauth-authorization-server")
def metadata():
    """RFC 8414 authorization server metadata, with every URL for the host and prefix asked."""
    metadata = AuthorizationServerMetadata(
        {
            "issuer": request.url_root.rstrip("/"),
            "authorization_endpoint": url_for("oauth.authorize", _external=True),
            "token_endpoint": url_for("oauth.issue_token", _external=True),
            "revocation_endpoint": url_for("oauth.revoke_token", _external=True),
            "introspection_endpoint": url_for("oauth.introspect_token", _external=True),
            "scopes_supported": list(consent_rules.ALL_SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
            "code_challenge_methods_supported": ["S256"],
            "ui_locales_supported": ["nl-NL", "en"],
        }
    )
    return wire.json_response(dict(metadata))
