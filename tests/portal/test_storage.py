"""The portal keeps its world in its own database: a restart on the same file resumes it, simulated time included."""

from __future__ import annotations

from consent_server import create_app
from mockbank.sim.clock import SimClock


def test_a_restart_on_the_same_file_resumes_administrations_serials_and_time(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    clock = SimClock(start="2026-01-05T09:00:00+01:00")
    app = create_app({"DATABASE_URL": url}, clock=clock)
    api = app.test_client()
    made = api.post(
        "/sandbox/administrations",
        json={
            "companyName": "Test BV Donald",
            "kvkNumber": "68750110",
            "bankAccounts": [{"Name": "ABN AMRO", "BankAccountType": 1, "Iban": "NL91ABNA0417164300"}],
        },
    ).json
    headers = {"Authorization": f"Bearer {made['accessToken']}"}
    account = api.get("/v2/bankaccounts", headers=headers).json["Data"][1]
    api.post(f"/v2/bankaccounts/{account['Id']}/bankconnection", headers=headers)
    clock.advance(3)
    app.extensions["consent_server"].close()

    # A new process: a fresh clock at an earlier time; the stored time wins and the pending job still runs.
    later = SimClock(start="2026-01-05T09:00:00+01:00")
    again = create_app({"DATABASE_URL": url}, clock=later)
    api = again.test_client()
    assert api.get("/sandbox/clock").json["now"] == "2026-01-05T08:00:03+00:00"
    assert api.get(f"/v2/bankaccounts/{account['Id']}/bankconnection", headers=headers).json["Status"] == "Preparing"
    later.advance(2)
    status = api.get(f"/v2/bankaccounts/{account['Id']}/bankconnection", headers=headers).json
    assert status["Status"] == "Prepared" and len(status["SerialNumber"]) == 7
    assert api.get("/api/v2/zoeken?kvkNummer=68750110").json["totaal"] == 1
    again.extensions["consent_server"].close()


def test_a_database_from_an_older_mockbank_is_refused_with_what_to_do(tmp_path):
    import sqlite3

    import pytest

    from mockbank.sim.errors import OutdatedDatabase

    url = f"sqlite:///{tmp_path / 'portal.db'}"
    create_app({"DATABASE_URL": url}, clock=SimClock()).extensions["consent_server"].close()
    with sqlite3.connect(tmp_path / "portal.db") as conn:
        conn.execute("ALTER TABLE account_links DROP COLUMN activated_at")  # as a file of the previous release
    with pytest.raises(OutdatedDatabase, match=r"older mockbank \(missing account_links\.activated_at\); delete it"):
        create_app({"DATABASE_URL": url}, clock=SimClock())
