"""``BankSandbox``: the mock bank's ``/sandbox`` control API (not part of ABN AMRO's real sandbox)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import quote

import requests

from client_sdk.http import RetryPolicy
from client_sdk.http import Transport
from client_sdk.http import parse_json

API_BASE = "https://api-sandbox.abnamro.com"


def _money(value) -> str:
    """Sandbox amounts travel as strings (``"0.01"``); a float is refused, it is not exact."""
    if isinstance(value, float):
        raise TypeError("pass money as Decimal or str, not float")
    return format(Decimal(str(value)), "f")


def _drop_none(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not None}


def sandbox_headers(token: str | None) -> dict:
    """The header that opens a sandbox run with ``SANDBOX_TOKEN`` (none when the sandbox is open)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


class BankSandbox:
    """Set the bank's world up, move its clock, look inside; one method per ``/sandbox`` call.

    Answers are the sandbox's JSON as dicts (amounts as strings or ``Decimal``); errors are the
    same ``client_sdk.errors`` classes as the account API's. ``token`` is the host's sandbox token,
    when the server runs with ``SANDBOX_TOKEN`` (a shared host).
    """

    def __init__(
        self,
        *,
        base_url: str = API_BASE,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        timeout: float | tuple[float, float] | None = 30.0,
        token: str | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.transport = Transport(session=session, retry=retry, timeout=timeout)
        self.token = token

    @property
    def session(self) -> requests.Session:
        """The ``requests`` session every call goes through."""
        return self.transport.session

    def _call(self, method: str, path: str, *, body: dict | None = None, params: dict | None = None, idempotent=False):
        response = self.transport.request(
            method,
            f"{self.base_url}/sandbox{path}",
            json_body=body if method != "GET" else None,
            params=_drop_none(params or {}) or None,
            headers=sandbox_headers(self.token),
            idempotent=idempotent,
        )
        return parse_json(response)

    # --- world ---------------------------------------------------------------------------------

    def reset(self) -> dict:
        """Empty the bank; the clock keeps its time."""
        return self._call("POST", "/reset", body={}, idempotent=True)

    def seed(self, seed: int = 42) -> dict:
        """Reset and build the demo world of ``seed``; returns the summary (customers, users, accounts, clients)."""
        return self._call("POST", "/seed", body={"seed": seed}, idempotent=True)

    def seed_summary(self) -> dict:
        """The summary of the last seed."""
        return self._call("GET", "/seed")

    def customers(self) -> list[dict]:
        """Every customer."""
        return self._call("GET", "/customers")["customers"]

    def create_customer(
        self, *, name: str, kind: str = "retail", trade_name: str | None = None, kvk_number: str | None = None
    ) -> dict:
        """A retail or business customer."""
        return self._call(
            "POST",
            "/customers",
            body=_drop_none({"name": name, "kind": kind, "tradeName": trade_name, "kvkNumber": kvk_number}),
        )

    def users(self) -> list[dict]:
        """Every online-banking user, with login means and their valid response codes."""
        return self._call("GET", "/users")["users"]

    def create_user(
        self,
        *,
        customer_id: int,
        name: str,
        email: str | None = None,
        behaviour: str | None = None,
        login_means: Iterable[str] | None = None,
    ) -> dict:
        """An online-banking user of a customer; ``login_means`` from ``edentifier``, ``app``, ``access_online``."""
        body = {"customerId": customer_id, "name": name, "email": email, "behaviour": behaviour}
        if login_means is not None:
            body["loginMeans"] = list(login_means)
        return self._call("POST", "/users", body=_drop_none(body))

    def open_account(
        self,
        *,
        customer_id: int,
        product: str = "current",
        currency: str = "EUR",
        iban: str | None = None,
        has_own_iban: bool = True,
        balance: Decimal | str | int | None = None,
        holder_name: str | None = None,
        credit_limit: Decimal | str | int | None = None,
    ) -> dict:
        """An account; a ``balance`` is booked as an opening deposit."""
        body = {
            "customerId": customer_id,
            "product": product,
            "currency": currency,
            "iban": iban,
            "hasOwnIban": has_own_iban,
            "holderName": holder_name,
            "balance": _money(balance) if balance is not None else None,
            "creditLimit": _money(credit_limit) if credit_limit is not None else None,
        }
        return self._call("POST", "/accounts", body=_drop_none(body))

    def account(self, iban: str) -> dict:
        """An account with its balance."""
        return self._call("GET", f"/accounts/{quote(iban, safe='')}")

    def bookings(self, iban: str, *, limit: int | None = None) -> list[dict]:
        """The newest bookings of an account, without any token."""
        return self._call("GET", f"/accounts/{quote(iban, safe='')}/bookings", params={"limit": limit})["bookings"]

    def transfer(
        self,
        *,
        debtor_iban: str,
        creditor_iban: str,
        amount: Decimal | str | int,
        description: str = "",
        reference: str = "",
        creditor_name: str | None = None,
        debtor_name: str | None = None,
        allow_overdraft: bool = False,
    ) -> list[dict]:
        """A SEPA credit transfer booked at once; returns the bookings made (one or two)."""
        body = {
            "debtorIban": debtor_iban,
            "creditorIban": creditor_iban,
            "amount": _money(amount),
            "description": description,
            "reference": reference,
            "creditorName": creditor_name,
            "debtorName": debtor_name,
            "allowOverdraft": allow_overdraft,
        }
        return self._call("POST", "/transfers", body=_drop_none(body))["bookings"]

    def book(
        self,
        *,
        iban: str,
        amount: Decimal | str | int,
        mutation_code: str = "658",
        description_lines: Iterable[str] = (),
        counter_party_account_number: str = "",
        counter_party_name: str = "",
        allow_overdraft: bool = True,
    ) -> dict:
        """A booking against the outside world (card payment, incasso, interest...); negative for debits."""
        body = {
            "iban": iban,
            "amount": _money(amount),
            "mutationCode": mutation_code,
            "descriptionLines": list(description_lines),
            "counterPartyAccountNumber": counter_party_account_number,
            "counterPartyName": counter_party_name,
            "allowOverdraft": allow_overdraft,
        }
        return self._call("POST", "/bookings", body=body)

    def ledger(self) -> list[str]:
        """IBANs whose balance disagrees with their bookings (always empty in a healthy bank)."""
        return self._call("GET", "/ledger")["inconsistentAccounts"]

    # --- clients, tokens, consents ---------------------------------------------------------------

    def clients(self) -> list[dict]:
        """Every registered third party."""
        return self._call("GET", "/clients")["clients"]

    def register_client(
        self,
        *,
        name: str,
        redirect_uris: Iterable[str] = ("https://localhost/auth",),
        public: bool = False,
        client_id: str | None = None,
        api_key: str | None = None,
        software_name: str | None = None,
        callback_url: str | None = None,
    ) -> dict:
        """Register a third party; the answer holds ``clientId``, ``apiKey`` and ``clientSecret``."""
        body = {
            "name": name,
            "redirectUris": list(redirect_uris),
            "public": public,
            "clientId": client_id,
            "apiKey": api_key,
            "softwareName": software_name,
            "callbackUrl": callback_url,
        }
        return self._call("POST", "/clients", body=_drop_none(body))

    def mint_token(self, *, client_id: str, iban: str, scopes: Iterable[str] | str | None = None) -> dict:
        """A valid consent and token without any screen: a token response plus ``consentId``."""
        body = {"clientId": client_id, "iban": iban}
        if scopes is not None:
            body["scopes"] = scopes if isinstance(scopes, str) else " ".join(scopes)
        return self._call("POST", "/tokens", body=body)

    def consents(self, *, client_id: str | None = None) -> list[dict]:
        """Consents with their status events."""
        return self._call("GET", "/consents", params={"clientId": client_id})["consents"]

    def enqueue_decision(
        self,
        *,
        client_id: str,
        decision: str = "approve",
        iban: str | None = None,
        error: str | None = None,
        error_description: str | None = None,
    ) -> dict:
        """Answer the next authorization request of ``client_id`` without screens (``approve`` or ``refuse``)."""
        if decision not in ("approve", "refuse"):
            raise ValueError("decision is 'approve' or 'refuse'")
        body = {
            "clientId": client_id,
            "decision": decision,
            "iban": iban,
            "error": error,
            "errorDescription": error_description,
        }
        return self._call("POST", "/decisions", body=_drop_none(body))

    def decisions(self, *, client_id: str | None = None) -> list[dict]:
        """Decisions still waiting for their authorization request."""
        return self._call("GET", "/decisions", params={"clientId": client_id})["decisions"]

    def clear_decisions(self, *, client_id: str | None = None) -> int:
        """Drop waiting decisions (of ``client_id``, or all); answers how many."""
        return self._call("DELETE", "/decisions", params={"clientId": client_id}, idempotent=True)["cleared"]

    def app_logins(self, *, status: str | None = None) -> list[dict]:
        """App logins waiting for confirmation (``status="all"`` for every one)."""
        return self._call("GET", "/app-logins", params={"status": status})["appLogins"]

    def confirm_app_login(self, login_id: str | int) -> dict:
        """Confirm a pending mobile-app login, as the user's phone would."""
        return self._call("POST", f"/app-logins/{quote(str(login_id), safe='')}/confirm", body={})

    def unblock_login_means(self, means_id: str | int) -> dict:
        """Unblock a login means blocked after too many wrong responses."""
        return self._call("POST", f"/login-means/{quote(str(means_id), safe='')}/unblock", body={})

    # --- faults --------------------------------------------------------------------------------

    def inject_fault(
        self,
        *,
        path: str,
        status: int,
        method: str | None = None,
        code: str | None = None,
        message: str | None = None,
        count: int | None = None,
        client_id: str | None = None,
        retry_after: int | None = None,
    ) -> dict:
        """Make the bank answer ``status`` to requests matching the glob ``path`` (``count`` times, or always)."""
        body = {
            "path": path,
            "status": status,
            "method": method,
            "code": code,
            "message": message,
            "count": count,
            "clientId": client_id,
            "retryAfter": retry_after,
        }
        return self._call("POST", "/faults", body=_drop_none(body))

    def faults(self) -> list[dict]:
        """Every injected fault with its ``remaining`` count and ``hits``."""
        return self._call("GET", "/faults")["faults"]

    def remove_fault(self, fault_id: int) -> dict:
        """Remove one fault; answers it as it was (with its final ``hits``)."""
        return self._call("DELETE", f"/faults/{quote(str(fault_id), safe='')}")

    def clear_faults(self) -> int:
        """Remove every fault; answers how many there were."""
        return self._call("DELETE", "/faults", idempotent=True)["cleared"]

    # --- time ----------------------------------------------------------------------------------

    def clock(self) -> dict:
        """The simulated time: ``now``, ``today``, ``mode``."""
        return self._call("GET", "/clock")

    def advance(
        self,
        *,
        seconds: float | None = None,
        minutes: float | None = None,
        hours: float | None = None,
        days: float | None = None,
        working_days: int | None = None,
        calendar: str | None = None,
        to: dt.datetime | str | None = None,
    ) -> dict:
        """Move the clock forward (due jobs run in time order); answers the new clock."""
        if to is not None:
            if isinstance(to, dt.datetime) and to.tzinfo is None:
                raise ValueError("'to' must be timezone-aware")
            body = {"to": to.isoformat() if isinstance(to, dt.datetime) else str(to)}
        elif working_days is not None:
            body = _drop_none({"workingDays": working_days, "calendar": calendar})
        else:
            body = _drop_none({"seconds": seconds, "minutes": minutes, "hours": hours, "days": days})
            if not body:
                raise ValueError("say how far: seconds, minutes, hours, days, working_days or to")
        return self._call("POST", "/clock/advance", body=body)

    def jobs(self, *, status: str | None = None) -> list[dict]:
        """The bank's due jobs."""
        return self._call("GET", "/jobs", params={"status": status})["jobs"]

    # --- payments and direct debits --------------------------------------------------------------

    def payments(self, *, client_id: str | None = None) -> list[dict]:
        """Every registered payment, with status, account, amount (string) and reason."""
        return self._call("GET", "/payments", params={"clientId": client_id})["payments"]

    def add_direct_debit_contract(self, iban: str, *, creditor_id: str | None = None) -> dict:
        """Give a business current account an incassocontract (creditor id: KvK number + 0000 by default)."""
        return self._call("POST", "/sdd/contracts", body=_drop_none({"iban": iban, "creditorId": creditor_id}))

    def direct_debit_contracts(self) -> list[dict]:
        """Every incassocontract."""
        return self._call("GET", "/sdd/contracts")["contracts"]

    def direct_debit_batches(self, *, client_id: str | None = None) -> list[dict]:
        """Every direct-debit batch with its collections (status, return reason)."""
        return self._call("GET", "/sdd/batches", params={"clientId": client_id})["batches"]

    def direct_debit_batch(self, batch_id: str) -> dict:
        """One batch by ABN AMRO's id (``transactionId;IBAN``)."""
        return self._call("GET", f"/sdd/batches/{quote(batch_id, safe=';')}")

    def authorize_direct_debit_batch(self, batch_id: str) -> dict:
        """Sign a received batch as its holder would in internet banking."""
        return self._call("POST", f"/sdd/batches/{quote(batch_id, safe=';')}/authorize", body={})

    def script_direct_debit_return(
        self,
        *,
        reason: str,
        debtor_iban: str | None = None,
        end_to_end_id: str | None = None,
        mandate_id: str | None = None,
        after_days: int | None = None,
    ) -> dict:
        """The next collection matching every given field comes back: ``AM04``, ``MD01`` or ``MD06``,
        ``after_days`` TARGET2 days after its collection date."""
        body = {
            "reason": reason,
            "debtorIban": debtor_iban,
            "endToEndId": end_to_end_id,
            "mandateId": mandate_id,
            "afterDays": after_days,
        }
        return self._call("POST", "/sdd/returns", body=_drop_none(body))

    def direct_debit_returns(self) -> list[dict]:
        """Every scripted return, used or not."""
        return self._call("GET", "/sdd/returns")["returns"]
