"""Reusable steps of the onboarding (the seed's conditions and steps 1-8), each over a ``ScenarioContext``.

Each step records itself on the timeline, checks its outcome with ``ctx.expect`` and keeps what later
steps need on the context: ``ctx.company`` (the business at the bank), ``ctx.administration`` (its
eAccounting administration), ``ctx.serial_number``, ``ctx.wizard_person`` (who goes through the portal's
wizard, in their own browser: ``ctx.wizard(ctx.wizard_person)``). Everything goes over HTTP through
``client_sdk``; Faker data come from ``ctx.fake``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from urllib.parse import urljoin

from client_sdk.eaccounting import CASH_ACCOUNT
from client_sdk.eaccounting import CHEQUE_ACCOUNT
from client_sdk.eaccounting import SAVINGS_ACCOUNT
from client_sdk.errors import InvalidRequestError
from client_sdk.errors import NotFoundError
from client_sdk.portal import PortalWizard
from client_sdk.portal import WizardError

# Roles on the timeline (the seed's own words where it has them).
USER = "eAccounting-gebruiker"
ACCOUNT_MANAGER = "Rekeningbeheerder"
BANK = "ABN AMRO"
PORTAL = "Visma portal"
FIRM = "Administratiekantoor"
CLIENT = "Cliënt"
KVK = "KvK"
PHONE = "ABN AMRO app"

SOFTWARE = "Visma eAccounting"
LOGIN_WORDS = {"edentifier": "the e.dentifier", "app": "the ABN AMRO app", "access_online": "Access Online"}
ACCOUNT_WORDS = {
    "current": "Rekening-courant",
    "savings": "Spaarrekening",
    "cash": "Kasrekening",
    "second": "tweede Rekening-courant",
}
# A link whose consent is in and whose activation mail is not sent yet (the mail waits about five werkdagen).
CONSENTED = ("consented", "activation_scheduled")
# KvK numbers the portal's register answers with a technical fault: never a company's number.
KVK_ERROR_NUMBERS = frozenset({"90004973", "90002903"})


@dataclass
class Company:
    """A business customer at ABN AMRO with its accounts and one online-banking user (the rekeningbeheerder)."""

    name: str
    kvk_number: str
    address: dict
    customer_id: int
    ibans: dict[str, str]
    user_id: int
    person: str
    email: str
    login_means: dict[str, dict] = field(default_factory=dict)

    @property
    def current_iban(self) -> str:
        """The IBAN of the Rekening-courant."""
        return self.ibans["current"]


@dataclass
class Administration:
    """An eAccounting administration: its id, API token, browser login link and bank accounts by kind."""

    id: int
    company_name: str
    access_token: str
    login_url: str
    accounts: dict[str, str]
    accounting_firm: str | None = None


def think(ctx, low: int = 20, high: int = 90) -> None:
    """A person takes a moment before the next click: simulated seconds drawn from the seed."""
    ctx.advance(seconds=ctx.fake.random_int(low, high))


def _money(fake, low_cents: int, high_cents: int) -> str:
    return format(Decimal(fake.random_int(low_cents, high_cents)).scaleb(-2), "f")


def _person(fake) -> tuple[str, str]:
    first, last = fake.first_name(), fake.last_name()
    # An address a mail server takes as is: ASCII letters of the name, "van der" run together.
    folded = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    local = "".join(ch for ch in folded.lower() if ch.isalnum() or ch == ".")
    return f"{first} {last}", f"{local}@{fake.safe_domain_name()}"


def kvk_typo(ctx, number: str, taken: set[str]) -> str:
    """``number`` with two neighbouring digits swapped (a typing error) that no registered company has;
    a fresh number when every swap is taken."""
    positions = list(range(len(number) - 1))
    ctx.fake.random.shuffle(positions)
    for i in positions:
        typo = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
        if typo != number and typo[0] != "0" and typo not in taken and typo not in KVK_ERROR_NUMBERS:
            return typo
    return draw_kvk_number(ctx, taken)


def draw_kvk_number(ctx, taken: set[str]) -> str:
    """Eight digits (no leading 0) that no company in the portal's KvK register has yet."""
    while True:
        number = ctx.fake.numerify("%#######")
        if number not in taken and number not in KVK_ERROR_NUMBERS:
            return number


# --- the world of the seed's conditions ---------------------------------------------------------------


def open_company_at_bank(ctx, *, savings: bool = False, login_means: tuple[str, ...] = ("edentifier",)) -> Company:
    """ABN AMRO: a business customer (Faker company, fresh KvK number) with a Rekening-courant, a Spaarrekening
    with its own IBAN when ``savings``, and a user with ``login_means``; kept as ``ctx.company``."""
    fake = ctx.fake
    name = fake.company()
    taken = {c["kvkNummer"] for c in ctx.portal.kvk_companies()}
    kvk_number = draw_kvk_number(ctx, taken)
    address = {
        "straatnaam": fake.street_name(),
        "huisnummer": fake.building_number(),
        "postcode": fake.postcode().replace(" ", ""),
        "plaats": fake.city(),
    }
    person, email = _person(fake)
    products = ("current", "savings") if savings else ("current",)
    kinds = " and a ".join(ACCOUNT_WORDS[p] for p in products)
    with ctx.step(BANK, f"open a business customer with a {kinds}") as step:
        customer = ctx.bank.create_customer(name=name, kind="business", trade_name=name, kvk_number=kvk_number)
        ibans = {}
        for product in products:
            low, high = (50_000, 2_500_000) if product == "current" else (100_000, 5_000_000)
            opened = ctx.bank.open_account(
                customer_id=customer["id"], product=product, balance=_money(fake, low, high), holder_name=name
            )
            ibans[product] = opened["iban"]
        user = ctx.bank.create_user(customer_id=customer["id"], name=person, email=email, login_means=login_means)
        means = {m["kind"]: m for m in user["loginMeans"]}
        ctx.expect(set(means) == set(login_means), f"the bank gave {person} {sorted(means)}, not {list(login_means)}")
        step.outcome = f"{name} (KvK {kvk_number}): " + ", ".join(ibans.values()) + f"; user {person}"
    ctx.company = Company(name, kvk_number, address, customer["id"], ibans, user["id"], person, email, means)
    ctx.remember("company", {"name": name, "kvkNumber": kvk_number, "address": address})
    ctx.remember(
        "bank",
        {
            "customerId": customer["id"],
            "accounts": ibans,
            "user": {"id": user["id"], "name": person, "email": email, "loginMeans": user["loginMeans"]},
        },
    )
    return ctx.company


def register_company_at_kvk(ctx) -> None:
    """KvK: the company in the portal's KvK register, so the wizard fills in its name."""
    company = ctx.company
    with ctx.step(KVK, f"register {company.name} in the Handelsregister") as step:
        ctx.portal.add_kvk_company(kvk_number=company.kvk_number, name=company.name, **company.address)
        found = ctx.kvk.search(company.kvk_number)["resultaten"][0]
        ctx.expect(found["naam"] == company.name, f"KvK Zoeken answers {found['naam']!r}, not {company.name!r}")
        step.outcome = f"KvK {company.kvk_number}: {found['naam']}, {company.address['plaats']}"


def create_administration(
    ctx, *, savings: bool = False, accounting_firm: str | None = None, current: bool = True
) -> Administration:
    """eAccounting (step 1): the company's administration with its Kasrekening, the ABN AMRO Rekening-courant
    and, when ``savings``, the Spaarrekening; kept as ``ctx.administration``."""
    company = ctx.company
    wanted = []
    if current:
        wanted.append({"Name": "ABN AMRO", "BankAccountType": CHEQUE_ACCOUNT, "Iban": company.ibans["current"]})
    if savings:
        wanted.append({"Name": "Spaarrekening", "BankAccountType": SAVINGS_ACCOUNT, "Iban": company.ibans["savings"]})
    actor = FIRM if accounting_firm else USER
    kinds = ["Kasrekening"] + [ACCOUNT_WORDS[k] for k, on in (("current", current), ("savings", savings)) if on]
    with ctx.step(actor, f"Instellingen - Kas- en bankrekeningen: {', '.join(kinds)}") as step:
        made = ctx.portal.create_administration(
            company_name=company.name,
            kvk_number=company.kvk_number,
            accounting_firm=accounting_firm,
            bank_accounts=wanted or None,
        )
        listed = ctx.eaccounting(made["accessToken"]).list_bank_accounts()
        by_type = {CASH_ACCOUNT: "cash", CHEQUE_ACCOUNT: "current", SAVINGS_ACCOUNT: "savings"}
        accounts = {by_type[a.bank_account_type]: a.id for a in listed}
        ctx.expect("cash" in accounts, "a new administration starts with its Kasrekening")
        ctx.expect(len(listed) == len(wanted) + 1, f"eAccounting lists {len(listed)} accounts, not {len(wanted) + 1}")
        step.outcome = "; ".join(
            f"{a.name} ({a.bank_account_type_description}, {a.ledger_account_number})" for a in listed
        )
    ctx.administration = Administration(
        made["id"], company.name, made["accessToken"], made["loginUrl"], accounts, accounting_firm
    )
    ctx.link("eAccounting", made["loginUrl"])
    remember_administration(ctx, listed)
    return ctx.administration


def remember_administration(ctx, listed=None) -> None:
    """Keep the administration with its accounts (as eAccounting lists them now) in the result."""
    administration = ctx.administration
    if listed is None:
        listed = ctx.eaccounting(administration.access_token).list_bank_accounts()
    accounts = [
        {
            "id": a.id,
            "name": a.name,
            "type": a.bank_account_type_description,
            "iban": a.iban,
            "ledgerAccountNumber": a.ledger_account_number,
        }
        for a in listed
    ]
    ctx.remember(
        "administration",
        {
            "id": administration.id,
            "companyName": administration.company_name,
            "kvkNumber": ctx.company.kvk_number,
            "accountingFirm": administration.accounting_firm,
            "accessToken": administration.access_token,
            "bankAccounts": accounts,
        },
    )


# --- steps 2-4: "Schakel bankkoppeling in" and the serial number -----------------------------------------


def enable_bank_connection(ctx, account: str = "current", *, actor: str = USER) -> str:
    """eAccounting (steps 2-4): "Schakel bankkoppeling in" on ``account``, the preparation, the serial number;
    kept as ``ctx.serial_number`` (one serial per administration)."""
    administration = ctx.administration
    api = ctx.eaccounting(administration.access_token)
    account_id = administration.accounts[account]
    with ctx.step(actor, f"Schakel bankkoppeling in ({ACCOUNT_WORDS[account]})") as step:
        enabled = api.enable_bank_connection(account_id)
        ctx.expect(enabled.status in ("Preparing", "Prepared"), f"the connection is {enabled.status}, not Preparing")
        step.outcome = "Bankkoppeling voorbereiden..." if enabled.status == "Preparing" else "al voorbereid"
    with ctx.step(PORTAL, "prepare the bank connection and issue the serial number") as step:
        serial = api.wait_for_serial(account_id, advance=lambda: ctx.advance(seconds=5))
        ctx.expect(len(serial) == 7 and serial.isdigit(), f"serial number {serial!r} is not 7 digits")
        known = vars(ctx).get("serial_number")
        ctx.expect(known in (None, serial), f"a second account got serial {serial}, not the administration's {known}")
        step.outcome = f"Serienummer {serial}"
    ctx.serial_number = serial
    ctx.remember("serialNumber", serial)
    ctx.link("portal", f"{ctx.urls.portal}/?licentienummer={serial}")
    return serial


def enable_bank_connection_in_browser(ctx, *, actor: str = FIRM) -> tuple[str, str]:
    """eAccounting in the browser (steps 1-4): add the Rekening-courant, "Schakel bankkoppeling in", wait for the
    serial number; returns (serial number, the portal link the page shows for a client)."""
    administration, company = ctx.administration, ctx.company
    browser = ctx.browser(actor)
    base = ctx.urls.eaccounting
    with ctx.step(actor, "log in to eAccounting: Instellingen - Kas- en bankrekeningen") as step:
        browser.open(administration.login_url)
        ctx.expect(browser.title.startswith("Kas- en bankrekeningen"), f"eAccounting shows {browser.title!r}")
        step.outcome = browser.title
    think(ctx)
    with ctx.step(actor, "new account: ABN AMRO, Rekening-courant, with the company's IBAN") as step:
        browser.follow_link("new-account")
        browser.submit(
            "form-account",
            {"name": "ABN AMRO", "account_type": str(CHEQUE_ACCOUNT), "iban": company.current_iban, "currency": "EUR"},
        )
        row = browser.page.find("td", string="Rekening-courant")
        ctx.expect(row is not None, "the settings table shows no Rekening-courant")
        cells = [td.get_text(strip=True) for td in row.find_parent("tr").find_all("td")][:5]
        account_id = row.find_parent("tr")["data-id"]
        step.outcome = " | ".join(cells)
    administration.accounts["current"] = account_id
    remember_administration(ctx)
    think(ctx)
    page = f"{base}/instellingen/kas-en-bankrekeningen/{account_id}/bankkoppeling"
    with ctx.step(actor, "Schakel bankkoppeling in (Rekening-courant)") as step:
        browser.open(page)
        browser.submit("form-enable-connection")
        status = browser.page.find(id="connection-status")
        ctx.expect(status is not None and status["data-status"] == "preparing", "the page does not say it prepares")
        step.outcome = status.get_text(" ", strip=True)
    with ctx.step(PORTAL, "prepare the bank connection and issue the serial number") as step:
        for _ in range(10):
            ctx.advance(seconds=5)
            browser.open(page)
            status = browser.page.find(id="connection-status")
            if status is not None and status["data-status"] == "prepared":
                break
        ctx.expect(status is not None and status.get("data-serial"), "no serial number on the page")
        serial = status["data-serial"]
        portal_link = browser.page.find("a", id="portal-link")["href"]
        ctx.expect(portal_link.startswith(ctx.urls.portal), f"the portal link {portal_link} is not the portal's")
        step.outcome = f"Serienummer {serial}; link {portal_link}"
    ctx.serial_number = serial
    ctx.remember("serialNumber", serial)
    ctx.link("portal", portal_link)
    return serial, portal_link


# --- steps 5-7: the portal's wizard -----------------------------------------------------------------------


def person(ctx) -> tuple[str, PortalWizard]:
    """(role, wizard) of the person going through the portal (``start_wizard`` chose them)."""
    return ctx.wizard_person, ctx.wizard(ctx.wizard_person)


def start_wizard(ctx, *, actor: str = ACCOUNT_MANAGER, link: str | None = None) -> None:
    """Portal (step 5): open "Koppel je bankrekening" (the link with the serial) and press Start."""
    ctx.wizard_person = actor
    wizard = ctx.wizard(actor)
    think(ctx)
    with ctx.step(actor, "open the portal link and press Start") as step:
        if link is None:
            wizard.start(ctx.serial_number)
        else:
            wizard.user.open(link)
            wizard.user.follow_link("start")
        ctx.expect(wizard.current_step() == "gegevens", f"the wizard shows {wizard.current_step()!r}, not Gegevens")
        serial = wizard.user.page.find(id="serial")
        filled = serial.get("value") if serial is not None else None
        if link is None or "licentienummer=" in link:
            ctx.expect(filled == ctx.serial_number, f"Licentienummer shows {filled!r}, not {ctx.serial_number}")
        step.outcome = "Gegevens, licentienummer ingevuld" if filled else "Gegevens"


def fill_details(ctx, *, kvk_number: str | None = None) -> None:
    """Portal (step 6) Gegevens: KvK-nummer (the name comes from the register), eAccounting, licentienummer,
    ABN AMRO, both terms; the registration moves to ``details``."""
    actor, wizard = person(ctx)
    company = ctx.company
    number = kvk_number or company.kvk_number
    think(ctx)
    with ctx.step(actor, f"Gegevens: KvK {number}, eAccounting, licentienummer {ctx.serial_number}, ABN AMRO") as step:
        wizard.fill_details(kvk_number=number, serial_number=ctx.serial_number)
        registration = ctx.portal.timeline(ctx.serial_number)["registration"]
        ctx.expect(registration["state"] == "details", f"the registration is {registration['state']}, not details")
        ctx.expect(
            registration["companyName"] == company.name,
            f"Bedrijfsnaam is {registration['companyName']!r}, not {company.name!r}",
        )
        step.outcome = f"Bedrijfsnaam {registration['companyName']}; on to Koppeling"


def fill_contact(ctx) -> None:
    """Portal (step 7) Koppeling: the rekeningbeheerder's name and e-mail address."""
    actor, wizard = person(ctx)
    company = ctx.company
    think(ctx)
    with ctx.step(actor, f"Koppeling: {company.person}, {company.email}") as step:
        wizard.fill_contact(name=company.person, email=company.email)
        ctx.expect(wizard.current_step() == "bankconsent", "the wizard did not move on to Bankconsent")
        links = wizard.bank_links()
        step.outcome = f"Bankconsent: start at ABN AMRO ({links['bank-registration']})"
    ctx.remember("rekeningbeheerder", {"name": company.person, "email": company.email})


def walk_wizard(ctx, *, actor: str = ACCOUNT_MANAGER, link: str | None = None) -> None:
    """Portal (steps 5-7): Start, Gegevens and Koppeling; the wizard then waits for the bank."""
    start_wizard(ctx, actor=actor, link=link)
    fill_details(ctx)
    fill_contact(ctx)


# --- step 8: the bank -------------------------------------------------------------------------------------


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


def finish_wizard(ctx) -> dict[str, str]:
    """Portal: Bankconsent -> Volgende, Rekeningen -> Volgende, Klaar -> Afronden; the registration is ``done``."""
    actor, wizard = person(ctx)
    think(ctx)
    with ctx.step(actor, "Bankconsent -> Volgende") as step:
        wizard.next_after_consent()
        shown = wizard.linked_accounts()
        step.outcome = "Rekeningen: " + ", ".join(f"{iban} {state}" for iban, state in shown.items())
    think(ctx)
    with ctx.step(actor, "Rekeningen -> Volgende") as step:
        wizard.confirm_accounts()
        next_steps = wizard.text("next-steps") or ""
        ctx.expect("vijf werkdagen" in next_steps, "Klaar does not promise the activation mail in vijf werkdagen")
        step.outcome = "Klaar: activation mail per account in about vijf werkdagen"
    with ctx.step(actor, "Klaar -> Afronden") as step:
        wizard.finish()
        step.outcome = wizard.text("finished")
    return expect_registration(ctx, "done", linked=list(shown))


def expect_registration(ctx, state: str, *, linked: list[str] = ()) -> dict[str, str]:
    """Visma portal: the registration is in ``state``; exactly the IBANs ``linked`` have a link, each past consent
    and before its activation mail. Returns IBAN -> link state."""
    with ctx.step(PORTAL, f"registration {ctx.serial_number}") as step:
        timeline = ctx.portal.timeline(ctx.serial_number)
        registration = timeline["registration"]
        found = {link["iban"]: link["state"] for link in timeline["links"]}
        ctx.expect(registration["state"] == state, f"the registration is {registration['state']}, not {state}")
        ctx.expect(sorted(found) == sorted(linked), f"the account links are {found}, not of {list(linked)}")
        late = {iban: link_state for iban, link_state in found.items() if link_state not in CONSENTED}
        ctx.expect(not late, f"links not waiting for their activation mail: {late}")
        consents = [
            {"id": c["id"], "iban": c["iban"], "status": c["status"]}
            for c in ctx.bank.consents(client_id=ctx.portal.bank_client()["clientId"])
        ]
        step.outcome = f"{state}; " + (", ".join(f"{i} {s}" for i, s in found.items()) or "no account linked")
    ctx.remember(
        "registration",
        {
            "serialNumber": ctx.serial_number,
            "state": registration["state"],
            "kvkNumber": registration["kvkNumber"],
            "companyName": registration["companyName"],
            "contactName": registration["contactName"],
            "contactEmail": registration["contactEmail"],
            "links": [
                {
                    "iban": link["iban"],
                    "state": link["state"],
                    "flow": link["flow"],
                    "bankAccountId": link["bankAccountId"],
                }
                for link in timeline["links"]
            ],
            "states": [event["state"] for event in registration["events"]],
        },
    )
    ctx.remember("consents", consents)
    return found


def onboard_up_to_consent(ctx, *, login: str = "edentifier", accounts: tuple[str, ...] = ("current",)) -> None:
    """The company at the bank and in the KvK register, its administration, the serial, the wizard, the bank's
    registration and Klaar: every account in ``accounts`` ends ``consented``."""
    open_company_at_bank(ctx, savings="savings" in accounts, login_means=(login,))
    register_company_at_kvk(ctx)
    create_administration(ctx, savings="savings" in accounts)
    for account in accounts:
        enable_bank_connection(ctx, account)
    walk_wizard(ctx)
    register_at_bank(ctx, login=login, accounts=accounts)
    finish_wizard(ctx)


# --- refusals ----------------------------------------------------------------------------------------------


def try_enable_bank_connection(ctx, account: str, *, actor: str = USER) -> str:
    """eAccounting: "Schakel bankkoppeling in" on an account that cannot be linked; returns the Dutch refusal."""
    api = ctx.eaccounting(ctx.administration.access_token)
    with ctx.step(actor, f"Schakel bankkoppeling in ({ACCOUNT_WORDS[account]})") as step:
        try:
            api.enable_bank_connection(ctx.administration.accounts[account])
        except InvalidRequestError as refused:
            ctx.expect(refused.status == 409, f"refused with HTTP {refused.status}, not 409")
            step.outcome = refused.dutch_message
            return refused.dutch_message
        ctx.expect(False, f"eAccounting enabled the bank connection of the {ACCOUNT_WORDS[account]}")
    return ""


def kvk_search_fails(ctx, kvk_number: str) -> None:
    """KvK: the number is not in the Handelsregister."""
    with ctx.step(KVK, f"KvK Zoeken {kvk_number}") as step:
        try:
            ctx.kvk.search(kvk_number)
        except NotFoundError as missing:
            step.outcome = "; ".join(f["omschrijving"] for f in missing.json_body.get("fout", [])) or "not found"
            return
        ctx.expect(False, f"KvK {kvk_number} is in the register")


def wizard_refuses_details(ctx, *, kvk_number: str, field_name: str) -> str:
    """Portal Gegevens with a value the portal refuses: the step stays at Gegevens, the message at the field."""
    actor, wizard = person(ctx)
    think(ctx)
    with ctx.step(actor, f"Gegevens: KvK {kvk_number}, eAccounting, licentienummer {ctx.serial_number}") as step:
        try:
            wizard.fill_details(kvk_number=kvk_number, serial_number=ctx.serial_number)
        except WizardError as refused:
            message = refused.field_errors.get(field_name, "")
            ctx.expect(message, f"no message at {field_name}: {refused.field_errors}")
            ctx.expect(wizard.current_step() == "gegevens", "the wizard left Gegevens")
            step.outcome = f"{field_name}: {message}"
            return message
        ctx.expect(False, f"the portal accepted KvK {kvk_number}")
    return ""


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
