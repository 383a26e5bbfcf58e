"""The bank's typed settings: defaults, config keys checked by type, ``MOCKBANK_*`` read by the field's type."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from mockbank import create_app
from mockbank.app import config_from_env
from mockbank.settings import BankSettings
from mockbank.settings import SettingsError
from mockbank.settings import load
from mockbank.sim.settings import as_config


def test_the_defaults_are_typed_and_frozen():
    settings = BankSettings()
    assert settings.consent_days == 90
    assert settings.access_token_seconds == 7200
    assert settings.auth_code_seconds == 60
    assert settings.page_size == 50
    assert settings.callback_timeout == Decimal(10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.consent_days = 180  # type: ignore[misc]


def test_config_keys_override_the_defaults_and_others_pass_through():
    settings = load({"CONSENT_DAYS": 180, "TESTING": True, "PORTAL_BASE": "http://x"})
    assert settings.consent_days == 180
    assert as_config(settings)["CONSENT_DAYS"] == 180


@pytest.mark.parametrize(
    ("key", "value"),
    [("CONSENT_DAYS", "180"), ("CONSENT_DAYS", True), ("SEED", 4.2), ("PAGE_SIZE", 0), ("DATABASE_URL", None)],
)
def test_a_value_of_the_wrong_type_is_refused_naming_its_key(key, value):
    with pytest.raises(SettingsError, match=key):
        load({key: value})


def test_the_environment_is_read_by_the_field_types():
    config = config_from_env(
        {
            "MOCKBANK_CONSENT_DAYS": "180",
            "MOCKBANK_SEED": "",
            "MOCKBANK_CALLBACK_TIMEOUT": "2.5",
            "MOCKBANK_OAUTH2_TOKEN_EXPIRES_IN": '{"client_credentials": 600}',
            "MOCKBANK_DATABASE_URL": "sqlite:///bank.db",
            "MOCKBANK_PREPARE_SECONDS": "60",
            "HOME": "/root",
        }
    )
    assert config == {
        "CONSENT_DAYS": 180,
        "SEED": None,
        "CALLBACK_TIMEOUT": Decimal("2.5"),
        "OAUTH2_TOKEN_EXPIRES_IN": {"client_credentials": 600},
        "DATABASE_URL": "sqlite:///bank.db",
        # Not the bank's (the portal shares the prefix): digits still become an int.
        "PREPARE_SECONDS": 60,
    }
    assert load(config).consent_days == 180


@pytest.mark.parametrize(
    ("variable", "text"), [("MOCKBANK_CONSENT_DAYS", "soon"), ("MOCKBANK_OAUTH2_TOKEN_EXPIRES_IN", "{")]
)
def test_a_bad_environment_value_names_the_variable(variable, text):
    with pytest.raises(SettingsError, match=variable):
        config_from_env({variable: text})


def test_the_app_and_its_services_use_the_settings():
    app = create_app({"CONSENT_DAYS": 180, "PAGE_SIZE": 10})
    try:
        backend = app.extensions["mockbank"]
        assert backend.settings.consent_days == 180
        assert backend.consents.consent_days() == 180
        assert app.config["PAGE_SIZE"] == 10
        assert app.config["ACCESS_TOKEN_SECONDS"] == 7200
    finally:
        app.extensions["mockbank"].close()


def test_authlibs_token_lifetime_per_grant_type_wins_over_access_token_seconds():
    settings = BankSettings(access_token_seconds=100, oauth2_token_expires_in={"client_credentials": 30})
    assert settings.token_seconds("client_credentials") == 30
    assert settings.token_seconds("authorization_code") == 100
    assert settings.token_seconds() == 100
