"""Helpers for the OAuth and screens tests: a browser that fills in the bank's forms, URLs, PKCE."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlsplit

REDIRECT_URI = "https://localhost/auth"
AIS_SCOPE = "psd2:account:details:read psd2:account:balance:read psd2:account:transaction:read"


class _Forms(HTMLParser):
    """Every form of a page: its action and the named inputs with their values."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict] = {}
        self.ids: set[str] = set()
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "form":
            self._current = {"action": attrs.get("action"), "fields": {}, "radios": []}
            self.forms[attrs.get("id") or f"form-{len(self.forms)}"] = self._current
        elif tag == "input" and self._current is not None and attrs.get("name"):
            if attrs.get("type") == "radio":
                self._current["radios"].append(attrs.get("value"))
                if "checked" in attrs:
                    self._current["fields"][attrs["name"]] = attrs.get("value")
            else:
                self._current["fields"][attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


class Browser:
    """A person at a browser: follows the bank's redirects, fills in forms by id (CSRF included)."""

    def __init__(self, client):
        self.client = client
        self.response = None

    @property
    def html(self) -> str:
        return self.response.get_data(as_text=True)

    def get(self, url: str):
        self.response = self.client.get(url)
        return self.response

    def follow(self):
        """Follow redirects that stay at the bank; stop at the first one that leaves it."""
        while self.response.status_code in (301, 302, 303) and not self.left_bank:
            self.response = self.client.get(self.response.headers["Location"])
        return self.response

    @property
    def left_bank(self) -> bool:
        location = self.response.headers.get("Location", "")
        return location.startswith(REDIRECT_URI) or location.startswith("https://app.example")

    def page_ids(self) -> set[str]:
        parser = _Forms()
        parser.feed(self.html)
        return parser.ids

    def form(self, form_id: str) -> dict:
        parser = _Forms()
        parser.feed(self.html)
        assert form_id in parser.forms, f"no form {form_id} on the page: {self.html[:2000]}"
        return parser.forms[form_id]

    def submit(self, form_id: str, data: dict | None = None, follow: bool = True):
        """Post a form of the current page with its hidden fields (csrf_token) and ``data``."""
        form = self.form(form_id)
        fields = {**form["fields"], **(data or {})}
        assert "csrf_token" in fields and fields["csrf_token"], "the form carries no CSRF token"
        self.response = self.client.post(form["action"], data=fields)
        return self.follow() if follow else self.response

    def click(self, link_id: str):
        """Follow a link by its id."""
        match = re.search(rf'<a id="{link_id}"[^>]*href="([^"]+)"', self.html)
        assert match, f"no link {link_id}"
        self.get(match.group(1).replace("&amp;", "&"))
        return self.follow()


def redirect_params(response) -> dict:
    """The query of a redirect back to the client, as a flat dict."""
    location = response.headers["Location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(client_id: str, redirect_uri: str = REDIRECT_URI, **params) -> str:
    """``/as/authorization.oauth2`` with ABN AMRO's parameters; ``params`` override or add (None drops)."""
    query = {
        "scope": AIS_SCOPE,
        "client_id": client_id,
        "response_type": "code",
        "flow": "code",
        "redirect_uri": redirect_uri,
        "bank": "NLAA01",
        "state": "SilverAdministration-123",
    }
    query.update(params)
    return "/as/authorization.oauth2?" + urlencode({k: v for k, v in query.items() if v is not None})


def login_with_edentifier(browser: Browser, world: dict, url: str):
    """Start at ``url`` and log in with the world's e.dentifier; ends on the consent page (or a redirect)."""
    browser.get(url)
    browser.follow()
    browser.click("login-edentifier")
    means = world["edentifier"]
    return browser.submit(
        "form-edentifier",
        {
            "account_number": means.account_number,
            "card_number": means.card_number,
            "response_code": means.response_code,
        },
    )


def exchange(client, code: str, client_id: str, redirect_uri: str = REDIRECT_URI, **extra):
    """``POST /as/token.oauth2`` with the authorization code."""
    data = {"grant_type": "authorization_code", "client_id": client_id, "code": code, "redirect_uri": redirect_uri}
    data.update(extra)
    return client.post("/as/token.oauth2", data=data)


def get_code(browser: Browser, world: dict, iban: str | None = None, **params) -> str:
    """Log in, approve with ``iban`` (the current account by default), and return the code."""
    login_with_edentifier(browser, world, authorize_url(world["client"].client_id, **params))
    response = browser.submit("form-consent", {"account": iban or world["current"].iban, "decision": "approve"})
    assert response.status_code == 302, browser.html
    return redirect_params(response)["code"]
