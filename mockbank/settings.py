"""The bank's settings: one frozen dataclass holds every default, typed; config keys and ``MOCKBANK_*`` are checked.

A field ``consent_days`` is the config key ``CONSENT_DAYS`` and the variable ``MOCKBANK_CONSENT_DAYS``.
Where Authlib reads a setting of its own for the same thing, the bank uses Authlib's name
(``OAUTH2_TOKEN_EXPIRES_IN``); the older documented name keeps working (``ACCESS_TOKEN_SECONDS``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mockbank.sim import settings as typed
from mockbank.sim.limits import DEFAULT_MAX_CONTENT_LENGTH
from mockbank.sim.settings import SettingsError
from mockbank.wire import PAGE_SIZE

ENV_PREFIX = "MOCKBANK_"
# The standard third party of ABN AMRO's sandbox keeps this API-Key in every world (``SANDBOX_API_KEY`` overrides).
DEFAULT_SANDBOX_API_KEY = "TPPtestMockbankSandboxApiKey0001"

__all__ = ["BankSettings", "SettingsError", "config_from_env", "load"]


@dataclass(frozen=True)
class BankSettings:
    """Every setting of the bank app with its default."""

    database_url: str = "sqlite://"
    # None: a random secret made once per database and kept (the data folder's, shared by its workers).
    secret_key: str | None = None
    session_cookie_name: str = "abnamro_session"
    # A seed builds the demo world at start-up unless the database already holds one.
    seed: int | None = None
    id_seed: int = 0
    clock_mode: str = "frozen"
    clock_start: dt.datetime | str | None = None
    consent_days: int = 90
    auth_code_seconds: int = 60
    # Authlib's name: access-token lifetime per grant type; a grant type not named gets ``access_token_seconds``.
    oauth2_token_expires_in: dict[str, int] = field(default_factory=dict)
    access_token_seconds: int = 7200
    edentifier_max_attempts: int = 3
    slow_app_seconds: int = 30
    page_size: int = PAGE_SIZE
    # Flask's name: the largest request body in bytes; a larger one is a 413 in the bank's envelope.
    max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH
    # Seconds the bank waits for accounting software to take a registration's codes.
    callback_timeout: int | float = 10
    sandbox_api_key: str = DEFAULT_SANDBOX_API_KEY
    # A shared host: every /sandbox request must carry this token (Authorization: Bearer, or X-Sandbox-Token).
    sandbox_token: str | None = None
    # The living bank: seeded accounts get their owners' bookings as simulated days pass. Off unless asked for,
    # so a test's world books nothing it did not ask for; ``mockbank serve`` switches it on.
    living_bank: bool = False
    # The rehearsal dashboard of a served world (``mockbank serve``'s start page): screens link to its pages.
    dashboard_url: str | None = None
    # Whether other processes may write this database (server workers, a second server on the same files): then
    # caches check the stored world versions once per request. None: yes for a file or a server, no in memory.
    shared_database: bool | None = None

    def __post_init__(self):
        positive = (
            "consent_days",
            "auth_code_seconds",
            "access_token_seconds",
            "edentifier_max_attempts",
            "page_size",
            "max_content_length",
        )
        for name in positive:
            if getattr(self, name) < 1:
                raise SettingsError(f"setting {name.upper()} must be at least 1")

    def token_seconds(self, grant_type: str | None = None) -> int:
        """How long an access token of this grant type lives (minted ones: ``grant_type`` None)."""
        return int(self.oauth2_token_expires_in.get(grant_type or "", self.access_token_seconds))


def load(config: Mapping[str, Any] | None = None) -> BankSettings:
    """The bank's settings from config keys over the defaults; keys of others (Flask's, the portal's) are left."""
    return typed.load(BankSettings, config)


def config_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """``MOCKBANK_*`` variables as config keys, the bank's read by their types; a bad value names its variable.

    Names that are not the bank's (the portal's, shared through the same prefix) keep the old reading:
    digits become an int, anything else stays text.
    """
    config = typed.from_environ(BankSettings, environ, ENV_PREFIX)
    names = typed.hints(BankSettings)
    for key, value in config.items():
        if key.lower() not in names and isinstance(value, str) and value.isdigit():
            config[key] = int(value)
    return config
