"""eAccounting (steps 1-4): "Schakel bankkoppeling in" over the API or in the browser, and the serial number.

Each keeps the serial number as ``ctx.serial_number`` (one per administration) and the portal link.
"""

from __future__ import annotations

from client_sdk.eaccounting import CHEQUE_ACCOUNT
from client_sdk.errors import InvalidRequestError
from scenarios.catalogue.company import remember_administration
from scenarios.catalogue.roles import ACCOUNT_WORDS
from scenarios.catalogue.roles import FIRM
from scenarios.catalogue.roles import PORTAL
from scenarios.catalogue.roles import USER
from scenarios.catalogue.roles import think


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
