"""The onboarding up to bank consent: the seed's conditions and steps 1-8, before any activation mail.

Every scenario here ends before the activation link is sent; the scenarios after consent (activation,
the daily import, billing) build on the same steps.
"""

from __future__ import annotations

from scenarios.catalogue.registry import scenario
from scenarios.catalogue.steps import ACCOUNT_MANAGER
from scenarios.catalogue.steps import BANK
from scenarios.catalogue.steps import CLIENT
from scenarios.catalogue.steps import FIRM
from scenarios.catalogue.steps import PORTAL
from scenarios.catalogue.steps import bank_login_refused
from scenarios.catalogue.steps import create_administration
from scenarios.catalogue.steps import enable_bank_connection
from scenarios.catalogue.steps import enable_bank_connection_in_browser
from scenarios.catalogue.steps import expect_registration
from scenarios.catalogue.steps import fill_contact
from scenarios.catalogue.steps import fill_details
from scenarios.catalogue.steps import finish_wizard
from scenarios.catalogue.steps import kvk_search_fails
from scenarios.catalogue.steps import kvk_typo
from scenarios.catalogue.steps import onboard_up_to_consent
from scenarios.catalogue.steps import open_company_at_bank
from scenarios.catalogue.steps import person
from scenarios.catalogue.steps import register_at_bank
from scenarios.catalogue.steps import register_company_at_kvk
from scenarios.catalogue.steps import start_wizard
from scenarios.catalogue.steps import try_enable_bank_connection
from scenarios.catalogue.steps import walk_wizard
from scenarios.catalogue.steps import wizard_refuses_details


@scenario(
    "happy_path_consented",
    "Rekening-courant linked from ABN AMRO internet banking with the e.dentifier, up to consent (before activation)",
)
def happy_path_consented(ctx, fake) -> None:
    """The seed's happy path up to bank consent."""
    onboard_up_to_consent(ctx, login="edentifier")


@scenario("app_login_consented", "The happy path up to consent, logging in at ABN AMRO with the mobile app")
def app_login_consented(ctx, fake) -> None:
    """The same with the ABN AMRO app: the phone confirms the login."""
    onboard_up_to_consent(ctx, login="app")


@scenario("access_online_consented", "The happy path up to consent, through Access Online (user id and e.dentifier)")
def access_online_consented(ctx, fake) -> None:
    """The same through Access Online, the corporate login."""
    onboard_up_to_consent(ctx, login="access_online")


@scenario(
    "accounting_firm_consented",
    "An accounting firm does steps 1-4 in eAccounting; its client does the rest from the portal link and serial",
)
def accounting_firm_consented(ctx, fake) -> None:
    """Condition 6: the firm passes the serial number and the portal link on; the client needs no eAccounting."""
    open_company_at_bank(ctx)
    register_company_at_kvk(ctx)
    firm = f"Administratiekantoor {fake.last_name()}"
    create_administration(ctx, current=False, accounting_firm=firm)
    serial, portal_link = enable_bank_connection_in_browser(ctx, actor=FIRM)
    ctx.note(FIRM, f"send serial {serial} and the portal link to {ctx.company.person}", portal_link)
    walk_wizard(ctx, actor=CLIENT, link=portal_link)
    register_at_bank(ctx, login="edentifier")
    finish_wizard(ctx)
    registration = ctx.world["registration"]
    ctx.expect(registration["contactEmail"] == ctx.company.email, "the client is not the registration's contact")
    ctx.expect(ctx.world["administration"]["accountingFirm"] == firm, f"the administration is not managed by {firm}")


@scenario(
    "savings_account_consented",
    "A Spaarrekening with its own IBAN linked beside the Rekening-courant (one serial), up to consent",
)
def savings_account_consented(ctx, fake) -> None:
    """Condition 1: a spaarrekening with its own IBAN can be linked too; both get the administration's serial."""
    onboard_up_to_consent(ctx, accounts=("current", "savings"))


@scenario("kasrekening_refused", "Schakel bankkoppeling in on the Kasrekening is refused with its reason")
def kasrekening_refused(ctx, fake) -> None:
    """Condition 1: a Kasrekening cannot be linked; the page says why and no preparation starts."""
    open_company_at_bank(ctx)
    register_company_at_kvk(ctx)
    create_administration(ctx)
    refusal = try_enable_bank_connection(ctx, "cash")
    ctx.expect("Een kasrekening kan niet aan de bank worden gekoppeld." in refusal, f"the refusal says {refusal!r}")
    administration = ctx.administration
    with ctx.step("eAccounting-gebruiker", "open the Kasrekening's Bankkoppelingen inschakelen page") as step:
        browser = ctx.browser("eAccounting-gebruiker")
        browser.open(administration.login_url)
        browser.open(
            f"{ctx.urls.eaccounting}/instellingen/kas-en-bankrekeningen/{administration.accounts['cash']}/bankkoppeling"
        )
        shown = browser.page.find(id="connection-refusal")
        ctx.expect(shown is not None and "kasrekening" in shown.get_text().lower(), "the page shows no refusal")
        ctx.expect(not browser.has_form("form-enable-connection"), "the page still offers Schakel bankkoppeling in")
        step.outcome = shown.get_text(" ", strip=True)
    with ctx.step(PORTAL, "nothing prepared for the Kasrekening") as step:
        ctx.expect(ctx.portal.jobs() == [], "the portal scheduled work for a refused account")
        ctx.expect(ctx.portal.registrations() == [], "the portal opened a registration")
        current = ctx.eaccounting(administration.access_token).bank_connection(administration.accounts["current"])
        ctx.expect(current.can_enable, "the Rekening-courant cannot be linked either")
        step.outcome = "no job, no serial; the Rekening-courant can still be linked"


@scenario("consent_cancelled_at_bank", "The rekeningbeheerder cancels Boekhoudkoppeling aanvragen at ABN AMRO")
def consent_cancelled_at_bank(ctx, fake) -> None:
    """Cancel at the bank: nothing is linked, and the wizard waits at Bankconsent."""
    open_company_at_bank(ctx)
    register_company_at_kvk(ctx)
    create_administration(ctx)
    enable_bank_connection(ctx)
    walk_wizard(ctx)
    message = register_at_bank(ctx, decision="cancel")
    ctx.expect("geannuleerd" in message, f"the bank said {message!r}")
    _, wizard = person(ctx)
    with ctx.step(ACCOUNT_MANAGER, "Bankconsent -> Volgende") as step:
        wizard.user.open(f"{ctx.urls.portal}/registratie/bankconsent")
        wizard.user.submit("form-bank-consent")
        ctx.expect(wizard.current_step() == "bankconsent", "the wizard moved on without consent")
        messages = [m for m in wizard.user.messages() if "nog geen toestemming" in m]
        ctx.expect(messages, f"the wizard does not say consent is missing: {wizard.user.messages()}")
        step.outcome = messages[0]
    expect_registration(ctx, "contact")
    ctx.expect(ctx.world["consents"] == [], "the bank made consents for a cancelled registration")


@scenario("edentifier_blocked", "Three wrong e.dentifier responses at ABN AMRO block the login means")
def edentifier_blocked(ctx, fake) -> None:
    """Three wrong responses block the e.dentifier; even the right one is refused afterwards."""
    open_company_at_bank(ctx)
    register_company_at_kvk(ctx)
    create_administration(ctx)
    enable_bank_connection(ctx)
    walk_wizard(ctx)
    right = ctx.company.login_means["edentifier"]["responseCode"]
    wrong = []
    while len(wrong) < 3:
        code = fake.numerify("#" * len(right))
        if code != right:
            wrong.append(code)
    for attempt, code in enumerate(wrong, start=1):
        messages = " ".join(bank_login_refused(ctx, response_code=code))
        expected = "geblokkeerd, omdat er drie keer" if attempt == 3 else "De response is onjuist"
        ctx.expect(expected in messages, f"attempt {attempt}: the bank said {messages!r}")
    messages = " ".join(bank_login_refused(ctx, response_code=right))
    ctx.expect("geblokkeerd" in messages, f"the right response after the block: the bank said {messages!r}")
    with ctx.step(BANK, "the e.dentifier's state") as step:
        user = next(u for u in ctx.bank.users() if u["id"] == ctx.company.user_id)
        means = next(m for m in user["loginMeans"] if m["kind"] == "edentifier")
        ctx.expect(means["blocked"], "the bank does not show the e.dentifier as blocked")
        step.outcome = f"login means {means['id']} blocked (unblock: POST /sandbox/login-means/{means['id']}/unblock)"
    ctx.remember("blockedLoginMeans", {"id": means["id"], "wrongResponses": wrong})
    expect_registration(ctx, "contact")


@scenario(
    "unknown_kvk_number",
    "A mistyped KvK number the Handelsregister does not know is refused at Gegevens, then corrected",
)
def unknown_kvk_number(ctx, fake) -> None:
    """Condition 3: the wizard looks the KvK number up; an unknown one is refused at its field."""
    open_company_at_bank(ctx)
    register_company_at_kvk(ctx)
    create_administration(ctx)
    enable_bank_connection(ctx)
    start_wizard(ctx)
    taken = {c["kvkNummer"] for c in ctx.portal.kvk_companies()}
    typo = kvk_typo(ctx, ctx.company.kvk_number, taken)
    kvk_search_fails(ctx, typo)
    message = wizard_refuses_details(ctx, kvk_number=typo, field_name="kvk_number")
    ctx.expect("niet gevonden in het Handelsregister" in message, f"the field says {message!r}")
    expect_registration(ctx, "prepared")
    fill_details(ctx)
    fill_contact(ctx)
    expect_registration(ctx, "contact")
    ctx.remember("unknownKvkNumber", typo)
