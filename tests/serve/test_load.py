"""A bounded load test of ``mockbank serve --workers 3``: transfers, token issuance, ``/v1`` reads, portal work and
clock advances from four client threads at once, on SQLite and on PostgreSQL.

What a user of a shared server would notice if the workers did not agree: an error answer, a balance off by
a transfer, a due job run twice or never, an id (token, Trace-Id, serial number) handed out twice.
"""

from __future__ import annotations

import collections
import threading
import time

import pytest
import requests

from scenarios.server import start_server_process

THREADS = 4
ROUNDS = 45  # per thread; about 10 requests a round: some 1,900 requests in all
START = "2026-03-02T09:00"
PAYMENT_SCOPE = "psd2:payment:sepa:write"
SCOPES = "psd2:account:balance:read psd2:account:transaction:read psd2:account:details:read"

pytestmark = pytest.mark.load


class Load:
    """The client side: one session per thread, every answer checked and every id collected."""

    def __init__(self, well_known: dict):
        self.bank = well_known["bank"]
        self.portal = well_known["portal"]
        self.lock = threading.Lock()
        self.errors: list[str] = []
        self.requests = 0
        self.ids: dict[str, list[str]] = collections.defaultdict(list)
        self.timings: dict[tuple, list[float]] = collections.defaultdict(list)

    def call(self, session: requests.Session, method: str, url: str, expect: int, **kwargs) -> requests.Response:
        """One request; a status other than ``expect`` is recorded as an error, every Trace-Id collected."""
        began = time.monotonic()
        answer = session.request(method, url, timeout=60, **kwargs)
        took = time.monotonic() - began
        with self.lock:
            self.requests += 1
            self.timings[(method, url.split("/")[3] + "/" + url.split("/")[-1][:12])].append(took)
            if answer.headers.get("Trace-Id"):
                self.ids["Trace-Id"].append(answer.headers["Trace-Id"])
            if answer.status_code != expect:
                self.errors.append(f"{method} {url} -> {answer.status_code}: {answer.text[:300]}")
        return answer

    def collect(self, kind: str, value) -> None:
        """Remember an id that must never be handed out twice."""
        with self.lock:
            self.ids[kind].append(str(value))


def _run_client(
    load: Load, number: int, accounts: list[str], client: dict, transfers: list, connections: list
) -> None:
    """One client thread: ROUNDS rounds of tokens, reads, a transfer, portal work; every fifth an advance."""
    session = requests.Session()
    bank, portal = load.bank, load.portal
    own, other = accounts[number], accounts[(number + 1) % len(accounts)]
    for round_number in range(ROUNDS):
        minted = load.call(
            session,
            "POST",
            bank["sandbox"] + "/tokens",
            201,
            json={"clientId": client["clientId"], "iban": own, "scopes": SCOPES},
        ).json()
        load.collect("access token", minted.get("access_token"))
        load.collect("consent", minted.get("consentId"))
        issued = load.call(
            session,
            "POST",
            bank["token"],
            200,
            data={"grant_type": "client_credentials", "client_id": client["clientId"], "scope": PAYMENT_SCOPE},
        ).json()
        load.collect("access token", issued.get("access_token"))
        headers = {"Authorization": f"Bearer {minted['access_token']}", "API-Key": client["apiKey"]}
        load.call(session, "GET", f"{bank['api']}/v1/accounts/{own}/balances", 200, headers=headers)
        load.call(session, "GET", f"{bank['api']}/v1/accounts/{own}/transactions", 200, headers=headers)
        cents = 1 + (number * ROUNDS + round_number) % 97
        booked = load.call(
            session,
            "POST",
            bank["sandbox"] + "/transfers",
            201,
            json={"debtorIban": own, "creditorIban": other, "amount": f"{cents // 100}.{cents % 100:02d}"},
        ).json()
        for booking in booked.get("bookings", []):
            load.collect("transaction id", booking.get("transactionId"))
        with load.lock:
            transfers.append((own, other, cents))
        load.call(session, "GET", f"{bank['api']}/v1/accounts/{own}/details", 200, headers=headers)
        made = load.call(
            session,
            "POST",
            portal["sandbox"] + "/administrations",
            201,
            json={
                "companyName": f"Last {number}-{round_number} B.V.",
                "bankAccounts": [{"Name": "ABN AMRO", "BankAccountType": 1, "Iban": own}],
            },
        ).json()
        load.collect("administration token", made.get("accessToken"))
        portal_headers = {"Authorization": f"Bearer {made['accessToken']}"}
        listed = load.call(session, "GET", portal["eaccountingApi"] + "/v2/bankaccounts", 200, headers=portal_headers)
        cheque = next(a for a in listed.json()["Data"] if a.get("Iban") == own)
        connection = f"{portal['eaccountingApi']}/v2/bankaccounts/{cheque['Id']}/bankconnection"
        load.call(session, "POST", connection, 202, headers=portal_headers)
        with load.lock:
            connections.append((connection, portal_headers))
        if round_number % 5 == 4:
            # Advances from several threads at once: they queue, and each due job on the way runs once.
            load.call(session, "POST", bank["sandbox"] + "/clock/advance", 200, json={"minutes": 30})
    session.close()


def test_workers_agree_under_load(shared_storage):
    server = start_server_process(
        workers=3,
        seed=42,
        data_dir=shared_storage["data_dir"],
        clock_mode="frozen",
        start=START,
        quiet=True,
        # The living bank's own bookings would move the balances this test adds up exactly.
        env={**shared_storage["env"], "MOCKBANK_CONSENT_DAYS": "1", "MOCKBANK_LIVING_BANK": "false"},
        timeout=60,
    )
    try:
        began = time.monotonic()
        load = Load(server.well_known())
        bank, portal = load.bank, load.portal
        session = requests.Session()
        client = load.call(
            session, "POST", bank["sandbox"] + "/clients", 201, json={"name": "Load TPP", "redirectUris": []}
        ).json()
        summary = load.call(session, "GET", bank["sandbox"] + "/seed", 200).json()
        accounts = [a["iban"] for a in summary["accounts"] if a["product"] == "current"][:THREADS]
        before = {iban: _balance(load, session, iban) for iban in accounts}
        transfers: list[tuple[str, str, int]] = []
        connections: list[tuple[str, dict]] = []

        threads = [
            threading.Thread(target=_run_client, args=(load, n, accounts, client, transfers, connections))
            for n in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert not any(thread.is_alive() for thread in threads)
        # Past every consent's end (one day) and every preparation: the last due jobs run now.
        load.call(session, "POST", bank["sandbox"] + "/clock/advance", 200, json={"days": 2})
        elapsed = time.monotonic() - began

        for key, took in sorted(load.timings.items(), key=lambda item: -sum(item[1])):
            print(key, len(took), f"{sum(took) / len(took) * 1000:.0f} ms mean")
        assert load.errors == []
        # Balances are exact: each account moved by exactly the transfers it sent and received.
        expected = dict(before)
        for debtor, creditor, cents in transfers:
            expected[debtor] -= cents
            expected[creditor] += cents
        assert {iban: _balance(load, session, iban) for iban in accounts} == expected
        assert load.call(session, "GET", bank["sandbox"] + "/ledger", 200).json() == {"inconsistentAccounts": []}
        assert len(transfers) == THREADS * ROUNDS

        # Every due job ran exactly once: done, one attempt, nothing left running or failed.
        bank_jobs = load.call(session, "GET", bank["sandbox"] + "/jobs", 200).json()["jobs"]
        portal_jobs = load.call(session, "GET", portal["sandbox"] + "/jobs", 200).json()["jobs"]
        expiries = [j for j in bank_jobs if j["kind"] == "consent.expire"]
        preparations = [j for j in portal_jobs if j["kind"] == "bankconnection.prepare"]
        assert len(expiries) == len(set(load.ids["consent"])) == THREADS * ROUNDS
        assert len(preparations) == THREADS * ROUNDS
        for job in expiries + preparations:
            assert (job["status"], job["attempts"]) == ("done", 1), job
        # ...and did its work once: no consent expired twice, none is still valid; every connection prepared.
        consents = load.call(session, "GET", bank["sandbox"] + "/consents", 200).json()["consents"]
        minted = [c for c in consents if str(c["id"]) in set(load.ids["consent"])]
        assert len(minted) == THREADS * ROUNDS
        for consent in minted:
            assert [e["status"] for e in consent["events"]].count("expired") <= 1, consent
            assert consent["status"] != "valid", consent
        serials = []
        for url, headers in connections:
            state = load.call(session, "GET", url, 200, headers=headers).json()
            assert state["Status"] == "Prepared", state
            serials.append(state["SerialNumber"])

        # No id handed out twice by two workers (each forked worker draws from a block of its own).
        for kind, values in {**load.ids, "serial number": serials}.items():
            repeated = [value for value, count in collections.Counter(values).items() if count > 1]
            assert repeated == [], f"{kind} repeated: {repeated[:5]}"
        assert load.requests >= THREADS * ROUNDS * 10
        print(f"\n{shared_storage['kind']}: {load.requests} requests in {elapsed:.1f} s, no error")
    finally:
        server.stop()


def _balance(load: Load, session: requests.Session, iban: str) -> int:
    """An account's balance in cents, from the sandbox."""
    answer = load.call(session, "GET", f"{load.bank['sandbox']}/accounts/{iban}", 200).json()
    euros, _, cents = answer["balance"].partition(".")
    sign = -1 if euros.startswith("-") else 1
    return sign * (abs(int(euros)) * 100 + int((cents + "00")[:2]))
