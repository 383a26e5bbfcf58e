"""No page of the world may be shown in someone else's frame: every HTML answer of both apps and of the
server's index says ``X-Frame-Options: DENY`` and ``Content-Security-Policy: frame-ancestors 'none'``.

The walk takes every GET route of both apps (the login, consent and internet-banking screens, the portal's
wizard and eAccounting pages, the outbox), with real keys and logged-in sessions where a page needs them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scenarios.server import create_root_app

JSON_PREFIXES = ("/static", "/v1", "/v2", "/sandbox", "/api/", "/.well-known", "/bank/")
# Pages that must answer with their own HTML (200), not only a redirect or an error page.
MUST_RENDER = {
    "bank": {
        "screens.login_choice",
        "screens.login_edentifier",
        "screens.login_access_online",
        "screens.login_app",
        "screens.app_wait",
        "screens.app_phone",
        "screens.consent",
        "screens.my_consents",
        "registration.accounting_link",
    },
    "portal": {
        "settings.administrations",
        "settings.bank_accounts",
        "settings.new_account",
        "settings.edit_account",
        "settings.billing",
        "settings.bank_connection",
        "wizard.start",
        "outbox.index",
    },
}


def _assert_framing_denied(response, where: str) -> None:
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert "frame-ancestors 'none'" in response.headers.get("Content-Security-Policy", ""), where


def _walk(app, http, values: dict) -> dict[str, int]:
    """GET every route of ``app`` that is not an API; the status of each HTML answer by endpoint."""
    seen = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(JSON_PREFIXES):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)
        response = http.get(path, query_string=values.get("query", {}).get(rule.endpoint))
        if response.mimetype == "text/html":
            _assert_framing_denied(response, f"{rule.endpoint} {path} ({response.status_code})")
            seen[rule.endpoint] = response.status_code
    return seen


def test_every_html_page_of_both_apps_and_the_index_refuses_framing(mockbank_world, bank_sandbox):
    world = mockbank_world
    bank = world.bank_backend
    summary = bank.last_seed_summary
    tpp = summary["clients"][0]
    user = next(u for u in summary["users"] if any(m["kind"] == "app" for m in u["loginMeans"]))
    iban = summary["accounts"][0]["iban"]

    # The bank: a pending authorization request this browser logged in for, an app login, internet banking.
    bank_http = world.bank_app.test_client()
    started = bank_http.get(
        "/as/authorization.oauth2",
        query_string={
            "client_id": tpp["clientId"],
            "redirect_uri": tpp["redirectUris"][0],
            "response_type": "code",
            "scope": "psd2:account:balance:read",
            "state": "s",
        },
    )
    _assert_framing_denied(started, "authorization redirect")
    key = dict(p.split("=") for p in urlsplit(started.headers["Location"]).query.split("&"))["req"]
    bank.authflow.attach_user(key, user["id"])
    customer_iban = next(a["iban"] for a in summary["accounts"] if a["customerId"] == user["customerId"])
    app_login = bank.authflow.start_app_login(account_number=customer_iban, request_key=key)
    with bank_http.session_transaction() as session:
        session["flows"] = {key: user["id"]}
        session["ib"] = bank.authflow.start_banking_session(bank.authflow.logged_in(user["id"], "edentifier"))
    seen = _walk(world.bank_app, bank_http, {"key": key, "iban": iban, "path": "x", "pk": 1})
    seen["screens.app_wait"] = _walk_one(bank_http, f"/inloggen/app/{app_login.key}")
    seen["screens.app_phone"] = _walk_one(bank_http, f"/app/bevestigen/{app_login.key}")
    assert {endpoint for endpoint, status in seen.items() if status == 200} >= MUST_RENDER["bank"], seen
    assert bank.authflow.request(key).status != "done"
    # An error page of the authorization endpoint and a finished journey (410) are HTML too.
    _assert_framing_denied(bank_http.get("/as/authorization.oauth2?client_id=nobody"), "authorization error page")
    _assert_framing_denied(bank_http.get("/toestemming/unknown"), "gone page")

    # The portal: eAccounting logged in to an administration with a bank account, the wizard, the outbox.
    portal_http = world.portal_app.test_client()
    made = portal_http.post(
        "/sandbox/administrations",
        json={
            "companyName": "Bakkerij Bol",
            "bankAccounts": [{"Name": "Betaalrekening", "BankAccountType": 1, "Iban": iban}],
        },
    ).get_json()
    portal_http.get("/inloggen", query_string={"token": made["accessToken"]})
    uid = portal_http.get("/v2/bankaccounts", headers={"Authorization": f"Bearer {made['accessToken']}"}).get_json()
    uid = uid["Data"][0]["Id"]
    seen = _walk(world.portal_app, portal_http, {"uid": uid, "token": "unknown", "mail_id": 1})
    assert {endpoint for endpoint, status in seen.items() if status == 200} >= MUST_RENDER["portal"], seen

    # The server's index page.
    index = create_root_app(world).test_client().get("/")
    assert index.status_code == 200
    _assert_framing_denied(index, "server index")


def _walk_one(http, path: str) -> int:
    response = http.get(path)
    _assert_framing_denied(response, path)
    return response.status_code
