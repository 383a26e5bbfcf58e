"""The bank's OAuth 2 authorization server, on Authlib: grants, endpoints and the ``/as`` routes.

This is the one module that knows Authlib. Storage goes through ``ConsentService`` (codes, tokens,
consents) and ``AuthFlowService`` (pending requests); every record answers expiry questions from the
simulated clock, never from ``time.time()`` (so no Authlib SQLAlchemy mixins here).

Client authentication: ABN AMRO identifies a third party by ``client_id`` in the form body plus its
mutual-TLS certificate. The mock skips mTLS, so ``client_id`` alone is accepted for every client; a
confidential client may also send its ``client_secret`` (body or HTTP Basic), and a wrong secret fails.
"""

from __future__ import annotations

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Request
from authlib.oauth2.base import invalid_error_characters
from authlib.oauth2.rfc6749 import InvalidGrantError
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc6749 import InvalidScopeError
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import Flask
from flask import current_app

from mockbank.oauth.records import BankOAuth2Request
from mockbank.oauth.records import ClientRecord
from mockbank.oauth.records import CodeRecord
from mockbank.oauth.records import Grantor
from mockbank.oauth.records import TokenRecord
from mockbank.oauth.records import current_request
from mockbank.services import consent_rules

BANKS = ("NLAA01", "BEPB01", "BEPB02")
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
EXTENSION = "mockbank_oauth"


# Parameters Authlib quotes in its error descriptions, which RFC 6749 limits to printable ASCII without '"' and '\\'.
QUOTED_PARAMETERS = ("response_type", "redirect_uri")


def printable(text: str) -> str:
    """``text`` fit for an RFC 6749 ``error_description``: every character it does not allow becomes ``?``."""
    bad = set(invalid_error_characters(text))
    return "".join("?" if char in bad else char for char in text)


def server() -> BankAuthorizationServer:
    """The authorization server of the current app."""
    return current_app.extensions[EXTENSION]


# --- grants ---------------------------------------------------------------------------------


class BankCodeChallenge(CodeChallenge):
    """PKCE with S256 only (RFC 9700 §2.1.1): honoured whenever sent, required for public clients.

    ``plain`` and a challenge without ``code_challenge_method`` (which RFC 7636 reads as ``plain``) are refused.
    """

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    CODE_CHALLENGE_METHODS = {"S256": CodeChallenge.CODE_CHALLENGE_METHODS["S256"]}

    def __init__(self):
        super().__init__(required=False)

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if grant.request.client.public and not data.get("code_challenge"):
            raise InvalidRequestError("A public client must use PKCE: send code_challenge (S256).")
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE needs code_challenge_method=S256; plain is not supported.")
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
            raise InvalidRequestError(f"Unknown bank '{printable(bank)}': use NLAA01, BEPB01 or BEPB02.")
        # Generic OAuth clients do not know ABN AMRO's flow parameter: absent is fine, anything else is not.
        if data.get("flow") not in (None, "", "code"):
            raise InvalidRequestError("The only supported flow is 'code'.")
        # A single payment is consented to by its transactionId: one the client registered and nobody decided yet.
        transaction_id = data.get("transactionId")
        scopes = (data.get("scope") or "").split()
        if transaction_id is None and consent_rules.PAYMENT_EXECUTE_SCOPE in scopes:
            raise InvalidRequestError("A payment consent needs the transactionId of a registered payment.")
        if transaction_id is not None:
            payments = grant.server.backend.payments
            if payments.stored(transaction_id, grant.request.client.get_client_id()) is None:
                raise InvalidRequestError(f"No registered payment '{transaction_id}' waits for consent.")

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
            consent = state.authflow.approve(db_session, grantor.request_key, grantor.iban)
            state.consents.save_code(
                db_session,
                code=code,
                client_id=request.client.get_client_id(),
                consent_id=consent.id,
                redirect_uri=request.payload.redirect_uri,
                scope=" ".join(consent_rules.check_scopes(request.payload.scope or "")),
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
    """Refresh with rotation: a new refresh token every time, the used one dies; a reused one kills its family.

    The used refresh token is retired in the same transaction that stores its successor (``_store_token``),
    by a compare-and-set: of simultaneous refreshes with one token exactly one wins, and the others are
    replays that revoke every token of the authorization (RFC 9700 §4.14.2).
    """

    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        service = self.server.backend.consents
        row = service.live_refresh_token(refresh_token)
        return TokenRecord(row, "refresh_token", service) if row is not None else None

    def authenticate_user(self, refresh_token):
        return refresh_token.get_user()

    def revoke_old_credential(self, refresh_token):
        # Already retired by _store_token, atomically with storing the successor.
        return None


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """Client credentials, for registering a payment: one ``psd2:payment:...:write`` scope, no refresh token."""

    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def validate_requested_scope(self):
        items = _checked_scopes(self.request.payload.scope)
        if len(items) != 1 or items[0] not in consent_rules.PIS_SCOPES or not items[0].endswith(":write"):
            raise InvalidScopeError("Client credentials are for payment registration: one psd2:payment write scope.")


def _checked_scopes(scope: str | None) -> list[str]:
    try:
        return consent_rules.check_scopes(scope or "")
    except consent_rules.ScopeError as exc:
        raise InvalidScopeError(printable(str(exc).capitalize() + ".")) from exc


# --- endpoints ------------------------------------------------------------------------------


class _TokenLookup:
    def check_params(self, request, client):
        # RFC 7009 §2.1: an unknown token_type_hint is no error; the server searches every token type.
        if "token" not in request.form:
            raise InvalidRequestError("Missing 'token'.")

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
        app.extensions[EXTENSION] = self
        self.init_app(app, query_client=self._query_client_row, save_token=self._store_token)
        self.register_grant(AuthorizationCodeGrant, [BankCodeChallenge(), abnamro_parameters])
        self.register_grant(RefreshTokenGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_endpoint(BankRevocationEndpoint)
        self.register_endpoint(BankIntrospectionEndpoint)

    def create_bearer_token_generator(self, config):
        ids = self.backend.ids

        settings = self.backend.settings

        def expires_in(client, grant_type):
            # Authlib's OAUTH2_TOKEN_EXPIRES_IN per grant type, else ACCESS_TOKEN_SECONDS.
            return settings.token_seconds(grant_type)

        return BearerTokenGenerator(lambda **_: ids.token(28), lambda **_: ids.token(42), expires_in)

    def load_config(self, config):
        super().load_config(config)
        self.scopes_supported = list(consent_rules.ALL_SCOPES)

    def create_oauth2_request(self, request):
        if isinstance(request, OAuth2Request):
            return request
        current = current_request()
        return BankOAuth2Request(current.method, current.url, current.headers, current.args, current.form)

    def validate_requested_scope(self, scope):
        _checked_scopes(scope)

    def get_authorization_grant(self, request):
        # Authlib answers a missing response_type as unsupported; RFC 6749 §4.1.2.1 says invalid_request,
        # sent back to the client only when its redirect URI is exactly a registered one.
        if not request.payload.response_type:
            client = self.query_client(request.payload.client_id) if request.payload.client_id else None
            uri = request.payload.redirect_uri
            valid = client is not None and uri is not None and client.check_redirect_uri(uri)
            raise InvalidRequestError(
                "Missing 'response_type': use response_type=code.", redirect_uri=uri if valid else None
            )
        return super().get_authorization_grant(request)

    def get_consent_grant(self, request=None, end_user=None):
        # A value Authlib would quote in its error must be fit to quote (RFC 6749 §4.1.2.1), else Authlib
        # fails building the error; refused here without a redirect, as a malformed redirect_uri must be.
        request = self.create_oauth2_request(request)
        for name in QUOTED_PARAMETERS:
            value = request.payload.data.get(name)
            if isinstance(value, str) and invalid_error_characters(value):
                raise InvalidRequestError(f"'{name}' holds characters RFC 6749 does not allow.")
        return super().get_consent_grant(request, end_user)

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
            replayed = parent_id is not None and not state.consents.rotate_refresh_token(db_session, parent_id)
            if not replayed:
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
                    expires_in=token.get("expires_in"),
                )
        if replayed:
            # Another request used this refresh token first: this one is a replay of a rotated-out token.
            state.consents.revoke_family(parent_id)
            raise InvalidGrantError("The refresh token was already used; every token of this authorization is revoked.")
