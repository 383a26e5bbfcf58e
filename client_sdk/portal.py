"""The bank-connection portal from the outside: its sandbox API, its KvK register, and the wizard as a person.

``PortalSandbox`` sets the portal's world up (administrations and their API tokens, KvK companies,
the portal's client registration at the bank) and reads timelines. ``PortalWizard`` walks the
five steps (Gegevens, Koppeling, Bankconsent, Rekeningen, Klaar) and the bank's "Boekhoudkoppeling
aanvragen" page with a ``HeadlessUser``, finding forms and fields by their ids (``client_sdk.wizard``,
importable from here too).
"""

from __future__ import annotations

import requests

from client_sdk import errors
from client_sdk.eaccounting import visma_error
from client_sdk.http import RetryPolicy
from client_sdk.http import Transport
from client_sdk.http import parse_json
from client_sdk.sandbox import sandbox_headers
from client_sdk.wizard import BANK_AUTH_BASE
from client_sdk.wizard import PORTAL_BASE
from client_sdk.wizard import STEPS
from client_sdk.wizard import PortalWizard
from client_sdk.wizard import WizardError

KVK_BASE = "https://api.kvk.nl"

__all__ = ["BANK_AUTH_BASE", "PORTAL_BASE", "STEPS", "KvkClient", "PortalSandbox", "PortalWizard", "WizardError"]


class PortalSandbox:
    """The portal's ``/sandbox`` control API; answers are its JSON as dicts. ``token``: the host's sandbox token."""

    def __init__(
        self,
        *,
        base_url: str = PORTAL_BASE,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        timeout: float | tuple[float, float] | None = 30.0,
        token: str | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.transport = Transport(session=session, retry=retry, timeout=timeout)
        self.token = token

    def _call(self, method: str, path: str, *, body: dict | None = None, params: dict | None = None):
        try:
            response = self.transport.request(
                method,
                f"{self.base_url}/sandbox{path}",
                json_body=body,
                params=params,
                headers=sandbox_headers(self.token),
                idempotent=method == "GET",
            )
        except errors.BankApiError as exc:
            raise visma_error(exc) from None
        return parse_json(response)

    def reset(self) -> dict:
        """Empty the portal (KvK test numbers and the configured bank client stay)."""
        return self._call("POST", "/reset", body={})

    def clock(self) -> dict:
        """The simulated time."""
        return self._call("GET", "/clock")

    def advance(self, *, working_days: int | None = None, to: str | None = None, **units: float) -> dict:
        """Move the shared clock (``seconds=``/``minutes=``/``hours=``/``days=``, ``working_days=`` or ``to=``)."""
        body = dict(units)
        if working_days is not None:
            body["workingDays"] = working_days
        if to is not None:
            body["to"] = to
        return self._call("POST", "/clock/advance", body=body)

    def jobs(self, *, status: str | None = None) -> list[dict]:
        """The portal's due jobs."""
        return self._call("GET", "/jobs", params={"status": status} if status else None)["jobs"]

    def add_kvk_company(self, *, kvk_number: str, name: str, **address) -> dict:
        """Put a company in the portal's KvK register (``straatnaam``, ``huisnummer``, ``postcode``, ``plaats``)."""
        return self._call("POST", "/kvk", body={"kvkNummer": kvk_number, "naam": name, **address})

    def kvk_companies(self) -> list[dict]:
        """Every company in the register."""
        return self._call("GET", "/kvk")["companies"]

    def bank_client(self) -> dict:
        """The portal's registration at the bank, and the redirect and callback URLs it wants registered."""
        return self._call("GET", "/bank-client")

    def configure_bank_client(
        self, *, client_id: str, api_key: str, client_secret: str | None = None, callback_secret: str | None = None
    ) -> dict:
        """Hand the portal the credentials the bank's ``POST /sandbox/clients`` returned."""
        body = {
            "clientId": client_id,
            "apiKey": api_key,
            "clientSecret": client_secret,
            "callbackSecret": callback_secret,
        }
        return self._call("POST", "/bank-client", body=body)

    def create_administration(
        self,
        *,
        company_name: str,
        kvk_number: str | None = None,
        accounting_firm: str | None = None,
        bank_accounts: list[dict] | None = None,
    ) -> dict:
        """An administration with its Kasrekening (and ``bank_accounts``, Visma's JSON names), all or nothing.

        The answer has ``accessToken`` for ``EAccountingClient`` and a browser ``loginUrl``.
        """
        body = {
            "companyName": company_name,
            "kvkNumber": kvk_number,
            "accountingFirm": accounting_firm,
            "bankAccounts": bank_accounts,
        }
        return self._call("POST", "/administrations", body={k: v for k, v in body.items() if v is not None})

    def administrations(self) -> list[dict]:
        """Every administration (without tokens)."""
        return self._call("GET", "/administrations")["administrations"]

    def mint_token(self, administration_id: int) -> dict:
        """A new API token (and login URL) for an administration."""
        return self._call("POST", f"/administrations/{administration_id}/tokens", body={})

    def registrations(self) -> list[dict]:
        """Every registration with its state and account links."""
        return self._call("GET", "/registrations")["registrations"]

    def timeline(self, serial_number: str) -> dict:
        """Every step of one onboarding with its simulated time."""
        return self._call("GET", "/timeline", params={"serial": serial_number})

    # --- mail --------------------------------------------------------------------------------------

    def outbox(
        self, *, to: str | None = None, subject: str | None = None, kind: str | None = None, iban: str | None = None
    ) -> list[dict]:
        """Mails the portal sent, newest first (``subject`` matches a part, in any case)."""
        params = {k: v for k, v in (("to", to), ("subject", subject), ("kind", kind), ("iban", iban)) if v}
        return self._call("GET", "/outbox", params=params or None)["mails"]

    def latest_mail(
        self, *, to: str | None = None, subject: str | None = None, kind: str | None = None, iban: str | None = None
    ) -> dict:
        """The newest matching mail; ``NotFoundError`` when none matches."""
        params = {k: v for k, v in (("to", to), ("subject", subject), ("kind", kind), ("iban", iban)) if v}
        return self._call("GET", "/outbox/latest", params=params or None)

    def clear_outbox(self) -> int:
        """Empty the outbox; returns how many mails went."""
        return self._call("DELETE", "/outbox")["deleted"]

    def mail(self, mail_id: int) -> dict:
        """One mail of the outbox, by its id."""
        return self._call("GET", f"/outbox/{mail_id}")

    # --- the daily import and billing ---------------------------------------------------------------

    def imports(self, *, iban: str | None = None, limit: int | None = None) -> list[dict]:
        """The latest import runs, newest first."""
        params = {k: v for k, v in (("iban", iban), ("limit", limit)) if v}
        return self._call("GET", "/imports", params=params or None)["runs"]

    def run_imports(self, *, force: bool = False) -> list[dict]:
        """Run the daily import now (``force``: also links whose first import is not due yet)."""
        return self._call("POST", "/imports/run", body={"force": force})["runs"]

    def billing(self, *, administration_id: int | None = None, month: str | None = None) -> list[dict]:
        """Billing lines (``month`` is ``YYYY-MM``), newest month first; money as strings."""
        params = {k: v for k, v in (("administrationId", administration_id), ("month", month)) if v}
        return self._call("GET", "/billing", params=params or None)["lines"]

    def run_billing(self, month: str) -> list[dict]:
        """Bill a month that has ended (never twice)."""
        return self._call("POST", "/billing/run", body={"month": month})["lines"]


class KvkClient:
    """The KvK register's ``/api/v2/zoeken`` (KvK Zoeken v2 shape)."""

    def __init__(self, *, base_url: str = KVK_BASE, session: requests.Session | None = None, api_key: str = ""):
        self.base_url = base_url.rstrip("/")
        self.session = session if session is not None else requests.Session()
        self.api_key = api_key

    def search(self, kvk_number: str) -> dict:
        """The ``Resultaat`` for a KvK number; ``NotFoundError`` (KvK's ``fout`` in ``json_body``) when unknown."""
        response = self.session.get(
            f"{self.base_url}/api/v2/zoeken", params={"kvkNummer": kvk_number}, headers={"apikey": self.api_key}
        )
        if response.status_code >= 400:
            raise errors.error_from_response(response)
        return response.json()
