"""ABN AMRO (step 8): log in (e.dentifier, Access Online or the app) and approve "Boekhoudkoppeling aanvragen"."""

from __future__ import annotations

from urllib.parse import urljoin

from client_sdk.portal import WizardError
from scenarios.catalogue.roles import CONSENTED
from scenarios.catalogue.roles import LOGIN_WORDS
from scenarios.catalogue.roles import PHONE
from scenarios.catalogue.roles import PORTAL
from scenarios.catalogue.roles import SOFTWARE
from scenarios.catalogue.roles import think
from scenarios.catalogue.wizard import person


def _login_fields(means: dict) -> dict:
    if means["kind"] == "edentifier":
        return {
            "account_number": means["accountNumber"],
            "card_number": means["cardNumber"],
            "response_code": means["responseCode"],
        }
    if means["kind"] == "access_online":
        return {"user_id": means["userId"], "card_number": means["cardNumber"], "response_code": means["responseCode"]}
    return {}


def log_in_with_app(ctx) -> None:
    """ABN AMRO internet banking: log in with the app (account number, then the phone confirms)."""
    actor, wizard = person(ctx)
    browser = wizard.user
    with ctx.step(actor, "Boekhoudkoppeling aanvragen: log in with the ABN AMRO app") as step:
        browser.open(f"{ctx.urls.bank_auth}/internetbankieren/boekhoudkoppeling")
        browser.follow_link("login-app")
        browser.submit("form-app", {"account_number": ctx.company.current_iban})
        waiting = browser.page.find(id="app-waiting")
        ctx.expect(waiting is not None, f"no waiting page for the app: {browser.messages()}")
        step.outcome = "waiting for the app"
    think(ctx, 5, 20)
    with ctx.step(PHONE, "confirm the login on the phone") as step:
        phone = ctx.browser(PHONE)
        phone.open(urljoin(browser.response.url, browser.page.find("a", id="app-phone-link")["href"]))
        phone.submit("form-app-confirm")
        ctx.expect(phone.page.find(id="app-confirmed") is not None, f"the app did not confirm: {phone.messages()}")
        step.outcome = "Inloggen bevestigd"
    with ctx.step(actor, "continue on the computer") as step:
        status = browser.session.get(urljoin(browser.response.url, waiting["data-status-url"]))
        ctx.expect(status.json().get("confirmed") is True, "the bank does not see the app's confirmation")
        browser.follow_link("app-continue")
        ctx.expect(browser.has_form("form-accounting-link"), "Boekhoudkoppeling aanvragen did not open")
        step.outcome = "Boekhoudkoppeling aanvragen"


def register_at_bank(
    ctx,
    *,
    login: str = "edentifier",
    accounts: tuple[str, ...] = ("current",),
    decision: str = "approve",
    expect_states: tuple[str, ...] = CONSENTED,
) -> str:
    """ABN AMRO (step 8): "Boekhoudkoppeling aanvragen" with ``login``, Visma eAccounting, the serial as
    klantnummer, the chosen accounts, and approve (or cancel); returns the bank's message. The links must end
    in ``expect_states`` (a renewed consent brings an activated link straight back: ``("active",)``)."""
    actor, wizard = person(ctx)
    company = ctx.company
    ibans = [company.ibans[a] for a in accounts]
    think(ctx)
    if login == "app":
        log_in_with_app(ctx)
        think(ctx, 10, 40)
    means = company.login_means[login]
    ctx.remember("bankLogin", {"kind": login, **{k: v for k, v in means.items() if k != "kind"}})
    verb = "approve" if decision == "approve" else "cancel"
    how = "" if login == "app" else f" with {LOGIN_WORDS[login]}"
    with ctx.step(actor, f"Boekhoudkoppeling aanvragen{how}: {SOFTWARE}, {ctx.serial_number}, {verb}") as step:
        # After the app login the browser is logged in, so the page opens at the form and no login is asked.
        message = wizard.register_at_bank(
            software=SOFTWARE,
            serial_number=ctx.serial_number,
            ibans=ibans,
            login="access_online" if login == "access_online" else "edentifier",
            decision=decision,
            **_login_fields(means),
        )
        step.outcome = message
    if decision == "approve":
        ctx.expect("doorgegeven aan Visma eAccounting" in message, f"the bank said {message!r}")
        with ctx.step(PORTAL, "receive the bank's consents") as step:
            links = ctx.portal.timeline(ctx.serial_number)["links"]
            ctx.expect(sorted(link["iban"] for link in links) == sorted(ibans), f"the portal linked {links}")
            for link in links:
                states = [event["state"] for event in link["events"]]
                ctx.expect(
                    "consented" in states and link["state"] in expect_states,
                    f"{link['iban']} went {' -> '.join(states)}, not to {' or '.join(expect_states)}",
                )
            step.outcome = ", ".join(f"{link['iban']} {link['state']}" for link in links)
    ctx.remember("bankRegistration", {"login": login, "ibans": ibans, "decision": decision, "message": message})
    return message


def bank_login_refused(ctx, *, response_code: str) -> list[str]:
    """ABN AMRO: "Boekhoudkoppeling aanvragen" with an e.dentifier response; the login is refused, the bank's
    messages are returned."""
    actor, wizard = person(ctx)
    means = ctx.company.login_means["edentifier"]
    think(ctx, 10, 30)
    with ctx.step(actor, f"log in with the e.dentifier, response {response_code}") as step:
        try:
            wizard.register_at_bank(
                software=SOFTWARE,
                serial_number=ctx.serial_number,
                ibans=[ctx.company.current_iban],
                **{**_login_fields(means), "response_code": response_code},
            )
        except WizardError as refused:
            ctx.expect(refused.messages, "the bank refused the login without a message")
            step.outcome = " ".join(refused.messages)
            return refused.messages
        ctx.expect(False, f"the bank accepted response {response_code}")
    return []
