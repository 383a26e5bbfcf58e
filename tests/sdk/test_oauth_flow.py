"""The whole consent journey through the SDK, against the real bank app behind ABN AMRO's real host names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import requests

from client_sdk import AbnAmroClient
from client_sdk import AuthenticationError
from client_sdk import AuthorizationRedirectError
from client_sdk import BankSandbox
from client_sdk import HeadlessUser
from client_sdk import HeadlessUserError
from client_sdk import InvalidGrantError
from client_sdk import pkce

REDIRECT_URI = "https://localhost/auth"
AIS = [
    "psd2:account:details:read",
    "psd2:account:balance:read",
    "psd2:account:transaction:read",
]


@pytest.fixture
def session(bank_world):
    """One browser-and-client session: cookies are shared the way they would be in a real process."""
    return requests.Session()


@pytest.fixture
def sandbox(session):
    """The bank's sandbox API."""
    return BankSandbox(session=session)


@pytest.fixture
def person(sandbox):
    """A business customer (Access Online needs one) with one current account and every login means."""
    customer = sandbox.create_customer(
        name="Sanne Jansen", kind="business", trade_name="Jansen Design", kvk_number="87654321"
    )
    account = sandbox.open_account(customer_id=customer["id"], balance="250.00")
    user = sandbox.create_user(
        customer_id=customer["id"], name="Sanne Jansen", login_means=["edentifier", "app", "access_online"]
    )
    means = {m["kind"]: m for m in user["loginMeans"]}
    return {"iban": account["iban"], "user": user, "means": means}


@pytest.fixture
def registered(sandbox):
    """A confidential third party."""
    return sandbox.register_client(name="Boekhouding BV", redirect_uris=[REDIRECT_URI])


def _client(registered, session, **kwargs) -> AbnAmroClient:
    return AbnAmroClient(
        client_id=registered["clientId"],
        api_key=registered["apiKey"],
        client_secret=registered.get("clientSecret"),
        session=session,
        **kwargs,
    )


def _edentifier(means: dict) -> dict:
    edentifier = means["edentifier"]
    return {
        "account_number": edentifier["accountNumber"],
        "card_number": edentifier["cardNumber"],
        "response_code": edentifier["responseCode"],
    }


def test_seeded_world_register_authorize_exchange_read_refresh_revoke(sandbox, session):
    """The issue's acceptance path: only host names of the real sandbox, routed in-process."""
    summary = sandbox.seed(42)
    user = summary["users"][0]
    edentifier = next(m for m in user["loginMeans"] if m["kind"] == "edentifier")
    iban = edentifier["accountNumber"]
    bookings = next(a["bookings"] for a in summary["accounts"] if a["iban"] == iban)
    registered = sandbox.register_client(name="Visma eAccounting", redirect_uris=[REDIRECT_URI])
    stored = []
    client = _client(registered, session, on_tokens=stored.append)

    url = client.authorization_url(AIS, state="state-1")
    result = HeadlessUser(session=session).authorize(
        url,
        redirect_uri=REDIRECT_URI,
        account_number=edentifier["accountNumber"],
        card_number=edentifier["cardNumber"],
        response_code=edentifier["responseCode"],
    )
    assert result.state == "state-1" and result.error is None
    tokens = client.exchange_code(result.raise_for_error())
    assert tokens.refresh_token and set(tokens.scope) == set(AIS)

    info = client.consent_info()
    assert info.iban == iban
    transactions = list(client.transactions(iban))
    assert len(transactions) == bookings > 50
    assert len({t.raw["transactionTimestamp"] + t.transaction_id for t in transactions}) == bookings
    assert client.balance(iban).amount == Decimal(sandbox.account(iban)["balance"])

    first_refresh = tokens.refresh_token
    client.refresh()
    assert client.tokens.refresh_token != first_refresh
    assert [t.refresh_token for t in stored] == [first_refresh, client.tokens.refresh_token]
    assert client.balance(iban).account_number == iban

    spent = _client(registered, session, tokens={"access_token": "x", "refresh_token": first_refresh})
    with pytest.raises(InvalidGrantError):
        spent.refresh()

    access_token = client.tokens.access_token
    client.revoke()
    assert client.tokens is None
    revoked = _client(registered, session, tokens={"access_token": access_token}, auto_refresh=False)
    with pytest.raises(AuthenticationError):
        revoked.consent_info()
    consent = sandbox.consents(client_id=registered["clientId"])[0]
    assert consent["status"] == "terminatedByTpp"


def test_pkce_for_a_public_client(sandbox, session, person):
    registered = sandbox.register_client(name="Mobiele app", redirect_uris=[REDIRECT_URI], public=True)
    client = _client(registered, session)
    verifier = pkce.make_verifier()

    url = client.authorization_url(["psd2:account:balance:read"], state="p", code_verifier=verifier)
    result = HeadlessUser(session=session).authorize(url, redirect_uri=REDIRECT_URI, **_edentifier(person["means"]))

    with pytest.raises(InvalidGrantError):
        _client(registered, session).exchange_code(result.code, code_verifier=pkce.make_verifier())
    # The failed attempt used the code up (single use), so start again with the right verifier.
    result = HeadlessUser(session=session).authorize(url, redirect_uri=REDIRECT_URI, **_edentifier(person["means"]))
    client.exchange_code(result.code, code_verifier=verifier)
    assert client.balance(person["iban"]).amount == Decimal("250.00")


def test_cancel_comes_back_as_abn_amros_server_error(registered, session, person):
    client = _client(registered, session)
    url = client.authorization_url(AIS, state="c-1")

    result = HeadlessUser(session=session).authorize(
        url, redirect_uri=REDIRECT_URI, decision="cancel", **_edentifier(person["means"])
    )

    assert (result.error, result.state, result.code) == ("server_error", "c-1", None)
    assert result.error_description == "Unexpected Runtime Authn Adapter Integration Problem."
    with pytest.raises(AuthorizationRedirectError) as failure:
        result.raise_for_error()
    assert failure.value.cancelled
    with pytest.raises(AuthorizationRedirectError):
        client.code_from_redirect(result.url, state="c-1")


def test_login_with_the_app_confirmed_on_the_phone_page(registered, session, person):
    client = _client(registered, session)
    result = HeadlessUser(session=session).authorize(
        client.authorization_url(AIS, state="app-1"),
        redirect_uri=REDIRECT_URI,
        login="app",
        account_number=person["iban"],
    )
    client.exchange_code(client.code_from_redirect(result.url, state="app-1"))
    assert client.consent_info().iban == person["iban"]


def test_login_with_the_app_confirmed_through_the_sandbox(registered, session, sandbox, person):
    client = _client(registered, session)
    confirmed = []

    def confirm(user: HeadlessUser):
        (login,) = sandbox.app_logins()
        confirmed.append(sandbox.confirm_app_login(login["id"]))

    result = HeadlessUser(session=session).authorize(
        client.authorization_url(AIS, state="app-2"),
        redirect_uri=REDIRECT_URI,
        login="app",
        account_number=person["iban"],
        confirm_app=confirm,
    )
    assert result.code and confirmed[0]["status"] == "confirmed"


def test_an_unconfirmed_app_login_stops_with_a_clear_error(registered, session, person):
    client = _client(registered, session)
    with pytest.raises(HeadlessUserError, match="never confirmed"):
        HeadlessUser(session=session).authorize(
            client.authorization_url(AIS, state="app-3"),
            redirect_uri=REDIRECT_URI,
            login="app",
            account_number=person["iban"],
            confirm_app=lambda user: None,
        )


def test_login_with_access_online(registered, session, person):
    access_online = person["means"]["access_online"]
    client = _client(registered, session)
    result = HeadlessUser(session=session).authorize(
        client.authorization_url(AIS, state="ao"),
        redirect_uri=REDIRECT_URI,
        login="access_online",
        user_id=access_online["userId"],
        card_number=access_online["cardNumber"],
        response_code=access_online["responseCode"],
        choose_iban=person["iban"],
    )
    assert result.code


def test_a_wrong_response_code_stops_with_the_banks_message(registered, session, person):
    client = _client(registered, session)
    wrong = {**_edentifier(person["means"]), "response_code": "00000000"}
    with pytest.raises(HeadlessUserError, match="refused the login") as failure:
        HeadlessUser(session=session).authorize(
            client.authorization_url(AIS, state="w"), redirect_uri=REDIRECT_URI, **wrong
        )
    assert failure.value.messages  # the bank's own flash message, whatever its words


def test_a_queued_decision_answers_without_screens(registered, session, sandbox, person):
    sandbox.enqueue_decision(client_id=registered["clientId"], decision="approve", iban=person["iban"])
    assert len(sandbox.decisions(client_id=registered["clientId"])) == 1
    client = _client(registered, session)

    user = HeadlessUser(session=session)
    user.open(client.authorization_url(AIS, state="q"), stop_at=REDIRECT_URI)

    assert user.stopped_at.startswith(REDIRECT_URI + "?")
    client.exchange_code(client.code_from_redirect(user.stopped_at, state="q"))
    assert client.consent_info().iban == person["iban"]
    assert sandbox.decisions() == []


def test_a_queued_refusal_comes_back_as_access_denied(registered, session, sandbox):
    sandbox.enqueue_decision(client_id=registered["clientId"], decision="refuse", error="access_denied")
    client = _client(registered, session)
    user = HeadlessUser(session=session)
    user.open(client.authorization_url(AIS, state="r"), stop_at=REDIRECT_URI)
    with pytest.raises(AuthorizationRedirectError) as failure:
        client.code_from_redirect(user.stopped_at, state="r")
    assert failure.value.error == "access_denied" and not failure.value.cancelled


def test_an_expired_access_token_is_refreshed_on_the_fly(registered, session, sandbox, person):
    client = _client(registered, session)
    result = HeadlessUser(session=session).authorize(
        client.authorization_url(AIS, state="e"), redirect_uri=REDIRECT_URI, **_edentifier(person["means"])
    )
    first = client.exchange_code(result.code)
    sandbox.advance(hours=2, minutes=1)

    assert client.balance(person["iban"]).amount == Decimal("250.00")
    assert client.tokens.access_token != first.access_token
    assert client.tokens.refresh_token != first.refresh_token


def test_introspection_and_client_credentials(registered, session, sandbox, person):
    client = _client(registered, session)
    client.exchange_code(
        HeadlessUser(session=session)
        .authorize(client.authorization_url(AIS, state="i"), redirect_uri=REDIRECT_URI, **_edentifier(person["means"]))
        .code
    )
    now = dt.datetime.fromisoformat(sandbox.clock()["now"])
    active = client.introspect()
    assert active["active"] is True and active["iban"] == person["iban"]
    assert active["exp"] == int((now + dt.timedelta(hours=2)).timestamp())

    payment = _client(registered, session).client_credentials(["psd2:payment:sepa:write"])
    assert payment.refresh_token is None and payment.scope == ("psd2:payment:sepa:write",)


def test_a_journey_that_is_no_longer_available_is_reported_with_the_page_title(session):
    stale = "https://auth-sandbox.connect.abnamro.com/inloggen?req=finished-long-ago"
    with pytest.raises(HeadlessUserError, match="Pagina niet meer beschikbaar"):
        HeadlessUser(session=session).authorize(stale, redirect_uri=REDIRECT_URI)


def test_a_request_the_bank_refuses_to_redirect_is_reported_with_its_error(registered, session, person):
    client = _client(registered, session, redirect_uri="https://evil.example/steal")
    with pytest.raises(HeadlessUserError) as failure:
        HeadlessUser(session=session).authorize(
            client.authorization_url(AIS, state="x"), redirect_uri="https://evil.example/steal"
        )
    message = str(failure.value)
    assert "HTTP 400" in message and "invalid_request" in message
