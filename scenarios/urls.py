"""The base URLs of a world (one set per front door), and links without hosts: ``{portal}/...``.

A result never names a host or port: :func:`scrub` turns every base URL of a world into its name in
braces, :func:`expand` turns it back into a URL of the world a run used.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from dataclasses import dataclass

BANK_API_HOST = "api-sandbox.abnamro.com"
BANK_AUTH_HOST = "auth-sandbox.connect.abnamro.com"
BANK_TOKEN_PORT = 8443
EACCOUNTING_API_HOST = "eaccountingapi-sandbox.test.vismaonline.com"
EACCOUNTING_HOST = "eaccounting-sandbox.test.vismaonline.com"
PORTAL_HOST = "register.ebanking.vismasoftware.nl"
KVK_HOST = "api.kvk.nl"

# Server-mode path prefix of every host (docs/contracts.md).
PREFIXES = {
    "bank_api": "/abnamro-api",
    "bank_auth": "/abnamro-auth",
    "eaccounting_api": "/eaccounting-api",
    "eaccounting": "/eaccounting",
    "portal": "/portal",
    "kvk": "/kvk",
}


@dataclass(frozen=True)
class Urls:
    """Base URL of every host of a world, for one front door."""

    bank_api: str
    bank_auth: str
    bank_token: str
    eaccounting_api: str
    eaccounting: str
    portal: str
    kvk: str

    @classmethod
    def inprocess(cls) -> Urls:
        """The real-looking hosts that in-process routing serves."""
        auth = f"https://{BANK_AUTH_HOST}"
        return cls(
            bank_api=f"https://{BANK_API_HOST}",
            bank_auth=auth,
            bank_token=f"https://{BANK_AUTH_HOST}:{BANK_TOKEN_PORT}/as/token.oauth2",
            eaccounting_api=f"https://{EACCOUNTING_API_HOST}",
            eaccounting=f"https://{EACCOUNTING_HOST}",
            portal=f"https://{PORTAL_HOST}",
            kvk=f"https://{KVK_HOST}",
        )

    @classmethod
    def server(cls, base_url: str) -> Urls:
        """Every host under its path prefix of one server (``mockbank serve``)."""
        base = base_url.rstrip("/")
        urls = {name: base + prefix for name, prefix in PREFIXES.items()}
        return cls(bank_token=urls["bank_auth"] + "/as/token.oauth2", **urls)

    @property
    def bank_sandbox(self) -> str:
        """The bank's sandbox control API."""
        return self.bank_api + "/sandbox"

    @property
    def portal_sandbox(self) -> str:
        """The portal's sandbox control API."""
        return self.portal + "/sandbox"

    @property
    def outbox(self) -> str:
        """The portal's outbox pages: every mail it sent, readable in a browser."""
        return self.portal + "/outbox"

    def to_json(self) -> dict:
        """The ``bank``/``portal`` part of ``/.well-known/mockbank``."""
        return {
            "bank": {
                "api": self.bank_api,
                "auth": self.bank_auth,
                "token": self.bank_token,
                "sandbox": self.bank_sandbox,
            },
            "portal": {
                "eaccountingApi": self.eaccounting_api,
                "eaccounting": self.eaccounting,
                "portal": self.portal,
                "kvk": self.kvk,
                "sandbox": self.portal_sandbox,
                "outbox": self.outbox,
            },
        }

    def portal_config(self) -> dict:
        """The config keys that tell the portal where the bank and its own public hosts are."""
        return {
            "BANK_API_BASE": self.bank_api,
            "BANK_AUTH_BASE": self.bank_auth,
            "BANK_TOKEN_URL": self.bank_token,
            "BANK_SANDBOX_BASE": self.bank_sandbox,
            "EACCOUNTING_API_BASE": self.eaccounting_api,
            "EACCOUNTING_BASE": self.eaccounting,
            "PORTAL_BASE": self.portal,
            "KVK_BASE": self.kvk,
        }

    def as_dict(self) -> dict:
        """Every base URL by name."""
        return {
            **asdict(self),
            "bank_sandbox": self.bank_sandbox,
            "portal_sandbox": self.portal_sandbox,
            "outbox": self.outbox,
        }


# --- links without hosts --------------------------------------------------------------------------

# The names of the base URLs a link may start with (``Urls`` fields), longest match first when scrubbing.
URL_NAMES = ("bank_api", "bank_auth", "bank_token", "eaccounting_api", "eaccounting", "portal", "kvk")


def _bases(urls: Urls) -> list[tuple[str, str]]:
    """(name, base URL) pairs, longest base first, so ``{eaccounting_api}`` wins over ``{eaccounting}``."""
    pairs = [(name, getattr(urls, name).rstrip("/")) for name in URL_NAMES]
    return sorted(pairs, key=lambda pair: len(pair[1]), reverse=True)


def scrub(text: str, urls: Urls) -> str:
    """``text`` with every base URL of the world replaced by its name in braces (``{portal}``)."""
    for name, base in _bases(urls):
        text = text.replace(base, "{" + name + "}")
    return text


_PLACEHOLDER = re.compile(r"\{(" + "|".join(URL_NAMES) + r")\}")


def expand(text: str, urls: Urls) -> str:
    """The reverse of :func:`scrub`: ``{portal}`` back to the world's portal URL."""
    return _PLACEHOLDER.sub(lambda match: getattr(urls, match.group(1)).rstrip("/"), text)


def scrub_value(value, urls: Urls):
    """``value`` (JSON-ready: strings, dicts, lists) with every base URL scrubbed."""
    if isinstance(value, str):
        return scrub(value, urls)
    if isinstance(value, dict):
        return {key: scrub_value(item, urls) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_value(item, urls) for item in value]
    return value
