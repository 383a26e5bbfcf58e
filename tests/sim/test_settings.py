"""The kernel's typed settings: config values checked and environment text read by each field's type."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

import pytest

from consent_server.settings import config_from_env as portal_config_from_env
from mockbank.sim.settings import SettingsError
from mockbank.sim.settings import from_environ
from mockbank.sim.settings import load


@dataclass(frozen=True)
class Example:
    """A settings dataclass with one field of each kind the apps use."""

    timeout: int | float = 10
    retries: int = 0
    price: Decimal = Decimal("2.25")
    verbose: bool = False
    start: str | None = None
    ledgers: dict[int, int] = field(default_factory=dict)


def env(**variables: str) -> dict:
    return from_environ(Example, {f"X_{name}": text for name, text in variables.items()}, "X_")


def test_environment_text_is_read_as_each_fields_type():
    config = env(TIMEOUT="2.5", RETRIES="3", PRICE="1.10", VERBOSE="yes", START="", LEDGERS='{"1": 1100}')
    assert config == {
        "TIMEOUT": 2.5,
        "RETRIES": 3,
        "PRICE": Decimal("1.10"),
        "VERBOSE": True,
        "START": None,
        "LEDGERS": {1: 1100},
    }
    assert load(Example, config) == Example(2.5, 3, Decimal("1.10"), True, None, {1: 1100})


@pytest.mark.parametrize(
    ("name", "text"), [("TIMEOUT", "soon"), ("RETRIES", "2.5"), ("VERBOSE", "maybe"), ("LEDGERS", "{")]
)
def test_text_that_is_not_of_the_fields_type_is_refused_naming_the_variable(name, text):
    with pytest.raises(SettingsError, match=f"X_{name}"):
        env(**{name: text})


def test_a_whole_number_is_a_valid_number_setting_but_a_boolean_is_not():
    assert load(Example, {"TIMEOUT": 3}).timeout == 3
    with pytest.raises(SettingsError, match="TIMEOUT"):
        load(Example, {"TIMEOUT": True})


def test_the_portals_bank_timeout_can_be_a_fraction_of_a_second():
    assert portal_config_from_env({"MOCKBANK_BANK_TIMEOUT": "2.5"})["BANK_TIMEOUT"] == 2.5
