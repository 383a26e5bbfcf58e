"""The portal's wizard as a person: ``PortalWizard`` walks the five steps (Gegevens, Koppeling, Bankconsent,
Rekeningen, Klaar) and the bank's "Boekhoudkoppeling aanvragen" page with a ``HeadlessUser``, finding
forms and fields by their ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

import requests

from client_sdk.headless import HeadlessUser
from client_sdk.headless import HeadlessUserError

PORTAL_BASE = "https://register.ebanking.vismasoftware.nl"
BANK_AUTH_BASE = "https://auth-sandbox.connect.abnamro.com"

# The wizard's steps: the page's ``data-step`` keys, in order.
STEPS = ("gegevens", "koppeling", "bankconsent", "rekeningen", "klaar")


class WizardError(HeadlessUserError):
    """A wizard step did not move on; ``field_errors`` maps field ids to their Dutch messages."""

    def __init__(self, message: str, *, url: str | None, messages: Iterable[str], field_errors: dict[str, str]):
        super().__init__(message, url=url, messages=messages)
        self.field_errors = field_errors


class PortalWizard:
    """A person going through the portal's wizard (and the bank's registration page) in a headless browser."""

    def __init__(
        self,
        *,
        portal_base: str = PORTAL_BASE,
        bank_auth_base: str = BANK_AUTH_BASE,
        user: HeadlessUser | None = None,
        session: requests.Session | None = None,
    ):
        self.portal_base = portal_base.rstrip("/")
        self.bank_auth_base = bank_auth_base.rstrip("/")
        self.user = user or HeadlessUser(session=session)

    # --- reading the page ------------------------------------------------------------------------

    def current_step(self) -> str | None:
        """The step the page shows (``gegevens`` ... ``klaar``), or None outside the wizard."""
        page = self.user.page
        item = page.select_one("ol.progress li[aria-current=step]") if page is not None else None
        return item["data-step"] if item is not None else None

    def field_errors(self) -> dict[str, str]:
        """Each field's error message on the current page (``<field>-error`` elements)."""
        page = self.user.page
        if page is None:
            return {}
        return {
            element["id"][: -len("-error")]: element.get_text(" ", strip=True)
            for element in page.select("[id$=-error]")
        }

    def text(self, element_id: str) -> str | None:
        """The text of the element with this id on the current page."""
        page = self.user.page
        element = page.find(id=element_id) if page is not None else None
        return element.get_text(" ", strip=True) if element is not None else None

    def linked_accounts(self) -> dict[str, str]:
        """IBAN → link state of the accounts table on the current page."""
        page = self.user.page
        if page is None:
            return {}
        return {row["data-iban"]: row["data-state"] for row in page.select("#linked-accounts tr[data-iban]")}

    def _moved(self, expected: str, action: str) -> None:
        if self.current_step() != expected:
            raise WizardError(
                f"{action}: still at {self.current_step()!r}",
                url=self.user.url,
                messages=self.user.messages(),
                field_errors=self.field_errors(),
            )

    # --- the steps -------------------------------------------------------------------------------

    def start(self, serial_number: str | None = None) -> None:
        """Open "Koppel je bankrekening" (the portal link) and press Start."""
        query = "?" + urlencode({"licentienummer": serial_number}) if serial_number else ""
        self.user.open(f"{self.portal_base}/{query}")
        self.user.follow_link("start")

    def fill_details(
        self,
        *,
        kvk_number: str,
        serial_number: str,
        product: str = "eaccounting",
        bank: str = "abnamro",
        accept_service_terms: bool = True,
        accept_privacy: bool = True,
        expect: str = "koppeling",
    ) -> None:
        """Gegevens: KvK number, product, licentienummer, bank and the terms; ``WizardError`` when refused."""
        if not self.user.has_form("form-details"):
            self.user.open(f"{self.portal_base}/registratie/gegevens")
        # Choosing the product fills the bank list (the page's "Bijwerken", as without JavaScript).
        self.user.submit("form-details", {"kvk_number": kvk_number, "product": product}, button="refresh")
        fields = {"kvk_number": kvk_number, "product": product, "serial": serial_number, "bank": bank}
        if accept_service_terms:
            fields["terms_service"] = True
        if accept_privacy:
            fields["terms_privacy"] = True
        self.user.submit("form-details", fields, button="submit")
        self._moved(expect, "Gegevens")

    def fill_contact(self, *, name: str, email: str) -> None:
        """Koppeling: the rekeningbeheerder's name and e-mail address."""
        self.user.submit("form-contact", {"name": name, "email": email}, button="submit")
        self._moved("bankconsent", "Koppeling")

    def bank_links(self) -> dict[str, str]:
        """The Bankconsent step's links to the bank's registration page and to Access Online."""
        page = self.user.page
        return {key: page.find("a", id=key)["href"] for key in ("bank-registration", "access-online")}

    def next_after_consent(self) -> None:
        """Bankconsent → Volgende (the bank must have delivered its consent)."""
        self.user.open(f"{self.portal_base}/registratie/bankconsent")
        self.user.submit("form-bank-consent")
        self._moved("rekeningen", "Bankconsent")

    def confirm_accounts(self) -> dict[str, str]:
        """Rekeningen → Volgende; returns the accounts shown with their link states."""
        if not self.user.has_form("form-accounts"):
            self.user.open(f"{self.portal_base}/registratie/rekeningen")
        accounts = self.linked_accounts()
        self.user.submit("form-accounts")
        self._moved("klaar", "Rekeningen")
        return accounts

    def finish(self) -> None:
        """Klaar → Afronden."""
        self.user.submit("form-done")
        if self.user.page.find(id="finished") is None:
            raise WizardError(
                "Klaar was not finished", url=self.user.url, messages=self.user.messages(), field_errors={}
            )

    def psd2(self, **authorize) -> None:
        """Flow A: "Koppel via PSD2" / "Nog een rekening koppelen", log in at the bank, choose one account, come back.

        ``authorize`` goes to ``HeadlessUser.authorize`` (``login``, ``account_number``, ``card_number``,
        ``response_code``, ``choose_iban``, ``decision``...).
        """
        redirect_uri = f"{self.portal_base}/registratie/bank/terug"
        # The button leads through the bank's authorization endpoint to its login page; the person
        # logs in there and is caught on the way back, then lands on the portal's return page.
        self.user.submit("form-psd2")
        result = self.user.authorize(self.user.response.url, redirect_uri=redirect_uri, **authorize)
        self.user.open(result.url, stop_at=())

    # --- after the bank: the activation link ----------------------------------------------------------

    def activate(self, activation_url: str) -> str:
        """Open the activation link from the mail and press "Activeer de koppeling"; returns the link state.

        ``WizardError`` (with the page's message) when the link is used, expired or replaced.
        """
        self.user.open(activation_url)
        if self.user.has_form("form-activate"):
            self.user.submit("form-activate")
        activated = self.user.page.find(id="activated")
        if activated is None:
            raise WizardError(
                self.text("activation-refused") or "the activation link was refused",
                url=self.user.url,
                messages=self.user.messages(),
                field_errors={},
            )
        return activated["data-state"]

    def request_new_activation_link(self, activation_url: str) -> str:
        """On an expired activation link's page, press "Stuur een nieuwe activatielink"; returns the page's message."""
        self.user.open(activation_url)
        if not self.user.has_form("form-new-link"):
            raise WizardError(
                self.text("activation-refused") or "no new activation link can be requested here",
                url=self.user.url,
                messages=self.user.messages(),
                field_errors={},
            )
        self.user.submit("form-new-link")
        return " ".join(self.user.messages())

    # --- the bank's side (flows B and C) -----------------------------------------------------------

    def register_at_bank(
        self,
        *,
        software: str,
        serial_number: str,
        ibans: Iterable[str],
        login: str = "edentifier",
        account_number: str | None = None,
        card_number: str | None = None,
        response_code: str | None = None,
        user_id: str | None = None,
        decision: str = "approve",
    ) -> str | None:
        """Log in at the bank's "Boekhoudkoppeling aanvragen", pick the software by name, type the serial, choose
        the accounts and approve (or cancel). Returns the bank's message; ``WizardError`` when the bank refused.
        """
        access_online = login == "access_online"
        url = f"{self.bank_auth_base}/internetbankieren/boekhoudkoppeling" + (
            "?login=access_online" if access_online else ""
        )
        self.user.open(url)
        if not self.user.has_form("form-accounting-link"):
            if not access_online:
                self.user.follow_link({"edentifier": "login-edentifier", "app": "login-app"}[login])
            form = {"edentifier": "form-edentifier", "access_online": "form-access-online"}[login]
            fields = {"edentifier": {"account_number": account_number}, "access_online": {"user_id": user_id}}[login]
            self.user.submit(form, {**fields, "card_number": card_number, "response_code": response_code})
        if not self.user.has_form("form-accounting-link"):
            raise WizardError(
                "the bank did not show Boekhoudkoppeling aanvragen",
                url=self.user.url,
                messages=self.user.messages(),
                field_errors={},
            )
        options = {o.get_text(strip=True): o["value"] for o in self.user.page.select("#software option") if o["value"]}
        fields = {"software": options.get(software, software), "serial_number": serial_number, "accounts": list(ibans)}
        self.user.submit("form-accounting-link", fields, button=("decision", decision))
        delivered = self.user.page.find(id="registration-delivered")
        if delivered is not None:
            return delivered.get_text(" ", strip=True)
        if decision == "cancel" and self.user.page.find(id="registration-cancelled") is not None:
            return self.text("registration-cancelled")
        raise WizardError(
            "the bank refused the registration", url=self.user.url, messages=self.user.messages(), field_errors={}
        )
