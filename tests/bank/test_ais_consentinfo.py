"""``GET /v1/consentinfo``: which IBAN, scopes and validity a token carries."""

from __future__ import annotations

import datetime as dt

from mockbank import create_app

from .helpers import ALL_AIS
from .helpers import Api
from .helpers import Tpp
from .helpers import assert_bank_error
from .helpers import make_firm
from .helpers import mint


def test_consentinfo_tells_the_iban_scopes_and_validity(api, firm, clock):
    response = api.get("/v1/consentinfo")

    assert response.status_code == 200
    assert response.headers["Trace-Id"]
    body = response.get_json()
    assert set(body) == {"iban", "transactionId", "scopes", "valid"}
    assert body["iban"] == firm.iban
    assert body["transactionId"] is None
    assert body["scopes"] == ALL_AIS
    # The consent is valid for 90 days from the moment it was given, as a Unix epoch number.
    assert body["valid"] == int((clock.now() + dt.timedelta(days=90)).timestamp())


def test_consentinfo_shows_only_the_scopes_granted(client, bank, tpp, firm):
    token = mint(bank, tpp, firm.iban, "psd2:account:balance:read psd2:account:details:read")

    body = Api(client=client, api_key=tpp.api_key, token=token).get("/v1/consentinfo").get_json()

    assert body["scopes"] == "psd2:account:balance:read psd2:account:details:read"


def test_one_consent_per_account(client, bank, tpp, firm):
    token = mint(bank, tpp, firm.other_iban)

    body = Api(client=client, api_key=tpp.api_key, token=token).get("/v1/consentinfo").get_json()

    assert body["iban"] == firm.other_iban


def test_consent_days_are_configurable(clock):
    app = create_app({"TESTING": True, "CONSENT_DAYS": 180}, clock=clock)
    backend = app.extensions["mockbank"]
    try:
        firm = make_firm(backend.bank)
        registered = backend.consents.register_client(name="TPP", redirect_uris=["https://localhost/auth"])
        tpp = Tpp(registered.client_id, registered.api_key)
        api = Api(client=app.test_client(), api_key=tpp.api_key, token=mint(backend, tpp, firm.iban))

        valid = api.get("/v1/consentinfo").get_json()["valid"]

        assert valid == int((clock.now() + dt.timedelta(days=180)).timestamp())
    finally:
        backend.close()


def test_after_the_consent_expired_the_token_is_refused(api, bank, tpp, firm, clock):
    clock.advance(dt.timedelta(days=90))

    assert_bank_error(api.get("/v1/consentinfo"), 401, "ERR_2002_002")
    # The expiry job ran at the consent's end and recorded it.
    consent = bank.consents.consents(client_id=tpp.client_id)[0]
    assert consent.status == "expired"
    assert consent.events[-1].at == consent.valid_until
