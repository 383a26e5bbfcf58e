"""``AbnAmroClient`` against stubbed hosts: URLs, token handling, pagination, automatic refresh."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from decimal import Decimal
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import requests
import responses
from responses import matchers

from client_sdk import AbnAmroClient
from client_sdk import AuthenticationError
from client_sdk import AuthorizationRedirectError
from client_sdk import BankApiError
from client_sdk import InvalidGrantError
from client_sdk import TokenSet
from client_sdk import pkce

API = "https://api-sandbox.abnamro.com"
AUTH = "https://auth-sandbox.connect.abnamro.com"
TOKEN_URL = "https://auth-sandbox.connect.abnamro.com:8443/as/token.oauth2"
IBAN = "NL62ABNA9999841479"
SCOPES = ["psd2:account:balance:read", "psd2:account:transaction:read", "psd2:account:details:read"]


def _transaction(n: int, book_date: str = "2026-01-05") -> dict:
    return {
        "mutationCode": "654",
        "descriptionLines": [f"line {n}"],
        "transactionTimestamp": f"{book_date}-09:00:00.000",
        "bookDate": book_date,
        "balanceAfterMutation": 100.10 + n,
        "counterPartyAccountNumber": "",
        "counterPartyName": "",
        "amount": -1.1,
        "currency": "EUR",
        "transactionId": f"T{n}",
    }


def _client(**kwargs) -> AbnAmroClient:
    defaults = {"client_id": "TPP_test", "api_key": "key"}
    return AbnAmroClient(**{**defaults, **kwargs})


def _tokens(access="at-1", refresh="rt-1") -> TokenSet:
    return TokenSet(access_token=access, refresh_token=refresh)


def test_constructor_is_keyword_only():
    with pytest.raises(TypeError):
        AbnAmroClient("TPP_test", "key")


def test_authorization_url_as_abn_amro_documents_it():
    url = _client().authorization_url(SCOPES, state="SilverAdministration-123")
    assert url == (
        f"{AUTH}/as/authorization.oauth2?scope=psd2:account:balance:read+psd2:account:transaction:read"
        "+psd2:account:details:read&client_id=TPP_test&response_type=code&flow=code"
        "&redirect_uri=https://localhost/auth&bank=NLAA01&state=SilverAdministration-123"
    )
    assert parse_qs(urlsplit(url).query)["scope"] == [" ".join(SCOPES)]


def test_authorization_url_with_pkce_and_another_host():
    verifier = pkce.make_verifier()
    url = _client(auth_base="http://127.0.0.1:5000/abnamro-auth/").authorization_url(
        "psd2:account:balance:read", state="s 1&2", bank="BEPB01", code_verifier=verifier
    )
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://127.0.0.1:5000/abnamro-auth/as/authorization.oauth2"
    )
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    assert query["code_challenge"] == [expected]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] == ["s 1&2"]
    assert query["bank"] == ["BEPB01"]


def test_pkce_verifier_and_challenge_follow_rfc_7636():
    # The RFC 7636 appendix B example.
    assert pkce.s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == (
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    verifiers = {pkce.make_verifier() for _ in range(5)}
    assert len(verifiers) == 5 and all(len(v) == 64 for v in verifiers)
    with pytest.raises(ValueError):
        pkce.s256_challenge("too-short")


def test_code_from_redirect_checks_state_and_errors():
    client = _client()
    assert client.code_from_redirect("https://localhost/auth?code=9C6U&state=abc", state="abc") == "9C6U"
    with pytest.raises(AuthorizationRedirectError) as wrong_state:
        client.code_from_redirect("https://localhost/auth?code=9C6U&state=evil", state="abc")
    assert wrong_state.value.error == "invalid_state"
    with pytest.raises(AuthorizationRedirectError) as denied:
        client.code_from_redirect("https://localhost/auth?error=access_denied#")
    assert denied.value.error == "access_denied"


@responses.activate
def test_exchange_code_posts_the_form_and_stores_the_tokens(fixed_now):
    seen = []
    responses.post(
        TOKEN_URL,
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "client_id": "TPP_test",
                    "client_secret": "s3cret",
                    "code": "9C6U",
                    "redirect_uri": "https://localhost/auth",
                    "code_verifier": "v" * 43,
                }
            )
        ],
        json={"access_token": "at-1", "refresh_token": "rt-1", "token_type": "Bearer", "expires_in": 7200},
    )
    client = _client(client_secret="s3cret", on_tokens=seen.append, clock=fixed_now)

    tokens = client.exchange_code("9C6U", code_verifier="v" * 43)

    assert tokens.access_token == "at-1"
    assert tokens.expires_at == fixed_now() + dt.timedelta(hours=2)
    assert client.tokens == tokens
    assert seen == [tokens]


@responses.activate
def test_client_secret_basic_puts_the_secret_in_the_header():
    responses.post(TOKEN_URL, json={"access_token": "cc", "token_type": "Bearer", "expires_in": 7199})
    client = _client(client_secret="s3cret", token_auth="client_secret_basic")
    tokens = client.client_credentials(["psd2:payment:sepa:write"])
    request = responses.calls[0].request
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"TPP_test:s3cret").decode()
    assert "client_secret" not in request.body
    assert "scope=psd2%3Apayment%3Asepa%3Awrite" in request.body
    assert tokens.refresh_token is None


@responses.activate
def test_refresh_rotates_and_stores_the_new_refresh_token():
    responses.post(
        TOKEN_URL,
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "refresh_token", "client_id": "TPP_test", "refresh_token": "rt-1"}
            )
        ],
        json={"access_token": "at-2", "refresh_token": "rt-2", "expires_in": 7200},
    )
    responses.post(
        TOKEN_URL,
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "refresh_token", "client_id": "TPP_test", "refresh_token": "rt-2"}
            )
        ],
        json={"access_token": "at-3", "refresh_token": "rt-3", "expires_in": 7200},
    )
    stored = []
    client = _client(tokens=_tokens(), on_tokens=stored.append)

    client.refresh()
    client.refresh()

    assert client.tokens.access_token == "at-3"
    assert [t.refresh_token for t in stored] == ["rt-2", "rt-3"]


@responses.activate
def test_refresh_without_rotation_keeps_the_old_refresh_token():
    responses.post(TOKEN_URL, json={"access_token": "at-2", "expires_in": 7200})
    client = _client(tokens=_tokens())
    assert client.refresh().refresh_token == "rt-1"


@responses.activate
def test_a_spent_refresh_token_is_an_invalid_grant():
    responses.post(TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "refresh token used"})
    client = _client(tokens=_tokens())
    with pytest.raises(InvalidGrantError):
        client.refresh()
    assert client.tokens.refresh_token == "rt-1"


@responses.activate
def test_api_calls_send_api_key_and_bearer():
    responses.get(
        f"{API}/v1/accounts/{IBAN}/details",
        match=[
            matchers.header_matcher({"API-Key": "key", "Authorization": "Bearer at-1", "Accept": "application/json"})
        ],
        json={"accountNumber": IBAN, "currency": "EUR", "accountHolderName": "Bakkerij"},
    )
    assert _client(tokens=_tokens()).account_details(IBAN).account_holder_name == "Bakkerij"


@responses.activate
def test_an_expired_token_is_refreshed_once_and_the_call_repeated():
    url = f"{API}/v1/accounts/{IBAN}/balances"
    expired = {"errors": [{"code": "ERR_2002_002", "status": 401, "category": "INVALID_ACCESS_TOKEN", "message": "m"}]}
    responses.get(url, status=401, json=expired, match=[matchers.header_matcher({"Authorization": "Bearer at-1"})])
    responses.get(
        url,
        json={"accountNumber": IBAN, "currency": "EUR", "balanceType": "BOOKBALANCE", "amount": 1.5},
        match=[matchers.header_matcher({"Authorization": "Bearer at-2"})],
    )
    responses.post(TOKEN_URL, json={"access_token": "at-2", "refresh_token": "rt-2", "expires_in": 7200})
    client = _client(tokens=_tokens())

    assert client.balance(IBAN).amount == Decimal("1.5")
    assert client.tokens.refresh_token == "rt-2"


@responses.activate
def test_automatic_refresh_can_be_switched_off_and_never_loops():
    url = f"{API}/v1/accounts/{IBAN}/balances"
    expired = {"errors": [{"code": "ERR_2002_002", "status": 401, "category": "INVALID_ACCESS_TOKEN", "message": "m"}]}
    responses.get(url, status=401, json=expired)
    responses.post(TOKEN_URL, json={"access_token": "at-2", "refresh_token": "rt-2", "expires_in": 7200})

    with pytest.raises(AuthenticationError):
        _client(tokens=_tokens(), auto_refresh=False).balance(IBAN)
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 0

    with pytest.raises(AuthenticationError):
        _client(tokens=_tokens()).balance(IBAN)
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 1


@responses.activate
def test_transactions_follow_next_page_key_with_the_filters_repeated():
    url = f"{API}/v1/accounts/{IBAN}/transactions"
    filters = {"bookDateFrom": "2026-01-01", "bookDateTo": "2026-01-31"}
    responses.get(
        url,
        match=[matchers.query_param_matcher(filters)],
        json={"accountNumber": IBAN, "nextPageKey": "k1", "transactions": [_transaction(1), _transaction(2)]},
    )
    responses.get(
        url,
        match=[matchers.query_param_matcher({**filters, "nextPageKey": "k1"})],
        json={"accountNumber": IBAN, "nextPageKey": "k2", "transactions": [_transaction(3)]},
    )
    responses.get(
        url,
        match=[matchers.query_param_matcher({**filters, "nextPageKey": "k2"})],
        json={"accountNumber": IBAN, "transactions": [_transaction(4)]},
    )
    client = _client(tokens=_tokens())

    transactions = list(client.transactions(IBAN, book_date_from=dt.date(2026, 1, 1), book_date_to="2026-01-31"))

    assert [t.transaction_id for t in transactions] == ["T1", "T2", "T3", "T4"]
    assert transactions[0].balance_after_mutation == Decimal("101.1")
    assert transactions[0].amount == Decimal("-1.1")
    assert len(responses.calls) == 3


@responses.activate
def test_transaction_pages_are_lazy_and_can_resume_from_a_key():
    url = f"{API}/v1/accounts/{IBAN}/transactions"
    responses.get(
        url,
        match=[matchers.query_param_matcher({"nextPageKey": "k9"})],
        json={"accountNumber": IBAN, "transactions": [_transaction(9)]},
    )
    pages = _client(tokens=_tokens()).transaction_pages(IBAN, next_page_key="k9")
    assert len(responses.calls) == 0
    page = next(pages)
    assert page.next_page_key is None and page.transactions[0].transaction_id == "T9"
    assert list(pages) == []


@responses.activate
def test_a_blank_transactions_answer_is_an_empty_list():
    responses.get(f"{API}/v1/accounts/{IBAN}/transactions", body="")
    assert list(_client(tokens=_tokens()).transactions(IBAN)) == []


@responses.activate
def test_funds_sends_the_amount_as_exact_text():
    responses.get(
        f"{API}/v1/accounts/{IBAN}/funds",
        match=[matchers.query_param_matcher({"amount": "1234.50", "currency": "EUR"})],
        json={"accountNumber": IBAN, "amount": 1234.50, "currency": "EUR", "available": False},
    )
    client = _client(tokens=_tokens())
    assert client.funds(IBAN, Decimal("1234.50")).available is False
    with pytest.raises(TypeError):
        client.funds(IBAN, 0.1)


def test_dates_must_be_dates():
    client = _client(tokens=_tokens())
    with pytest.raises(TypeError):
        next(client.transactions(IBAN, book_date_from=dt.datetime(2026, 1, 1)))
    with pytest.raises(ValueError):
        next(client.transactions(IBAN, book_date_from="1 januari"))


@responses.activate
def test_revoke_posts_rfc_7009_and_forgets_the_tokens():
    responses.post(
        f"{AUTH}/as/revoke_token.oauth2",
        match=[
            matchers.urlencoded_params_matcher(
                {"client_id": "TPP_test", "token": "rt-1", "token_type_hint": "refresh_token"}
            )
        ],
    )
    client = _client(tokens=_tokens())
    client.revoke()
    assert client.tokens is None


@responses.activate
def test_revoke_and_introspect_paths_can_be_moved():
    responses.post("https://auth.example/base/oauth/introspect", json={"active": True, "scope": "a"})
    client = _client(
        tokens=_tokens(),
        auth_base="https://auth.example/base",
        revoke_path="/oauth/revoke",
        introspect_path="/oauth/introspect",
    )
    responses.post("https://auth.example/base/oauth/revoke")
    assert client.introspect()["active"] is True
    client.revoke("at-1", token_type_hint="access_token")
    assert [c.request.url for c in responses.calls] == [
        "https://auth.example/base/oauth/introspect",
        "https://auth.example/base/oauth/revoke",
    ]


def test_session_is_injectable():
    session = requests.Session()
    session.cert = ("tpp.crt", "tpp.key")
    assert _client(session=session).session is session


@responses.activate
def test_revoking_only_the_access_token_keeps_the_refresh_token():
    responses.post(f"{AUTH}/as/revoke_token.oauth2")
    client = _client(tokens=_tokens())
    client.revoke(token_type_hint="access_token")
    assert "token=at-1" in responses.calls[0].request.body
    assert client.tokens.refresh_token == "rt-1"


def test_reprs_keep_secrets_out_of_logs():
    client = _client(client_secret="s3cret", tokens=_tokens("access-secret", "refresh-secret"))
    shown = repr(client) + repr(client.tokens)
    assert "TPP_test" in shown
    for secret in ("key", "s3cret", "access-secret", "refresh-secret"):
        assert f"'{secret}'" not in shown


@responses.activate
def test_a_base_url_that_answers_html_is_a_clear_error():
    responses.get(f"{API}/v1/consentinfo", body="<html>portal</html>", content_type="text/html")
    with pytest.raises(BankApiError, match="expected JSON, got text/html"):
        _client(tokens=_tokens()).consent_info()


@responses.activate
def test_a_full_revoke_url_wins_over_the_path():
    url = "https://auth-sandbox.connect.abnamro.com:8443/as/revoke_token.oauth2"
    responses.post(url)
    client = _client(tokens=_tokens(), revoke_url=url)
    client.revoke()
    assert [c.request.url for c in responses.calls] == [url]


@responses.activate
def test_without_a_redirect_uri_the_code_is_exchanged_without_one():
    responses.post(
        TOKEN_URL,
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "authorization_code", "client_id": "TPP_test", "code": "c"}
            )
        ],
        json={"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 7200},
    )
    client = _client(redirect_uri=None)
    assert client.exchange_code("c").access_token == "at-1"
    assert "redirect_uri" not in client.authorization_url(SCOPES, state="s")
