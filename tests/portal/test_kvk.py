"""The portal's KvK register: KvK Zoeken v2's shape, its test numbers, and its errors."""

from __future__ import annotations

import pytest

from client_sdk.errors import NotFoundError
from client_sdk.errors import ServerError
from tests.portal.conftest import EMPTY_BANK

pytestmark = EMPTY_BANK


def test_a_public_test_number_answers_in_zoeken_v2_shape(kvk):
    answer = kvk.search("68750110")
    assert (answer["pagina"], answer["resultatenPerPagina"], answer["totaal"]) == (1, 10, 1)
    (item,) = answer["resultaten"]
    assert item["kvkNummer"] == "68750110" and item["naam"] == "Test BV Donald"
    assert item["type"] == "hoofdvestiging"
    assert set(item["adres"]["binnenlandsAdres"]) >= {"straatnaam", "huisnummer", "postcode", "plaats"}
    assert item["_links"]["basisprofiel"]["href"].endswith("/api/v1/basisprofielen/68750110")


@pytest.mark.parametrize("number", ["69599084", "68727720", "90001354", "69599068", "69599076", "55344526"])
def test_every_public_test_number_is_known(kvk, number):
    assert kvk.search(number)["resultaten"][0]["kvkNummer"] == number


def test_unknown_numbers_answer_kvks_not_found(kvk):
    with pytest.raises(NotFoundError) as missing:
        kvk.search("12345678")
    assert missing.value.json_body == {
        "fout": [
            {
                "code": "IPD5200",
                "omschrijving": "Er zijn geen resultaten gevonden op basis van de ingevoerde zoekcriteria.",
            }
        ]
    }


@pytest.mark.parametrize(("number", "status"), [("90004973", 500), ("90002903", 503)])
def test_the_error_case_numbers_fail(kvk, number, status):
    with pytest.raises(ServerError) as failed:
        kvk.search(number)
    assert failed.value.status == status and failed.value.json_body["fout"][0]["code"].startswith("IPD")


def test_a_malformed_number_is_a_bad_request(kvk, world, mockbank_session):
    answer = mockbank_session.get(f"{world.urls.kvk}/api/v2/zoeken", params={"kvkNummer": "1234"})
    assert answer.status_code == 400 and answer.json()["fout"][0]["code"] == "IPD1002"
    assert mockbank_session.get(f"{world.urls.kvk}/api/v2/zoeken").status_code == 400


def test_companies_added_through_the_sandbox_are_found(kvk, portal_sandbox):
    portal_sandbox.add_kvk_company(kvk_number="87654321", name="Kwik & Kwek Boekhouding", plaats="Duckstad")
    assert kvk.search("87654321")["resultaten"][0]["naam"] == "Kwik & Kwek Boekhouding"
    with pytest.raises(Exception, match="error-case"):
        portal_sandbox.add_kvk_company(kvk_number="90004973", name="Nope")


def test_an_administrations_company_joins_the_register(kvk, portal_sandbox):
    portal_sandbox.create_administration(company_name="Zwarte Piet B.V.", kvk_number="11223344")
    assert kvk.search("11223344")["resultaten"][0]["naam"] == "Zwarte Piet B.V."


@pytest.mark.mockbank(seed=42)
def test_the_worlds_seeded_companies_are_in_the_register(world, kvk, bank_sandbox):
    businesses = [c for c in bank_sandbox.customers() if c["kind"] == "business"]
    assert businesses
    for company in businesses:
        [item] = kvk.search(company["kvkNumber"])["resultaten"]
        assert item["naam"] == company["tradeName"]
    # Still there after the world is reset to its seed.
    world.reset()
    assert kvk.search(businesses[0]["kvkNumber"])["resultaten"][0]["naam"] == businesses[0]["tradeName"]
