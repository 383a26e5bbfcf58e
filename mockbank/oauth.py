"""The bank's OAuth 2 authorization server, on Authlib: grants, endpoints and the ``/as`` routes.

This is the one module that knows Authlib. Storage goes through ``ConsentService`` (codes, tokens,
consents) and ``AuthFlowService`` (pending requests); every record answers expiry questions from the
simulated clock, never from ``time.time()`` (so no Authlib SQLAlchemy mixins here).

Client authentication: ABN AMRO identifies a third party by ``client_id`` in the form body plus its
mutual-TLS certificate. The mock skips mTLS, so ``client_id`` alone is accepted for every client; a
confidential client may also send its ``client_secret`` (body or HTTP Basic), and a wrong secret fails.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc6749 import InvalidScopeError
from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.requests import OAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.datastructures import MultiDict

from mockbank import authflow
from mockbank import consents
from mockbank import decisions
from mockbank import models
from mockbank import wire
from mockbank.app import backend

blueprint = Blueprint("oauth", __name__)

BANKS = ("NLAA01", "BEPB01", "BEPB02")
CANCEL_DESCRIPTION = decisions.CANCEL_DESCRIPTION
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
FLOWS_REMEMBERED = 20


def init_app(app: Flask) -> None:
    """Create the authorization server of this app and register the ``/as`` routes."""
    state = app.extensions["mockbank"]
    # The journey's own tables join the bank's metadata (reset drops and recreates them too).
    state.db.create_all()
    state.extras["authflow"] = authflow.AuthFlowService(backend=state)
    state.extras["decisions"] = decisions.DecisionQueue(db=state.db, clock=state.clock)
    app.extensions["mockbank_oauth"] = BankAuthorizationServer(app, state)
    app.register_blueprint(blueprint)


def server() -> BankAuthorizationServer:
    """The authorization server of the current app."""
    return current_app.extensions["mockbank_oauth"]


def flow() -> authflow.AuthFlowService:
    """The login and consent journey of the current app."""
    return backend().extras["authflow"]


def decision_queue() -> decisions.DecisionQueue:
    """The decision queue of the current app."""
    return backend().extras["decisions"]


# --- requests -------------------------------------------------------------------------------


class _Payload(OAuth2Payload):
    def __init__(self, data: CombinedMultiDict):
        self._data = data

    @property
    def data(self):
        return self._data

    @property
    def datalist(self):
        return {key: self._data.getlist(key) for key in self._data}


class BankOAuth2Request(OAuth2Request):
    """An OAuth request from Flask's request, or rebuilt from a stored authorization request."""

    def __init__(self, method: str, uri: str, headers, args: MultiDict, form: MultiDict):
        # Authlib refuses plain-http URLs other than loopback; the mock serves http on any host name
        # (containers, CI services), so the transport check is made against an https spelling.
        super().__init__(method, "https://" + uri.split("://", 1)[-1], headers=headers)
        self.uri = uri
        self._args = args
        self._form = form
        self.payload = _Payload(CombinedMultiDict([args, form]))

    @property
    def args(self):
        return self._args

    @property
    def form(self):
        return self._form


def _flask_request():
    # ``create_oauth2_request``'s parameter shadows Flask's ``request`` inside that method.
    return request


def stored_request(row: authflow.AuthorizationRequest) -> BankOAuth2Request:
    """The authorization request as the client sent it, to finish it after the screens."""
    args = MultiDict(row.params)
    return BankOAuth2Request("GET", url_for("oauth.authorize", _external=True), {}, args, MultiDict())


# --- records over our rows, answering from the simulated clock --------------------------------


class ClientRecord(ClientMixin):
    """A registered third party as Authlib sees it."""

    def __init__(self, row: models.OAuthClient):
        self.row = row
        self.client_id = row.client_id
        self.public = row.public
        self.name = row.name

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        # ABN AMRO always wants the redirect_uri parameter: no default.
        return None

    def get_allowed_scope(self, scope):
        return " ".join(consents.check_scopes(scope or ""))

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in (self.row.redirect_uris or [])

    def check_client_secret(self, client_secret):
        secret = self.row.client_secret
        return bool(secret) and hmac.compare_digest(secret.encode(), (client_secret or "").encode())

    def check_endpoint_auth_method(self, method, endpoint):
        if method == "none":
            return True  # client_id alone, as ABN AMRO with mTLS (skipped by the mock)
        return not self.public and bool(self.row.client_secret)

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        if grant_type == "client_credentials":
            return not self.public
        return grant_type in ("authorization_code", "refresh_token")


@dataclass(frozen=True)
class Grantor:
    """The "user" Authlib carries through a grant: the consent, the user, and the chosen account."""

    consent_id: int | None
    user_id: int | None = None
    request_key: str | None = None
    iban: str | None = None


class CodeRecord(AuthorizationCodeMixin):
    """A redeemed authorization code."""

    def __init__(self, row: models.AuthorizationCode):
        self.row = row
        self.id = row.id
        self.consent_id = row.consent_id
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self):
        return self.row.redirect_uri

    def get_scope(self):
        return self.row.scope


class TokenRecord(TokenMixin):
    """An access or refresh token; expiry and revocation come from the simulated clock and the consent."""

    def __init__(self, row: models.Token, kind: str, service: consents.ConsentService):
        self.row = row
        self.kind = kind
        self.service = service

    def check_client(self, client):
        return self.row.client_id == client.get_client_id()

    def get_scope(self):
        return self.row.scope

    def get_expires_in(self):
        return int((self.row.expires_at - self.row.issued_at).total_seconds())

    def is_expired(self):
        if self.kind == "refresh_token":
            return False  # long-lived: it ends with its consent (is_revoked)
        return self.row.expires_at <= self.service.clock.now()

    def is_revoked(self):
        revoked_at = self.row.refresh_revoked_at if self.kind == "refresh_token" else self.row.access_revoked_at
        return revoked_at is not None or not self.service.consent_usable(self.row.consent)

    def get_user(self):
        return Grantor(consent_id=self.row.consent_id)

    def get_client(self):
        return None


# --- grants ---------------------------------------------------------------------------------


class BankCodeChallenge(CodeChallenge):
    """PKCE: honoured whenever sent, required for public clients."""

    def __init__(self):
        super().__init__(required=False)

    def validate_code_challenge(self, grant, redirect_uri):
        if grant.request.client.public and not grant.request.payload.data.get("code_challenge"):
            raise InvalidRequestError("A public client must use PKCE: send code_challenge (S256).")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant, result):
        if grant.request.client.public and not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'.")
        super().validate_code_verifier(grant, result)


def abnamro_parameters(grant) -> None:
    """ABN AMRO's own authorization parameters: ``bank`` (NLAA01, BEPB01, BEPB02) and ``flow=code``."""

    def check(grant, redirect_uri):
        data = grant.request.payload.data
        bank = data.get("bank") or "NLAA01"
        if bank not in BANKS:
            raise InvalidRequestError(f"Unknown bank '{bank}': use NLAA01, BEPB01 or BEPB02.")
        # Generic OAuth clients do not know ABN AMRO's flow parameter: absent is fine, anything else is not.
        if data.get("flow") not in (None, "", "code"):
            raise InvalidRequestError("The only supported flow is 'code'.")

    grant.register_hook("after_validate_authorization_request_payload", check)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    """Authorization code: 60 s, single use; a replay revokes what the code issued."""

    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def generate_authorization_code(self):
        return self.server.backend.ids.token(40)

    def save_authorization_code(self, code, request):
        grantor: Grantor = request.user
        state = self.server.backend
        with state.db.transaction() as db_session:
            consent = state.extras["authflow"].approve(db_session, grantor.request_key, grantor.iban)
            state.consents.save_code(
                db_session,
                code=code,
                client_id=request.client.get_client_id(),
                consent_id=consent.id,
                redirect_uri=request.payload.redirect_uri,
                scope=" ".join(consents.check_scopes(request.payload.scope or "")),
                code_challenge=request.payload.data.get("code_challenge"),
                code_challenge_method=request.payload.data.get("code_challenge_method"),
            )

    def query_authorization_code(self, code, client):
        row = self.server.backend.consents.redeem_code(code, client.get_client_id())
        return CodeRecord(row) if row is not None else None

    def delete_authorization_code(self, authorization_code):
        # Kept, already marked used by redeem_code: a replay must still be recognised.
        return None

    def authenticate_user(self, authorization_code):
        return Grantor(consent_id=authorization_code.consent_id)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    """Refresh with rotation: a new refresh token every time, the used one dies."""

    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        service = self.server.backend.consents
        row = service.live_refresh_token(refresh_token)
        return TokenRecord(row, "refresh_token", service) if row is not None else None

    def authenticate_user(self, refresh_token):
        return refresh_token.get_user()

    def revoke_old_credential(self, refresh_token):
        self.server.backend.consents.retire_refresh_token(refresh_token.row.id)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """Client credentials, for registering a payment: one ``psd2:payment:...:write`` scope, no refresh token."""

    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def validate_requested_scope(self):
        items = _checked_scopes(self.request.payload.scope)
        if len(items) != 1 or items[0] not in consents.PIS_SCOPES or not items[0].endswith(":write"):
            raise InvalidScopeError("Client credentials are for payment registration: one psd2:payment write scope.")


def _checked_scopes(scope: str | None) -> list[str]:
    try:
        return consents.check_scopes(scope or "")
    except consents.ScopeError as exc:
        raise InvalidScopeError(str(exc).capitalize() + ".") from exc


# --- endpoints ------------------------------------------------------------------------------


class _TokenLookup:
    def query_token(self, token_string, token_type_hint):
        service = self.server.backend.consents
        found = service.find_token(token_string, token_type_hint)
        if found is None:
            return None
        row, kind = found
        return TokenRecord(row, kind, service)


class BankRevocationEndpoint(_TokenLookup, RevocationEndpoint):
    """RFC 7009. Revoking a refresh token ends the consent: ``terminatedByTpp``."""

    CLIENT_AUTH_METHODS = AUTH_METHODS

    def revoke_token(self, token, request):
        self.server.backend.consents.revoke_by_client(token.row.id, token.kind)


class BankIntrospectionEndpoint(_TokenLookup, IntrospectionEndpoint):
    """RFC 7662, for a client's own tokens."""

    CLIENT_AUTH_METHODS = AUTH_METHODS

    def check_permission(self, token, client, request):
        return token.check_client(client)

    def introspect_token(self, token):
        row = token.row
        expires = row.expires_at if token.kind == "access_token" else (row.consent.valid_until if row.consent else None)
        payload = {
            "active": True,
            "client_id": row.client_id,
            "token_type": "Bearer" if token.kind == "access_token" else "refresh_token",
            "scope": row.scope,
            "iat": int(row.issued_at.timestamp()),
        }
        if expires is not None:
            payload["exp"] = int(expires.timestamp())
        if row.consent is not None:
            payload["consentId"] = row.consent.id
            payload["iban"] = row.consent.account.iban if row.consent.account else None
        return payload


class BankAuthorizationServer(AuthorizationServer):
    """Authlib's Flask server over the bank's backend."""

    def __init__(self, app: Flask, state):
        super().__init__()
        self.backend = state
        self.init_app(app, query_client=self._query_client_row, save_token=self._store_token)
        self.register_grant(AuthorizationCodeGrant, [BankCodeChallenge(), abnamro_parameters])
        self.register_grant(RefreshTokenGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_endpoint(BankRevocationEndpoint)
        self.register_endpoint(BankIntrospectionEndpoint)

    def create_bearer_token_generator(self, config):
        ids = self.backend.ids

        def expires_in(client, grant_type):
            return int(config.get("ACCESS_TOKEN_SECONDS", 7200))

        return BearerTokenGenerator(lambda **_: ids.token(28), lambda **_: ids.token(42), expires_in)

    def load_config(self, config):
        super().load_config(config)
        self.scopes_supported = list(consents.ALL_SCOPES)

    def create_oauth2_request(self, request):
        if isinstance(request, OAuth2Request):
            return request
        current = _flask_request()
        return BankOAuth2Request(current.method, current.url, current.headers, current.args, current.form)

    def validate_requested_scope(self, scope):
        _checked_scopes(scope)

    def _query_client_row(self, client_id):
        row = self.backend.consents.client(client_id) if client_id else None
        return ClientRecord(row) if row is not None else None

    def _store_token(self, token: dict, oauth_request) -> None:
        grant_type = oauth_request.payload.grant_type
        state = self.backend
        consent_id = code_id = parent_id = None
        if grant_type == "authorization_code":
            consent_id = oauth_request.authorization_code.consent_id
            code_id = oauth_request.authorization_code.id
        elif grant_type == "refresh_token":
            parent_id = oauth_request.refresh_token.row.id
            consent_id = oauth_request.refresh_token.row.consent_id
        with state.db.transaction() as db_session:
            state.consents.issue_token(
                db_session,
                client_id=oauth_request.client.get_client_id(),
                consent_id=consent_id,
                scope=token.get("scope") or "",
                with_refresh="refresh_token" in token,
                code_id=code_id,
                parent_id=parent_id,
                access_token=token["access_token"],
                refresh_token=token.get("refresh_token"),
            )


# --- finishing an authorization request (called by the screens) -------------------------------


def approve(row: authflow.AuthorizationRequest, iban: str) -> Response:
    """The user approved with this account: redirect back with a code."""
    oauth_request = stored_request(row)
    grant = server().get_consent_grant(oauth_request)
    grantor = Grantor(consent_id=row.consent_id, user_id=row.user_id, request_key=row.key, iban=iban)
    return server().create_authorization_response(oauth_request, grant_user=grantor, grant=grant)


def refuse(row: authflow.AuthorizationRequest, error: str, description: str | None, *, outcome: str) -> Response:
    """Close the request without access and redirect back with ``error`` (as ABN AMRO does)."""
    flow().refuse(row.key, outcome, reason=description or error)
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
    row = flow().attach_user(key, user.user_id)
    _remember_flow(row.key, user.user_id)
    if user.behaviour == authflow.ALWAYS_CANCEL:
        return cancel(row)
    accounts = flow().eligible_accounts(user.user_id)
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
    row = flow().start_request(
        client_id=grant.client.get_client_id(),
        params=params,
        scope=" ".join(consents.check_scopes(params.get("scope", ""))),
        bank=params.get("bank") or "NLAA01",
    )
    decision = decision_queue().take(row.client_id, row.key)
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
            "scopes_supported": list(consents.ALL_SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
            "code_challenge_methods_supported": ["S256", "plain"],
            "ui_locales_supported": ["nl-NL", "en"],
        }
    )
    return wire.json_response(dict(metadata))
