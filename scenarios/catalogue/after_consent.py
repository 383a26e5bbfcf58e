"""After the bank's consent: the activation mail, the link, the one-cent tip, the daily import, billing, and
what happens when the mail is never clicked, the link expires, or the consent runs out (seed step 8, the tip,
conditions 4 and 5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from client_sdk.eaccounting import CHEQUE_ACCOUNT
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import first_of_next_month
from mockbank.sim.calendar import next_local_time
from scenarios.catalogue.registry import scenario
from scenarios.catalogue.steps import BANK
from scenarios.catalogue.steps import CLIENT
from scenarios.catalogue.steps import FIRM
from scenarios.catalogue.steps import PORTAL
from scenarios.catalogue.steps import USER
from scenarios.catalogue.steps import create_administration
from scenarios.catalogue.steps import enable_bank_connection
from scenarios.catalogue.steps import enable_bank_connection_in_browser
from scenarios.catalogue.steps import finish_wizard
from scenarios.catalogue.steps import onboard_up_to_consent
from scenarios.catalogue.steps import open_company_at_bank
from scenarios.catalogue.steps import person
from scenarios.catalogue.steps import register_at_bank
from scenarios.catalogue.steps import register_company_at_kvk
from scenarios.catalogue.steps import think
from scenarios.catalogue.steps import walk_wizard

# The help article's delays (the portal's defaults): the mail after five werkdagen, the first bookings five
# werkdagen after activation, an activation link that works 14 days, a consent of 90 days.
MAIL_WORKING_DAYS = 5
FIRST_IMPORT_WORKING_DAYS = 5
ACTIVATION_LINK_DAYS = 14
IMPORT_HOUR = 6
CENT = Decimal("0.01")


def link_states(ctx) -> dict[str, str]:
    """IBAN → link state, from the portal's timeline."""
    return {link["iban"]: link["state"] for link in ctx.portal.timeline(ctx.serial_number)["links"]}


def expect_links(ctx, wanted: str, ibans: list[str] | None = None) -> None:
    """Every link (or those of ``ibans``) is in state ``wanted``."""
    states = link_states(ctx)
    for iban in ibans or list(states):
        ctx.expect(states.get(iban) == wanted, f"the link of {iban} is {states.get(iban)}, not {wanted}")


def ibans_of(ctx, accounts: tuple[str, ...]) -> list[str]:
    """The company's IBANs of the account kinds ``accounts``."""
    return [ctx.company.ibans[a] for a in accounts]


def receive_activation_mails(ctx, ibans: list[str]) -> dict[str, str]:
    """Visma portal: five werkdagen after consent, one activation mail per account; returns IBAN → link."""
    before = ctx.now
    ctx.advance(working_days=MAIL_WORKING_DAYS)
    with ctx.step(PORTAL, f"send the activation mail{'s' if len(ibans) > 1 else ''} to the rekeningbeheerder") as step:
        mails = ctx.portal.outbox(to=ctx.company.email, kind="activation")
        found = {m["iban"]: m for m in mails}
        ctx.expect(sorted(found) == sorted(ibans), f"activation mails for {sorted(found)}, not {sorted(ibans)}")
        for mail in found.values():
            sent = dt.datetime.fromisoformat(mail["sentAt"])
            ctx.expect(sent > before, "an activation mail went out before its five werkdagen")
            ctx.expect("Zonder activatie wordt de koppeling niet actief" in mail["text"], "the mail lacks the warning")
        expect_links(ctx, "activation_sent", ibans)
        step.outcome = "; ".join(f"{m['subject']} → {m['to']}" for m in found.values())
    urls = {iban: next(link["url"] for link in m["links"] if link["kind"] == "activate") for iban, m in found.items()}
    for iban, url in urls.items():
        ctx.link(f"activation {iban}", url)
    ctx.remember("activationMails", [{"iban": iban, "subject": found[iban]["subject"]} for iban in ibans])
    return urls


def activate(ctx, urls: dict[str, str], *, actor: str | None = None) -> None:
    """The rekeningbeheerder clicks every activation link and presses "Activeer de koppeling"."""
    actor = actor or person(ctx)[0]
    wizard = ctx.wizard(actor)
    for iban, url in urls.items():
        think(ctx, 60, 600)
        with ctx.step(actor, f"open the activation mail of {iban} and activate") as step:
            state = wizard.activate(url)
            ctx.expect(state == "activated", f"the page says {state}, not activated")
            step.outcome = wizard.text("activated")
    expect_links(ctx, "activated", list(urls))


def transfer_one_cent(ctx, iban: str, *, actor: str | None = None) -> None:
    """The tip: a cent from the rekeningbeheerder's private account (at the same bank) to ``iban``."""
    actor = actor or person(ctx)[0]
    company = ctx.company
    think(ctx, 60, 900)
    with ctx.step(actor, f"the tip: transfer one cent to {iban}") as step:
        private = ctx.bank.create_customer(name=company.person, kind="retail")
        opened = ctx.bank.open_account(customer_id=private["id"], product="current", balance="25.00")
        booked = ctx.bank.transfer(
            debtor_iban=opened["iban"],
            creditor_iban=iban,
            amount=CENT,
            description="Eén cent voor de bankkoppeling",
            creditor_name=company.name,
        )
        ctx.expect(any(b["iban"] == iban for b in booked), "the bank booked no cent on the linked account")
        step.outcome = f"€ 0,01 from {opened['iban']}"
    ctx.remember("oneCent", {"from": opened["iban"], "to": iban})


def transfer_one_cent_by_hand(ctx, debtor: str, creditor: str, *, actor: str | None = None) -> None:
    """The tip by hand: the rekeningbeheerder logs in to ABN AMRO internet banking, Overboeken one cent from
    ``debtor`` to ``creditor`` (both the company's), checks the name and confirms with the e.dentifier."""
    actor = actor or person(ctx)[0]
    browser = ctx.wizard(actor).user
    means = ctx.company.login_means["edentifier"]
    think(ctx, 60, 900)
    with ctx.step(actor, "ABN AMRO Internet Bankieren: Overboeken") as step:
        browser.open(f"{ctx.urls.bank_auth}/internetbankieren/overboeken")
        if browser.has_form("form-transfer"):
            step.outcome = "still logged in since Boekhoudkoppeling aanvragen"
        else:
            browser.follow_link("login-edentifier")
            browser.submit(
                "form-edentifier",
                {
                    "account_number": means["accountNumber"],
                    "card_number": means["cardNumber"],
                    "response_code": means["responseCode"],
                },
            )
            step.outcome = "logged in with the e.dentifier"
        ctx.expect(browser.has_form("form-transfer"), f"Overboeken did not open: {browser.messages()}")
    think(ctx, 20, 90)
    with ctx.step(actor, f"one cent from {debtor} to {creditor}, Eén cent voor de bankkoppeling") as step:
        browser.submit(
            "form-transfer",
            {"debtor": debtor, "to_own": creditor, "amount": "0,01", "description": "Eén cent voor de bankkoppeling"},
        )
        check = browser.page.find(id="name-check")
        ctx.expect(check is not None, f"the bank did not take the order: {browser.messages()}")
        ctx.expect(check["data-result"] == "match", f"the name check says {check['data-result']}")
        step.outcome = f"{browser.page.find(id='order-amount').get_text(strip=True)}; naam-nummercontrole: match"
    think(ctx, 10, 40)
    with ctx.step(actor, "confirm with the e.dentifier's response") as step:
        browser.submit("form-sign-edentifier", {"response_code": means["responseCode"]})
        done = browser.page.find(id="transfer-done")
        ctx.expect(done is not None, f"the transfer was not booked: {browser.messages()}")
        step.outcome = done.get_text(" ", strip=True)
    ctx.remember("oneCent", {"from": debtor, "to": creditor, "by": "internet banking"})


def after_next_import(ctx) -> None:
    """Move the clock to half an hour after the next daily import (06:00 Amsterdam) that is still to come.

    Not simply "the next 06:30": between 06:00 and 06:30 that is today's, whose import has already run.
    """
    ctx.advance(to=next_local_time(ctx.now, IMPORT_HOUR) + dt.timedelta(minutes=30))


def first_import(ctx, ibans: list[str]) -> None:
    """Visma portal: the daily import five werkdagen after activation brings the cent; the links become active."""
    ctx.advance(working_days=FIRST_IMPORT_WORKING_DAYS)
    after_next_import(ctx)
    with ctx.step(PORTAL, "the daily import at 06:00 fetches the first bookings") as step:
        runs = [r for r in ctx.portal.imports() if r["iban"] in ibans and r["imported"]]
        ctx.expect(sorted({r["iban"] for r in runs}) == sorted(ibans), f"bookings imported only for {runs}")
        expect_links(ctx, "active", ibans)
        step.outcome = "; ".join(f"{r['iban']}: {r['imported']} booking(s)" for r in runs)
    with ctx.step(USER, "see the bookings in eAccounting (/v2/banktransactions)") as step:
        api = ctx.eaccounting(ctx.administration.access_token)
        seen = []
        for account_id in ctx.administration.accounts.values():
            account = api.get_bank_account(account_id)
            if account.iban not in ibans:
                continue
            ctx.expect(account.has_active_bank_agreement, f"{account.name} has no active bank agreement")
            rows = api.unmatched_transactions(account_id, from_date=_first_day(ctx), to_date=_today(ctx))
            ctx.expect(rows, f"eAccounting shows no bookings for {account.name}")
            seen.append(f"{account.name}: {len(rows)} ({', '.join(str(r.transaction_amount) for r in rows)})")
        step.outcome = "; ".join(seen)


def _today(ctx) -> str:
    return ctx.now.astimezone(AMSTERDAM).date().isoformat()


def _first_day(ctx) -> str:
    # The scenario's first day: every booking since then.
    return (ctx.now.astimezone(AMSTERDAM).date() - dt.timedelta(days=ctx.day() - 1)).isoformat()


def activate_and_import(ctx, accounts: tuple[str, ...] = ("current",), *, actor: str | None = None) -> None:
    """After consent: the mails, the activation, the cent, the first import."""
    ibans = ibans_of(ctx, accounts)
    urls = receive_activation_mails(ctx, ibans)
    activate(ctx, urls, actor=actor)
    if len(ibans) > 1:
        # One cent between the two linked accounts books on both.
        transfer_between(ctx, ibans[0], ibans[1], actor=actor)
    else:
        transfer_one_cent(ctx, ibans[0], actor=actor)
    first_import(ctx, ibans)


def transfer_between(ctx, debtor: str, creditor: str, *, actor: str | None = None) -> None:
    """The tip for two linked accounts: one cent from one to the other books on both."""
    actor = actor or person(ctx)[0]
    think(ctx, 60, 900)
    with ctx.step(actor, f"the tip: transfer one cent from {debtor} to {creditor}") as step:
        booked = ctx.bank.transfer(debtor_iban=debtor, creditor_iban=creditor, amount=CENT, description="Eén cent")
        ctx.expect(len(booked) == 2, f"the bank booked {len(booked)} side(s), not both")
        step.outcome = "€ 0,01, booked on both accounts"


# --- the happy path and its variants ---------------------------------------------------------------------


@scenario(
    "happy_path",
    "The seed's happy path: e.dentifier registration, activation mail after five werkdagen, activation, "
    "one cent, first import: active",
)
def happy_path(ctx, fake) -> None:
    """Steps 1-8 and the tip, until the first booking is in eAccounting."""
    onboard_up_to_consent(ctx, login="edentifier")
    activate_and_import(ctx)


@scenario("app_login", "The happy path to an active link, logging in at ABN AMRO with the mobile app")
def app_login(ctx, fake) -> None:
    """The same with the ABN AMRO app."""
    onboard_up_to_consent(ctx, login="app")
    activate_and_import(ctx)


@scenario("access_online", "The happy path to an active link, registering through Access Online")
def access_online(ctx, fake) -> None:
    """The same through Access Online."""
    onboard_up_to_consent(ctx, login="access_online")
    activate_and_import(ctx)


@scenario(
    "accounting_firm",
    "An accounting firm does steps 1-4; its client does the rest from the link and activates: active",
)
def accounting_firm(ctx, fake) -> None:
    """Condition 6 to the end: the client, who never logs in to eAccounting, gets and clicks the mail."""
    open_company_at_bank(ctx)
    register_company_at_kvk(ctx)
    create_administration(ctx, current=False, accounting_firm=f"Administratiekantoor {fake.last_name()}")
    serial, portal_link = enable_bank_connection_in_browser(ctx, actor=FIRM)
    ctx.note(FIRM, f"send serial {serial} and the portal link to {ctx.company.person}", portal_link)
    walk_wizard(ctx, actor=CLIENT, link=portal_link)
    register_at_bank(ctx, login="edentifier")
    finish_wizard(ctx)
    activate_and_import(ctx, actor=CLIENT)


@scenario(
    "savings_account",
    "A Spaarrekening with its own IBAN beside the Rekening-courant: two mails, both activated, both active",
)
def savings_account(ctx, fake) -> None:
    """Condition 1: both accounts linked; one cent between them makes both active."""
    onboard_up_to_consent(ctx, accounts=("current", "savings"))
    activate_and_import(ctx, ("current", "savings"))


@scenario(
    "third_account_billed",
    "Three linked accounts: the first two free, the third billed € 2,25 after the month ends",
)
def third_account_billed(ctx, fake) -> None:
    """Condition 4: a second Rekening-courant makes three linked accounts in one month."""
    open_company_at_bank(ctx, savings=True)
    register_company_at_kvk(ctx)
    create_administration(ctx, savings=True)
    with ctx.step(BANK, "open a second Rekening-courant") as step:
        opened = ctx.bank.open_account(customer_id=ctx.company.customer_id, product="current", balance="100.00")
        ctx.company.ibans["second"] = opened["iban"]
        step.outcome = opened["iban"]
    with ctx.step(USER, "add it in eAccounting: ABN AMRO 2, Rekening-courant") as step:
        api = ctx.eaccounting(ctx.administration.access_token)
        added = api.create_bank_account(name="ABN AMRO 2", bank_account_type=CHEQUE_ACCOUNT, iban=opened["iban"])
        ctx.administration.accounts["second"] = added.id
        step.outcome = f"{added.name} ({added.ledger_account_number})"
    for account in ("current", "savings", "second"):
        enable_bank_connection(ctx, account)
    walk_wizard(ctx)
    register_at_bank(ctx, accounts=("current", "savings", "second"))
    finish_wizard(ctx)
    ibans = ibans_of(ctx, ("current", "savings", "second"))
    urls = receive_activation_mails(ctx, ibans)
    activate(ctx, dict(sorted(urls.items(), key=lambda item: ibans.index(item[0]))))
    month = ctx.now.astimezone(AMSTERDAM).strftime("%Y-%m")
    end = first_of_next_month(ctx.now)
    ctx.advance(to=end - dt.timedelta(minutes=1))
    with ctx.step(PORTAL, f"nothing billed for {month} before it ends") as step:
        ctx.expect(ctx.portal.billing(month=month) == [], f"{month} was billed before it ended")
        step.outcome = "no billing line yet"
    ctx.advance(to=end + dt.timedelta(minutes=1))
    with ctx.step(PORTAL, f"bill {month}: two accounts free, the third € 2,25") as step:
        [line] = ctx.portal.billing(administration_id=ctx.administration.id, month=month)
        ctx.expect(line["linkedAccounts"] == 3, f"{line['linkedAccounts']} linked accounts, not 3")
        ctx.expect((line["billedAccounts"], line["amount"]) == (1, "2.25"), f"billed {line['amount']}, not 2.25")
        billed = [a["iban"] for a in line["accounts"] if not a["free"]]
        ctx.expect(billed == [ibans[2]], f"billed {billed}, not the last activated {ibans[2]}")
        step.outcome = f"{month}: {line['linkedAccounts']} accounts, {line['freeAccounts']} free, € {line['amount']}"
    ctx.remember("billing", line)


# --- when the activation link is not used ----------------------------------------------------------------


@scenario(
    "activation_never_clicked",
    "The activation mail is never clicked: the link stays inactive, nothing is imported, then it expires",
)
def activation_never_clicked(ctx, fake) -> None:
    """Step 8's warning: without the activation link the connection does not become active."""
    onboard_up_to_consent(ctx)
    iban = ctx.company.current_iban
    receive_activation_mails(ctx, [iban])
    transfer_one_cent(ctx, iban)
    ctx.advance(days=ACTIVATION_LINK_DAYS - 1)
    with ctx.step(PORTAL, "the daily import leaves a link that was never activated alone") as step:
        expect_links(ctx, "activation_sent", [iban])
        ctx.expect(ctx.portal.imports(iban=iban) == [], "bookings were fetched for a link that was never activated")
        api = ctx.eaccounting(ctx.administration.access_token)
        account = api.get_bank_account(ctx.administration.accounts["current"])
        ctx.expect(not account.has_active_bank_agreement, "eAccounting shows an active agreement")
        step.outcome = "still activation_sent; no import, HasActiveBankAgreement false"
    ctx.advance(days=1)
    with ctx.step(PORTAL, "the activation link expires; a mail says how to get a new one") as step:
        expect_links(ctx, "expired", [iban])
        mail = ctx.portal.latest_mail(to=ctx.company.email)
        ctx.expect(mail["kind"] == "activation_expired", f"the last mail is {mail['kind']}, not activation_expired")
        step.outcome = mail["subject"]
    ctx.remember("expiredMail", {"subject": mail["subject"], "links": [link["kind"] for link in mail["links"]]})


@scenario(
    "activation_link_expired_renewed",
    "The activation link expires unused; a new one is requested from its page, activated, and the link goes active",
)
def activation_link_expired_renewed(ctx, fake) -> None:
    """An expired link is not the end: its page mails a new one while the bank's consent is valid."""
    onboard_up_to_consent(ctx)
    iban = ctx.company.current_iban
    [first] = receive_activation_mails(ctx, [iban]).values()
    ctx.advance(days=ACTIVATION_LINK_DAYS)
    actor, wizard = person(ctx)
    with ctx.step(PORTAL, "the activation link expires") as step:
        expect_links(ctx, "expired", [iban])
        mail = ctx.portal.latest_mail(to=ctx.company.email, kind="activation_expired")
        renew = next(link["url"] for link in mail["links"] if link["kind"] == "renew")
        step.outcome = mail["subject"]
    think(ctx, 300, 3600)
    with ctx.step(actor, "open the expired link and ask for a new one") as step:
        message = wizard.request_new_activation_link(renew)
        ctx.expect("nieuwe activatielink" in message, f"the page says {message!r}")
        step.outcome = message
    with ctx.step(PORTAL, "mail a new activation link at once") as step:
        newest = ctx.portal.latest_mail(to=ctx.company.email, kind="activation")
        url = next(link["url"] for link in newest["links"] if link["kind"] == "activate")
        ctx.expect(url != first, "the new mail carries the old link")
        expect_links(ctx, "activation_sent", [iban])
        step.outcome = newest["subject"]
    activate(ctx, {iban: url})
    transfer_one_cent(ctx, iban)
    first_import(ctx, [iban])


# --- when the consent runs out ------------------------------------------------------------------------


@scenario(
    "consent_expired_renewed",
    "After 90 days the bank's consent expires; bookings of the gap arrive once it is renewed at the bank",
)
def consent_expired_renewed(ctx, fake) -> None:
    """Consent expiry and renewal without losing a booking."""
    onboard_up_to_consent(ctx)
    activate_and_import(ctx)
    iban = ctx.company.current_iban
    [consent] = [c for c in ctx.bank.consents(client_id=ctx.portal.bank_client()["clientId"]) if c["iban"] == iban]
    ctx.advance(to=dt.datetime.fromisoformat(consent["validUntil"]) + dt.timedelta(minutes=1))
    with ctx.step(PORTAL, "the consent has expired: the link too, and a mail says what to do") as step:
        expect_links(ctx, "expired", [iban])
        mail = ctx.portal.latest_mail(to=ctx.company.email)
        ctx.expect(mail["kind"] == "consent_expired", f"the last mail is {mail['kind']}, not consent_expired")
        ctx.expect(ctx.serial_number in mail["text"], "the mail does not name the serial number to use at the bank")
        step.outcome = mail["subject"]
    with ctx.step(BANK, "card payments while the link is expired") as step:
        for _ in range(3):
            amount = Decimal(fake.random_int(150, 9_500)).scaleb(-2)
            ctx.bank.book(iban=iban, amount=-amount, description_lines=[f"BEA betaling {fake.company()}"[:32]])
            ctx.advance(hours=fake.random_int(3, 30))
        step.outcome = "3 bookings"
    think(ctx, 600, 7200)
    register_at_bank(ctx, login="edentifier", expect_states=("active",))
    with ctx.step(PORTAL, "the renewed consent brings the link straight back") as step:
        expect_links(ctx, "active", [iban])
        step.outcome = "active again, no new activation"
    after_next_import(ctx)
    with ctx.step(USER, "every booking since activation is in eAccounting, none twice") as step:
        api = ctx.eaccounting(ctx.administration.access_token)
        rows = api.unmatched_transactions(ctx.administration.accounts["current"], from_date=_first_day(ctx))
        at_bank = [b for b in ctx.bank.bookings(iban, limit=500) if b["bookDate"] >= _activation_day(ctx, iban)]
        ctx.expect(len(rows) == len(at_bank), f"eAccounting has {len(rows)} bookings, the bank {len(at_bank)}")
        ctx.expect(len({r.id for r in rows}) == len(rows), "a booking was imported twice")
        step.outcome = f"{len(rows)} bookings, the cent and the three of the gap"


def _activation_day(ctx, iban: str) -> str:
    link = next(link for link in ctx.portal.timeline(ctx.serial_number)["links"] if link["iban"] == iban)
    activated = next(e["at"] for e in link["events"] if e["state"] == "activated")
    return dt.datetime.fromisoformat(activated).astimezone(AMSTERDAM).date().isoformat()


# --- the tip by hand ---------------------------------------------------------------------------------------


@scenario(
    "cent_by_hand",
    "The tip by hand: one cent from the Spaarrekening in ABN AMRO internet banking makes the activated link "
    "active on the next import",
)
def cent_by_hand(ctx, fake) -> None:
    """The Rekening-courant linked and activated; the cent made by clicking in internet banking, not the sandbox."""
    open_company_at_bank(ctx, savings=True)
    register_company_at_kvk(ctx)
    create_administration(ctx)
    enable_bank_connection(ctx, "current")
    walk_wizard(ctx)
    register_at_bank(ctx, login="edentifier")
    finish_wizard(ctx)
    iban = ctx.company.current_iban
    activate(ctx, receive_activation_mails(ctx, [iban]))
    transfer_one_cent_by_hand(ctx, ctx.company.ibans["savings"], iban)
    first_import(ctx, [iban])
