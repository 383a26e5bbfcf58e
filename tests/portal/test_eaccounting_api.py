"""eAccounting's bank-account API: Visma's names and envelope, its rules, and its errors."""

from __future__ import annotations

import pytest

KVK = "68750110"
ABN_IBAN = "NL91ABNA0417164300"
SAVINGS_IBAN = "NL02ABNA0123456789"


@pytest.fixture
def token(api):
    """The bearer token of a fresh administration."""
    return api.post("/sandbox/administrations", json={"companyName": "Test BV Donald", "kvkNumber": KVK}).json[
        "accessToken"
    ]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_new_administration_has_its_kasrekening_in_the_meta_data_envelope(api, token):
    answer = api.get("/v2/bankaccounts", headers=auth(token))
    assert answer.status_code == 200
    body = answer.json
    assert body["Meta"]["TotalNumberOfResults"] == 1 and body["Meta"]["CurrentPage"] == 1
    assert body["Meta"]["ServerTimeUtc"] == "2026-01-05T08:00:00Z"
    (cash,) = body["Data"]
    assert cash["Name"] == "Kasrekening"
    assert (cash["BankAccountType"], cash["BankAccountTypeDescription"]) == (2, "CashAccount")
    assert (cash["LedgerAccountNumber"], cash["CurrencyCode"], cash["Iban"]) == (1000, "EUR", None)
    assert cash["HasActiveBankAgreement"] is False and cash["IsActive"] is True


def test_accounts_get_default_ledger_numbers_by_type(api, token):
    def create(**fields):
        answer = api.post("/v2/bankaccounts", headers=auth(token), json=fields)
        assert answer.status_code == 201, answer.json
        return answer.json

    current = create(Name="ABN AMRO", BankAccountType=1, Iban="NL91 ABNA 0417 1643 00")
    savings = create(Name="Spaarrekening", BankAccountType=3, Iban=SAVINGS_IBAN)
    second = create(Name="Tweede rekening", BankAccountType=1, Iban="NL18ABNA0484869868")
    dollars = create(Name="Dollarrekening", BankAccountType=4, Iban="NL71ABNA0418981567", CurrencyCode="usd")
    chosen = create(Name="Eigen nummer", BankAccountType=3, LedgerAccountNumber=1150)
    assert current["Iban"] == ABN_IBAN and current["LedgerAccountNumber"] == 1100
    assert savings["LedgerAccountNumber"] == 1140
    assert second["LedgerAccountNumber"] == 1101
    assert (dollars["CurrencyCode"], dollars["BankAccountTypeDescription"]) == ("USD", "CurrencyAccount")
    assert chosen["LedgerAccountNumber"] == 1150 and chosen["Iban"] is None
    listed = api.get("/v2/bankaccounts", headers=auth(token)).json
    assert [a["Name"] for a in listed["Data"]] == [
        "Kasrekening",
        "ABN AMRO",
        "Spaarrekening",
        "Tweede rekening",
        "Dollarrekening",
        "Eigen nummer",
    ]
    page = api.get("/v2/bankaccounts?$page=2&$pagesize=4", headers=auth(token)).json
    assert page["Meta"]["TotalNumberOfPages"] == 2 and [a["Name"] for a in page["Data"]] == [
        "Dollarrekening",
        "Eigen nummer",
    ]


@pytest.mark.parametrize(
    ("fields", "field", "dutch"),
    [
        ({"BankAccountType": 1, "Iban": ABN_IBAN}, "Name", "Vul een naam in."),
        ({"Name": "X", "BankAccountType": 9}, "BankAccountType", "Kies een type rekening."),
        ({"Name": "X", "BankAccountType": 1, "Iban": "NL91ABNA0417164301"}, "Iban", "Dit IBAN is niet geldig."),
        ({"Name": "X", "BankAccountType": 1}, "Iban", "Vul het IBAN van de rekening-courant in."),
        ({"Name": "X", "BankAccountType": 2, "Iban": ABN_IBAN}, "Iban", "Een kasrekening heeft geen IBAN."),
        ({"Name": "X", "BankAccountType": 4, "Iban": ABN_IBAN}, "CurrencyCode", "andere valuta dan EUR"),
        ({"Name": "X", "BankAccountType": 1, "Iban": ABN_IBAN, "CurrencyCode": "USD"}, "CurrencyCode", "vreemdevaluta"),
        ({"Name": "X", "BankAccountType": 3, "LedgerAccountNumber": 1000}, "LedgerAccountNumber", "1000 hoort al"),
        ({"Name": "X", "BankAccountType": 3, "LedgerAccountNumber": "1150"}, "LedgerAccountNumber", "grootboek"),
    ],
)
def test_bad_input_is_refused_in_vismas_error_shape_and_nothing_is_stored(api, token, fields, field, dutch):
    answer = api.post("/v2/bankaccounts", headers=auth(token), json=fields)
    assert answer.status_code == 400
    body = answer.json
    assert body["ErrorCode"] == 4000 and body["ErrorField"] == field
    assert dutch in body["ErrorMessage"]
    assert body["DeveloperErrorMessage"] and len(body["ErrorId"]) == 36
    assert api.get("/v2/bankaccounts", headers=auth(token)).json["Meta"]["TotalNumberOfResults"] == 1


def test_duplicate_iban_is_refused(api, token):
    api.post("/v2/bankaccounts", headers=auth(token), json={"Name": "A", "BankAccountType": 1, "Iban": ABN_IBAN})
    again = api.post(
        "/v2/bankaccounts", headers=auth(token), json={"Name": "B", "BankAccountType": 1, "Iban": ABN_IBAN}
    )
    assert again.status_code == 400 and again.json["ErrorMessage"] == "Er is al een rekening met dit IBAN."


def test_the_token_decides_the_administration(api, token):
    assert api.get("/v2/bankaccounts").status_code == 401
    assert api.get("/v2/bankaccounts", headers=auth("nonsense")).json["ErrorCode"] == 4010
    other = api.post("/sandbox/administrations", json={"companyName": "Ander B.V."}).json["accessToken"]
    mine = api.post("/v2/bankaccounts", headers=auth(token), json={"Name": "A", "BankAccountType": 1, "Iban": ABN_IBAN})
    assert api.get(f"/v2/bankaccounts/{mine.json['Id']}", headers=auth(other)).status_code == 404
    assert api.get(f"/v2/bankaccounts/{mine.json['Id']}", headers=auth(token)).json["Name"] == "A"
    assert api.get("/v2/nothing", headers=auth(token)).status_code == 404


def test_replace_and_delete(api, token, clock):
    created = api.post(
        "/v2/bankaccounts", headers=auth(token), json={"Name": "A", "BankAccountType": 1, "Iban": ABN_IBAN}
    ).json
    clock.advance(60)
    replaced = api.put(
        f"/v2/bankaccounts/{created['Id']}",
        headers=auth(token),
        json={**created, "Name": "ABN AMRO zakelijk", "LedgerAccountNumber": 1110},
    )
    assert replaced.status_code == 200
    assert (replaced.json["Name"], replaced.json["LedgerAccountNumber"]) == ("ABN AMRO zakelijk", 1110)
    assert replaced.json["ModifiedUtc"] == "2026-01-05T08:01:00Z"
    assert api.delete(f"/v2/bankaccounts/{created['Id']}", headers=auth(token)).status_code == 204
    assert api.get(f"/v2/bankaccounts/{created['Id']}", headers=auth(token)).status_code == 404
    cash = api.get("/v2/bankaccounts", headers=auth(token)).json["Data"][0]
    refused = api.delete(f"/v2/bankaccounts/{cash['Id']}", headers=auth(token))
    assert refused.status_code == 409 and "kasrekening" in refused.json["ErrorMessage"]


def test_an_account_with_a_bank_connection_keeps_its_type_and_iban(api, token):
    created = api.post(
        "/v2/bankaccounts", headers=auth(token), json={"Name": "A", "BankAccountType": 1, "Iban": ABN_IBAN}
    ).json
    assert api.post(f"/v2/bankaccounts/{created['Id']}/bankconnection", headers=auth(token)).status_code == 202
    changed = api.put(f"/v2/bankaccounts/{created['Id']}", headers=auth(token), json={**created, "BankAccountType": 3})
    assert changed.status_code == 409
    assert "type en het IBAN" in changed.json["ErrorMessage"]
    assert api.delete(f"/v2/bankaccounts/{created['Id']}", headers=auth(token)).status_code == 409
    renamed = api.put(f"/v2/bankaccounts/{created['Id']}", headers=auth(token), json={**created, "Name": "Nieuw"})
    assert renamed.status_code == 200


def test_sandbox_administration_with_accounts_is_all_or_nothing(api):
    made = api.post(
        "/sandbox/administrations",
        json={
            "companyName": "Test NV Katrien",
            "kvkNumber": "68727720",
            "bankAccounts": [
                {"Name": "ABN AMRO", "BankAccountType": 1, "Iban": ABN_IBAN},
                {"Name": "Spaarrekening", "BankAccountType": 3, "Iban": SAVINGS_IBAN},
            ],
        },
    )
    assert made.status_code == 201
    listed = api.get("/v2/bankaccounts", headers=auth(made.json["accessToken"])).json["Data"]
    assert [(a["Name"], a["LedgerAccountNumber"]) for a in listed] == [
        ("Kasrekening", 1000),
        ("ABN AMRO", 1100),
        ("Spaarrekening", 1140),
    ]
    refused = api.post(
        "/sandbox/administrations",
        json={
            "companyName": "Half B.V.",
            "bankAccounts": [
                {"Name": "Goed", "BankAccountType": 1, "Iban": "NL18ABNA0484869868"},
                {"Name": "Fout", "BankAccountType": 1, "Iban": "NL00ABNA0000000000"},
            ],
        },
    )
    assert refused.status_code == 400 and refused.json["ErrorField"] == "Iban"
    names = [a["companyName"] for a in api.get("/sandbox/administrations").json["administrations"]]
    assert names == ["Test NV Katrien"]
    assert api.post("/sandbox/administrations", json={"companyName": "X", "kvkNumber": 12345678}).status_code == 400
