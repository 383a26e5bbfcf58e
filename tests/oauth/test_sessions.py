"""Browser sessions of both apps: no built-in signing secret, one per database kept across restarts and
workers, and internet banking's logout ends the session at the bank (a copied cookie stops working)."""

from __future__ import annotations

from flask import Flask

import consent_server
from mockbank import create_app

from .test_internet_banking import _log_in

OLD_BUILT_IN_KEYS = {"bank": "mockbank-not-secret", "portal": "visma-portal-not-secret"}
CONSENTS = "/internetbankieren/toestemmingen"


def _forged_cookie(secret: str, data: dict) -> str:
    """A session cookie signed with ``secret``, as anyone who knows it could make one."""
    forger = Flask("forger")
    forger.secret_key = secret
    return forger.session_interface.get_signing_serializer(forger).dumps(data)


def _cookie(client, name: str) -> str:
    return client.get_cookie(name).value


def test_a_copied_internet_banking_cookie_stops_working_after_logout(browser, world, bank_app):
    _log_in(browser, world)
    copied = bank_app.test_client()
    copied.set_cookie("abnamro_session", _cookie(browser.client, "abnamro_session"))
    assert copied.get(CONSENTS).status_code == 200, "the copy works while the session lives"

    browser.submit("form-logout")

    assert "U bent uitgelogd." in browser.html
    answer = copied.get(CONSENTS)
    assert answer.status_code == 302
    assert "/inloggen" in answer.headers["Location"]


def test_a_cookie_signed_with_the_old_built_in_key_opens_nothing(browser, world, bank_app):
    user = world["user"]
    forged = _forged_cookie(OLD_BUILT_IN_KEYS["bank"], {"ib": {"user_id": user.id, "means": "edentifier"}})
    intruder = bank_app.test_client()
    intruder.set_cookie("abnamro_session", forged)

    assert intruder.get(CONSENTS).status_code == 302
    assert bank_app.secret_key not in OLD_BUILT_IN_KEYS.values()


def test_each_in_memory_app_signs_with_its_own_random_secret(clock):
    apps = [create_app({"TESTING": True}, clock=clock) for _ in range(2)]
    portals = [consent_server.create_app({"TESTING": True}, clock=clock) for _ in range(2)]
    try:
        secrets = {app.secret_key for app in apps + portals}
        assert len(secrets) == 4
        assert not secrets & set(OLD_BUILT_IN_KEYS.values())
        assert all(len(secret) >= 32 for secret in secrets)
    finally:
        for app in apps:
            app.extensions["mockbank"].close()
        for app in portals:
            app.extensions["consent_server"].close()


def test_the_secret_is_made_once_per_database_and_kept_across_restarts_workers_and_resets(clock, storage_url):
    first = create_app({"TESTING": True, "DATABASE_URL": storage_url}, clock=clock)
    second = create_app({"TESTING": True, "DATABASE_URL": storage_url}, clock=clock)
    try:
        assert first.secret_key == second.secret_key, "two workers on one database share the secret"
        assert first.test_client().post("/sandbox/reset").status_code == 200
        first.extensions["mockbank"].close()
        restarted = create_app({"TESTING": True, "DATABASE_URL": storage_url}, clock=clock)
        assert restarted.secret_key == second.secret_key, "a restart after a reset signs as before"
        restarted.extensions["mockbank"].close()
    finally:
        second.extensions["mockbank"].close()


def test_a_configured_secret_key_is_used(clock):
    app = create_app({"TESTING": True, "SECRET_KEY": "our-own-long-secret"}, clock=clock)
    portal = consent_server.create_app({"TESTING": True, "SECRET_KEY": "portal-secret"}, clock=clock)
    try:
        assert (app.secret_key, portal.secret_key) == ("our-own-long-secret", "portal-secret")
    finally:
        app.extensions["mockbank"].close()
        portal.extensions["consent_server"].close()


def test_a_portal_cookie_signed_with_the_old_built_in_key_opens_no_administration(clock):
    portal = consent_server.create_app({"TESTING": True}, clock=clock)
    try:
        http = portal.test_client()
        made = http.post("/sandbox/administrations", json={"companyName": "Bakkerij Bol"})
        assert made.status_code == 201
        intruder = portal.test_client()
        forged = _forged_cookie(OLD_BUILT_IN_KEYS["portal"], {"administration_id": made.get_json()["id"]})
        intruder.set_cookie("visma_session", forged)

        answer = intruder.get("/instellingen/kas-en-bankrekeningen")

        assert answer.status_code == 302
        assert answer.headers["Location"].endswith("/administraties")
    finally:
        portal.extensions["consent_server"].close()
