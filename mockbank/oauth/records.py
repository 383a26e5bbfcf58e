"""Authlib's view of the bank: OAuth requests from Flask or from a stored authorization request, and records
over the bank's rows (client, code, token) that answer expiry from the simulated clock, never ``time.time()``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oauth2.rfc6749.requests import OAuth2Payload
from flask import request
from flask import url_for
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.datastructures import MultiDict

from mockbank import models
from mockbank.services import consent_rules
from mockbank.services.authflow import AuthorizationRequest
from mockbank.services.consents import ConsentService

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


def current_request():
    # ``create_oauth2_request``'s parameter shadows Flask's ``request`` inside that method.
    return request


def stored_request(row: AuthorizationRequest) -> BankOAuth2Request:
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
        return " ".join(consent_rules.check_scopes(scope or ""))

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

    def __init__(self, row: models.Token, kind: str, service: ConsentService):
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
