"""The default ledger account per account type is a setting (``LEDGER_DEFAULTS``), not a constant."""

from __future__ import annotations

from consent_server import create_app

DEFAULTS = {1: 1200, 2: 1010, 3: 1160, 4: 1250}


def test_configured_ledger_defaults_are_used_for_every_type(clock):
    app = create_app({"TESTING": True, "LEDGER_DEFAULTS": DEFAULTS}, clock=clock)
    try:
        api = app.test_client()
        token = api.post("/sandbox/administrations", json={"companyName": "Test BV Donald"}).json["accessToken"]
        headers = {"Authorization": f"Bearer {token}"}

        def create(**fields) -> dict:
            answer = api.post("/v2/bankaccounts", headers=headers, json=fields)
            assert answer.status_code == 201, answer.json
            return answer.json

        create(Name="ABN AMRO", BankAccountType=1, Iban="NL91ABNA0417164300")
        create(Name="Spaarrekening", BankAccountType=3, Iban="NL02ABNA0123456789")
        create(Name="Dollarrekening", BankAccountType=4, Iban="NL71ABNA0418981567", CurrencyCode="USD")
        create(Name="Tweede rekening", BankAccountType=1, Iban="NL18ABNA0484869868")
        listed = api.get("/v2/bankaccounts", headers=headers).json["Data"]
        assert {a["Name"]: a["LedgerAccountNumber"] for a in listed} == {
            "Kasrekening": 1010,
            "ABN AMRO": 1200,
            "Spaarrekening": 1160,
            "Dollarrekening": 1250,
            "Tweede rekening": 1201,  # the next free number after the type's default
        }
    finally:
        app.extensions["consent_server"].close()


def test_ledger_defaults_from_the_environment_are_read_as_a_mapping_of_numbers(clock):
    from consent_server.app import config_from_env

    environ = {"MOCKBANK_LEDGER_DEFAULTS": '{"1": 1100, "2": 1010}', "MOCKBANK_FREE_LINKED_ACCOUNTS": "3"}
    config = config_from_env(environ)
    assert config == {"LEDGER_DEFAULTS": {1: 1100, 2: 1010}, "FREE_LINKED_ACCOUNTS": 3}
    # Text passed on as config (as the scenario CLI did) is read by type too.
    app = create_app({"LEDGER_DEFAULTS": '{"1": 1200}'}, clock=clock)
    try:
        assert app.extensions["consent_server"].settings.ledger_defaults == {1: 1200}
    finally:
        app.extensions["consent_server"].close()


def test_a_setting_of_the_wrong_type_is_refused_at_start(clock):
    import pytest

    from mockbank.sim.settings import SettingsError

    with pytest.raises(SettingsError, match="LEDGER_DEFAULTS"):
        create_app({"LEDGER_DEFAULTS": "not json"}, clock=clock)


def test_the_portal_database_comes_from_its_own_variable():
    from consent_server.app import config_from_env

    config = config_from_env({"MOCKBANK_DATABASE_URL": "sqlite:///bank", "MOCKBANK_PORTAL_DATABASE_URL": "sqlite:///p"})
    assert config == {"DATABASE_URL": "sqlite:///p"}
