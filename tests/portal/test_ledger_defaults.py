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
