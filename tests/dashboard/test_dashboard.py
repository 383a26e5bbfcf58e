"""The rehearsal dashboard (the start page of ``mockbank serve``), through Flask's test client: what a person
reads on it and what its buttons do to the world."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from bs4 import BeautifulSoup

from mockbank.sim.calendar import AMSTERDAM
from scenarios.runner import run_scenario
from scenarios.world import World
from tests.dashboard.conftest import Dashboard


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def words(element) -> str:
    """An element's text as a reader sees it: words separated by single spaces."""
    return " ".join(element.get_text(" ").split())


def local(world: World) -> dt.datetime:
    return world.now().astimezone(AMSTERDAM)


@pytest.fixture
def consented(world):
    """The happy path up to the bank's consent (a catalogue scenario, in-process); its result."""
    result = run_scenario(world, "happy_path_consented", seed=7)
    assert result.passed, result.failure
    return result


# --- the time ----------------------------------------------------------------------------------------------


def test_the_start_page_says_the_simulated_time_in_amsterdam_in_words_and_its_mode(dashboard):
    page = soup(dashboard.html("/"))

    assert page.find(id="clock-words").get_text(strip=True) == "maandag 5 januari 2026, 09:00"
    assert page.find(id="clock-stamp").get_text(strip=True) == "2026-01-05 09:00:00 (Amsterdam, CET)"
    assert page.find(id="clock-mode")["data-mode"] == "frozen"
    assert "bevroren" in page.find(id="clock-mode").get_text()
    assert page.find("html")["lang"] == "nl"


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("uur", dt.datetime(2026, 1, 5, 10, 0, tzinfo=AMSTERDAM)),
        ("werkdag", dt.datetime(2026, 1, 6, 9, 0, tzinfo=AMSTERDAM)),
        ("vijf-werkdagen", dt.datetime(2026, 1, 12, 9, 0, tzinfo=AMSTERDAM)),
    ],
)
def test_the_clock_buttons_move_the_world(dashboard, world, step, expected):
    answer = dashboard.post("/klok", {"stap": step})

    assert answer.status_code == 302
    assert local(world) == expected
    assert "verder gezet" in dashboard.html("/")


def test_a_clock_button_without_the_pages_token_is_refused_and_moves_nothing(dashboard, world):
    before = world.now()

    answer = dashboard.post("/klok", {"stap": "uur"}, csrf=False)

    assert answer.status_code == 400
    assert world.now() == before


def test_the_clock_goes_to_a_chosen_moment_but_never_back(dashboard, world):
    assert dashboard.post("/klok", {"stap": "moment", "moment": "2026-01-07T14:30"}).status_code == 302
    assert local(world) == dt.datetime(2026, 1, 7, 14, 30, tzinfo=AMSTERDAM)

    dashboard.post("/klok", {"stap": "moment", "moment": "2026-01-06T08:00"})
    page = dashboard.html("/")

    assert local(world) == dt.datetime(2026, 1, 7, 14, 30, tzinfo=AMSTERDAM)
    assert "De klok gaat nooit terug" in page


def test_the_next_event_is_named_and_the_button_goes_there(dashboard, world, consented):
    iban = consented.world["bank"]["accounts"]["current"]
    page = soup(dashboard.html("/"))
    button = page.find(id="next-event")

    expected = f"Naar de volgende gebeurtenis: activatiemail voor {iban} op ma 12 januari 09:02"
    assert button.get_text(strip=True) == expected
    dashboard.post("/klok", {"stap": "volgende"})

    page = soup(dashboard.html("/"))
    assert local(world).strftime("%a %d %H:%M") == "Mon 12 09:02"
    assert page.select_one(f"table.links tr[data-iban='{iban}']")["data-state"] == "activation_sent"
    (row,) = page.select("#newest-mails tr[data-kind=activation]")
    mail_link = row.select_one("a.mail-link")["href"]
    assert re.fullmatch(r"https://register\.ebanking\.vismasoftware\.nl/outbox/\d+", mail_link)
    assert row.select_one("a.activate-link")["href"].startswith("https://register.ebanking.vismasoftware.nl/activeren/")
    assert "activatielink van" in page.find(id="next-event").get_text()


def test_the_due_jobs_of_both_servers_are_listed_in_time_order(dashboard, consented):
    rows = soup(dashboard.html("/")).select("#due-jobs tbody tr")
    listed = [(row.select("td")[1].get_text(), row["data-kind"]) for row in rows]

    assert ("Visma", "activation.send") in listed
    assert ("ABN AMRO", "consent.expire") in listed
    dues = [row["data-due"] for row in rows]
    assert dues == sorted(dues)


def test_each_registration_shows_its_links_what_they_wait_for_a_chart_and_its_timeline(dashboard, consented):
    serial = consented.world["serialNumber"]
    iban = consented.world["bank"]["accounts"]["current"]
    article = soup(dashboard.html("/")).find(id=f"registration-{serial}")

    assert article["data-state"] == "done"
    row = article.select_one(f"table.links tr[data-iban='{iban}']")
    assert row["data-state"] == "activation_scheduled"
    expected = row.select_one("td.expected")
    assert expected["data-kind"] == "activation_mail"
    assert expected.get_text(strip=True) == "Activatiemail: ma 12 januari 09:02"
    assert "0 gekoppelde rekeningen, gratis" in words(article.select_one(".billing"))
    chart = article.find("svg")
    assert chart["role"] == "img" and chart.find("title").get_text()
    assert {r["data-state"] for r in chart.select("rect[data-state]")} >= {"done", "activation_scheduled"}
    assert chart.select_one("g.expected")["data-kind"] == "activation_mail"
    states = [li["data-state"] for li in article.select("ol.timeline li")]
    assert states[:1] == ["connection_requested"] and "activation_scheduled" in states


def test_after_activation_the_link_shows_its_first_import_and_the_imports(dashboard, world, consented):
    iban = consented.world["bank"]["accounts"]["current"]
    with world.activate():
        dashboard.post("/klok", {"stap": "volgende"})
        mail = world.portal_sandbox().latest_mail(kind="activation")
        token = mail["links"][0]["url"].rsplit("/", 1)[1]
        world.portal_backend.activations.activate(token)
        row = soup(dashboard.html("/")).select_one(f"table.links tr[data-iban='{iban}']")
        expected = row.select_one("td.expected")
        assert row["data-state"] == "activated"
        assert expected["data-kind"] == "first_import"
        first = dt.datetime.fromisoformat(expected["data-at"])
        # The day the first import can bring bookings: the first 06:00 run five werkdagen after activation.
        assert first.astimezone(AMSTERDAM) == dt.datetime(2026, 1, 20, 6, 0, tzinfo=AMSTERDAM)

        for _ in range(10):
            button = soup(dashboard.html("/")).find(id="next-event")
            if button["data-kind"] == "import.daily" and "eerste import" in button.get_text():
                break
            dashboard.post("/klok", {"stap": "volgende"})
        assert f"eerste import voor {iban}" in button.get_text()
        dashboard.post("/klok", {"stap": "volgende"})

    row = soup(dashboard.html("/")).select_one(f"table.links tr[data-iban='{iban}']")
    assert row.select("td")[4].get_text(strip=True) == "di 20 januari 06:00"
    assert row.select("td")[5].get_text(strip=True) == "wo 21 januari 06:00"


def test_the_newest_mail_and_the_consents_at_the_bank(dashboard, consented):
    page = soup(dashboard.html("/"))
    (consent,) = page.select("#bank-consents tbody tr")

    assert consent["data-status"] == "valid"
    assert "Visma eAccounting" in consent.get_text()
    assert consented.world["bank"]["accounts"]["current"] in consent.get_text()
    assert page.find(id="no-mails")


# --- test users --------------------------------------------------------------------------------------------


def test_the_test_users_page_lists_login_means_ibans_cards_responses_and_the_magic_users(seeded_dashboard):
    summary = seeded_dashboard.world.bank_backend.last_seed_summary
    page = soup(seeded_dashboard.html("/testgebruikers"))
    text = page.find(id="test-users").get_text(" ", strip=True)

    for user in summary["users"]:
        for means in user["loginMeans"]:
            if means["kind"] == "edentifier":
                assert means["accountNumber"] in text and means["responseCode"] in text and means["cardNumber"] in text
            if means["kind"] == "access_online":
                assert means["userId"] in text and means["responseCode"] in text
    for account in summary["accounts"]:
        assert account["iban"] in text
    magic = {row["data-behaviour"]: row.get_text(" ", strip=True) for row in page.select("#magic-users tbody tr")}
    assert set(magic) == {m["behaviour"] for m in summary["magicUsers"]}
    assert "Annuleert elke toestemming" in magic["cancel"]


def test_the_banks_login_screens_link_to_the_test_users_when_served():
    with World(seed=None, base_url="http://127.0.0.1:8000") as served:
        page = soup(served.bank_app.test_client().get("/inloggen/edentifier").get_data(as_text=True))
        assert page.find(id="test-users-link")["href"] == "http://127.0.0.1:8000/testgebruikers"
    with World(seed=None) as inprocess:
        page = soup(inprocess.bank_app.test_client().get("/inloggen").get_data(as_text=True))
        assert page.find(id="test-users-link") is None


# --- a practice administration ------------------------------------------------------------------------------


def test_a_new_practice_administration_for_a_new_company_opens_eaccounting_logged_in(dashboard, world):
    answer = dashboard.post("/oefenadministratie", {"company": "new", "add_accounts": "y"})

    assert answer.status_code == 302
    login = answer.headers["Location"]
    assert login.startswith("https://eaccounting-sandbox.test.vismaonline.com/inloggen?token=")
    portal = world.portal_app.test_client()
    page = portal.get(login.split(".com", 1)[1], follow_redirects=True).get_data(as_text=True)
    rows = [r.get_text(" ", strip=True) for r in soup(page).select("#bank-accounts tbody tr")]
    assert [r.split(" ")[0] for r in rows] == ["Kasrekening", "ABN", "Spaarrekening", "ABN"]
    # The company exists at the bank, with a user who can log in every way, and in the KvK register.
    (customer,) = [c for c in world.bank_backend.bank.customers() if c.kind == "business"]
    assert [a.product for a in customer.accounts] == ["current", "savings", "current"]
    (user,) = world.bank_backend.bank.users()
    assert sorted(m.kind for m in user.login_means) == ["access_online", "app", "edentifier"]
    assert world.portal_backend.kvk.lookup(customer.kvk_number).name == customer.trade_name


def test_a_practice_administration_of_a_seed_business_kept_by_an_accounting_firm(seeded_dashboard, seeded_world):
    business = next(c for c in seeded_world.bank_backend.bank.customers() if c.kind == "business")

    answer = seeded_dashboard.post(
        "/oefenadministratie",
        {"company": str(business.id), "managed": "y", "firm_name": "Kantoor Kees", "add_accounts": "y"},
    )

    assert answer.status_code == 302
    (made,) = seeded_world.portal_backend.eaccounting.administrations()
    assert (made.company_name, made.kvk_number, made.accounting_firm) == (
        business.trade_name,
        business.kvk_number,
        "Kantoor Kees",
    )
    ibans = {a.iban for a in seeded_world.portal_backend.eaccounting.accounts(made.id)}
    assert {a.iban for a in business.accounts if a.has_own_iban} <= ibans


def test_a_managed_administration_without_the_firms_name_shows_every_error_and_makes_nothing(dashboard, world):
    answer = dashboard.post("/oefenadministratie", {"company": "nonsense", "managed": "y", "firm_name": " "})

    assert answer.status_code == 422
    page = soup(answer.get_data(as_text=True))
    summary = [a["href"] for a in page.select("#error-summary a")]
    assert summary == ["#company", "#firm_name"]
    assert page.find(id="company")["aria-invalid"] == "true"
    assert page.find(id="company").has_attr("autofocus")
    assert page.find(id="firm_name")["aria-describedby"] == "firm_name-error"
    assert not page.find(id="firm_name").has_attr("autofocus")
    assert world.portal_backend.eaccounting.administrations() == []


def test_an_existing_administration_opens_in_eaccounting(dashboard, world):
    dashboard.post("/oefenadministratie", {"company": "new"})
    (made,) = world.portal_backend.eaccounting.administrations()

    answer = dashboard.post(f"/administraties/{made.id}/openen", {}, form_page="/")

    assert answer.status_code == 302
    assert "/inloggen?token=" in answer.headers["Location"]


# --- replacing the world -----------------------------------------------------------------------------------


def test_a_scenario_asks_first_then_replaces_the_world_and_its_page_shows_real_addresses_and_the_end(dashboard, world):
    dashboard.post("/oefenadministratie", {"company": "new"})
    page = soup(dashboard.html("/scenarios"))
    assert "Dit vervangt de hele wereld" in words(page.find(id="replaces-world"))
    assert "1 administratie," in words(page.find(id="replaces-world"))

    refused = dashboard.post("/scenarios", {"scenario": "accounting_firm_consented", "seed": "11"})
    assert refused.status_code == 422
    assert "Vink aan dat je de huidige wereld wilt vervangen." in refused.get_data(as_text=True)
    assert len(world.portal_backend.eaccounting.administrations()) == 1

    ran = dashboard.post("/scenarios", {"scenario": "accounting_firm_consented", "seed": "11", "confirm": "y"})
    assert ran.status_code == 302
    page = soup(dashboard.html(ran.headers["Location"]))
    assert page.find(id="scenario-outcome")["data-passed"] == "true"
    steps = page.find(id="scenario-steps").get_text(" ")
    assert "{portal}" not in steps and "{bank_auth}" not in steps
    assert "https://register.ebanking.vismasoftware.nl/?licentienummer=" in steps
    assert "(https://auth-sandbox.connect.abnamro.com/internetbankieren/boekhoudkoppeling)" in steps
    (end,) = page.select("#end-state tbody tr")
    assert end["data-state"] == "activation_scheduled"
    assert world.seed == 11
    assert "seed 11" in soup(dashboard.html("/")).find(id="header-clock").get_text()
    result = json.loads(dashboard.html(ran.headers["Location"] + "/json"))
    assert list(result)[-1] == "endState"
    assert result["endState"]["registrations"][0]["links"][0]["state"] == "activation_scheduled"


def test_replacing_the_world_asks_first_and_then_reseeds(dashboard, world):
    dashboard.post("/oefenadministratie", {"company": "new"})

    refused = dashboard.post("/wereld", {"seed": "3"})
    assert refused.status_code == 422
    assert world.seed is None and len(world.portal_backend.eaccounting.administrations()) == 1

    assert dashboard.post("/wereld", {"seed": "3", "confirm": "y"}).status_code == 302
    assert world.seed == 3
    assert world.portal_backend.eaccounting.administrations() == []
    assert world.bank_backend.bank.customers()
    assert "de wereld van seed 3" in dashboard.html("/")


def test_the_favicon(dashboard):
    answer = dashboard.get("/favicon.ico")

    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
    assert 'rel="icon"' in dashboard.html("/testgebruikers")


def test_every_page_is_dutch_and_says_nothing_in_english_words_of_the_code(seeded_dashboard):
    for path in ("/", "/testgebruikers", "/oefenadministratie", "/scenarios", "/wereld"):
        text = soup(seeded_dashboard.html(path)).find("main").get_text(" ")
        for word in ("running", "frozen", "pending", "stored", "activation_sent"):
            assert f" {word} " not in f" {text} ", (path, word)


def test_a_second_dashboard_on_the_same_world_sees_the_same_state(world, consented):
    first, second = Dashboard(world), Dashboard(world)

    first.post("/klok", {"stap": "volgende"})

    assert soup(second.html("/")).find(id="clock-words").get_text() == "maandag 12 januari 2026, 09:02"
