"""``PortalSettings``: every setting of the portal with its default, one frozen dataclass, checked by type.

The Flask config holds them under their upper-case names (``LEDGER_DEFAULTS``...); services read the
typed attributes through ``PortalBackend.settings``, which follows the live config (a world served
at a new base URL moves ``PORTAL_BASE`` and the ``BANK_*`` URLs after the app was built).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from decimal import Decimal
from typing import Any

from mockbank.sim.limits import DEFAULT_MAX_CONTENT_LENGTH
from mockbank.sim.settings import SettingsError
from mockbank.sim.settings import as_config
from mockbank.sim.settings import from_environ
from mockbank.sim.settings import hints
from mockbank.sim.settings import load

ENV_PREFIX = "MOCKBANK_"
AIS_SCOPES = "psd2:account:details:read psd2:account:balance:read psd2:account:transaction:read"


@dataclass(frozen=True)
class PortalSettings:
    """The portal's settings; ``create_app`` config keys and ``MOCKBANK_*`` variables override the defaults."""

    database_url: str = "sqlite://"
    # None: a random secret made once per database and kept (the data folder's, shared by its workers).
    secret_key: str | None = None
    session_cookie_name: str = "visma_session"
    id_seed: int = 0
    clock_mode: str = "frozen"
    clock_start: dt.datetime | str | None = None
    # The bank, reached only over HTTP as an OAuth client.
    bank_api_base: str = "https://api-sandbox.abnamro.com"
    bank_auth_base: str = "https://auth-sandbox.connect.abnamro.com"
    bank_token_url: str = "https://auth-sandbox.connect.abnamro.com:8443/as/token.oauth2"
    bank_revoke_url: str | None = None
    bank_client_id: str | None = None
    bank_api_key: str | None = None
    bank_client_secret: str | None = None
    bank_callback_secret: str | None = None
    bank_scopes: str = AIS_SCOPES
    bank_timeout: int | float = 10
    # Repeats of a safe call after a 5xx or a lost connection (never waiting on the wall clock); today none.
    bank_retries: int = 0
    # Where the portal and eAccounting are reached from outside (links shown to users, flow A's redirect URI).
    portal_base: str = "https://register.ebanking.vismasoftware.nl"
    eaccounting_base: str = "https://eaccounting-sandbox.test.vismaonline.com"
    # The rehearsal dashboard of a served world (``mockbank serve``'s start page): screens link to its pages.
    dashboard_url: str | None = None
    portal_redirect_uri: str | None = None
    # Product assumptions from the help article, all configurable.
    prepare_seconds: int = 5
    ledger_defaults: dict[int, int] = field(default_factory=lambda: {1: 1100, 2: 1000, 3: 1140, 4: 1100})
    free_linked_accounts: int = 2
    extra_account_price: Decimal = Decimal("2.25")
    activation_mail_working_days: int = 5
    activation_link_days: int = 14
    first_import_working_days: int = 5
    # The daily import's Amsterdam wall time (condition 5: once a day).
    import_time: str = "06:00"
    # Outgoing mail: always in the outbox; also over SMTP when SMTP_URL is set (smtp://host:port).
    mail_from: str = "Visma Software <noreply@vismasoftware.nl>"
    smtp_url: str | None = None
    mail_max_attempts: int = 8
    supported_bank_codes: dict[str, str] = field(default_factory=lambda: {"ABNA": "ABN AMRO"})
    # A shared host: every /sandbox request must carry this token (Authorization: Bearer, or X-Sandbox-Token).
    sandbox_token: str | None = None
    # Flask-WTF would expire CSRF tokens by the wall clock; the portal only knows simulated time.
    wtf_csrf_time_limit: int | None = None
    # Flask's name: the largest request body in bytes; a larger one is a 413 in the portal's envelope.
    max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH

    def __post_init__(self):
        if self.max_content_length < 1:
            raise SettingsError("setting MAX_CONTENT_LENGTH must be at least 1")

    @property
    def redirect_uri(self) -> str:
        """Flow A's redirect URI: ``PORTAL_REDIRECT_URI``, or the wizard's return page on ``PORTAL_BASE``."""
        return self.portal_redirect_uri or self.portal_base.rstrip("/") + "/registratie/bank/terug"

    @property
    def import_hour_minute(self) -> tuple[int, int]:
        """``IMPORT_TIME`` as hour and minute."""
        hour, _, minute = self.import_time.partition(":")
        return int(hour), int(minute or 0)


FIELDS = hints(PortalSettings)


def settings_from(config: Mapping[str, Any]) -> PortalSettings:
    """The settings in ``config`` (a create_app dict or the live Flask config) over the defaults.

    A value given as text where the setting is not text (an environment variable passed on as is)
    is read as its type, as ``config_from_env`` would: ``'{"1": 1100}'`` becomes ``{1: 1100}``.
    """
    typed = {}
    for key, value in config.items():
        if key.lower() in FIELDS and isinstance(value, str):
            try:
                load(PortalSettings, {key: value})
            except SettingsError:
                value = from_environ(PortalSettings, {ENV_PREFIX + key: value}, ENV_PREFIX)[key]
        typed[key] = value
    settings = load(PortalSettings, typed)
    return replace(settings, portal_redirect_uri=settings.redirect_uri)


def config_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The portal's config keys from ``MOCKBANK_*`` variables, each read as its setting's type.

    ``MOCKBANK_PORTAL_DATABASE_URL`` is the portal's database; ``MOCKBANK_DATABASE_URL`` is the bank's.
    Names that are no portal setting are kept as text.
    """
    environ = os.environ if environ is None else environ
    config = from_environ(PortalSettings, environ, ENV_PREFIX)
    config.pop("DATABASE_URL", None)
    portal_url = config.pop("PORTAL_DATABASE_URL", None)
    if portal_url:
        config["DATABASE_URL"] = portal_url
    return config


__all__ = ["PortalSettings", "as_config", "config_from_env", "settings_from"]
