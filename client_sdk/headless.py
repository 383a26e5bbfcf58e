"""``HeadlessUser``: a person with a browser, as a ``requests`` session that reads HTML forms (MechanicalSoup).

It follows redirects one by one the way a browser does, so it can stop at the third party's
redirect URI, which in the real world is not served at all (``https://localhost/auth``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin
from urllib.parse import urlsplit

import mechanicalsoup
import requests

if TYPE_CHECKING:
    import bs4

from client_sdk.errors import AuthorizationRedirectError
from client_sdk.errors import redirect_params

SOUP_CONFIG = {"features": "html.parser"}
LOGIN_FORMS = {"edentifier": "form-edentifier", "app": "form-app", "access_online": "form-access-online"}
LOGIN_LINKS = {"edentifier": "login-edentifier", "app": "login-app", "access_online": "login-access-online"}
APP_CONFIRM_FORM = "form-app-confirm"
APP_WAITING = "app-waiting"
APP_PHONE_LINK = "app-phone-link"
CONSENT_FORM = "form-consent"


class HeadlessUserError(Exception):
    """The pages did not go where the user expected; carries the page's URL and its messages."""

    def __init__(self, message: str, *, url: str | None = None, messages: Iterable[str] = ()):
        self.url = url
        self.messages = list(messages)
        detail = f" ({'; '.join(self.messages)})" if self.messages else ""
        super().__init__(f"{message}{detail}" + (f" at {url}" if url else ""))


@dataclass(frozen=True)
class AuthorizationResult:
    """Where the bank sent the user back: a ``code`` or an ``error`` (plus ``state``) on the redirect URI."""

    code: str | None
    state: str | None
    error: str | None
    error_description: str | None
    url: str

    @classmethod
    def from_url(cls, url: str) -> AuthorizationResult:
        """Read a redirect back (query, or fragment as a fallback)."""
        params = redirect_params(url)
        return cls(
            code=params.get("code"),
            state=params.get("state"),
            error=params.get("error"),
            error_description=params.get("error_description"),
            url=url,
        )

    def raise_for_error(self) -> str:
        """The code; ``AuthorizationRedirectError`` when the bank sent an error instead."""
        if self.error or not self.code:
            raise AuthorizationRedirectError(
                self.error or "invalid_request", self.error_description, state=self.state, url=self.url
            )
        return self.code


class _Browser(mechanicalsoup.Browser):
    """MechanicalSoup's browser that leaves an injected session open and its headers alone."""

    def __init__(self, *, session: requests.Session | None, user_agent: str | None):
        self._owns_session = session is None
        self._user_agent = user_agent
        super().__init__(session=session, soup_config=SOUP_CONFIG, user_agent=user_agent)

    def set_user_agent(self, user_agent):
        """Only set the User-Agent on our own session, or when asked to."""
        if self._owns_session or self._user_agent is not None:
            super().set_user_agent(user_agent)

    def close(self):
        """Close (and clear the cookies of) the session only when this browser made it."""
        if self._owns_session:
            super().close()

    def request(self, *args, **kwargs):
        """Send a request; parse a page only when there is one (bs4 logs a decoding warning for an empty body,
        such as a bare redirect's)."""
        response = self.session.request(*args, **kwargs)
        if response.content:
            mechanicalsoup.Browser.add_soup(response, self.soup_config)
        else:
            response.soup = None
        return response


def _same_endpoint(url: str, target: str) -> bool:
    """Whether ``url`` points at ``target`` (scheme, host, port, path), whatever its query."""
    a, b = urlsplit(url), urlsplit(target)
    ports = {"http": 80, "https": 443}
    return (
        a.scheme == b.scheme
        and (a.hostname or "").lower() == (b.hostname or "").lower()
        and (a.port or ports.get(a.scheme)) == (b.port or ports.get(b.scheme))
        and (a.path.rstrip("/") or "/") == (b.path.rstrip("/") or "/")
    )


class HeadlessUser:
    """Open pages, fill in forms by id, follow links by id; stop at redirect URIs that are not served.

    ``open``, ``submit`` and ``follow_link`` return the last response; ``page`` is its soup,
    ``url`` its address and ``stopped_at`` the redirect caught instead of followed (if any).
    Cookies live in ``session``, so pass the session of an in-process world to share them.
    """

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        user_agent: str | None = None,
        max_redirects: int = 30,
        app_polls: int = 3,
    ):
        self.browser = _Browser(session=session, user_agent=user_agent)
        self.max_redirects = max_redirects
        self.app_polls = app_polls
        self.response: requests.Response | None = None
        self.stopped_at: str | None = None
        self._stop_at: tuple[str, ...] = ()

    @property
    def session(self) -> requests.Session:
        """The ``requests`` session (cookies included)."""
        return self.browser.session

    @property
    def page(self) -> bs4.BeautifulSoup | None:
        """The current page's soup (None for a non-HTML answer)."""
        return getattr(self.response, "soup", None)

    @property
    def url(self) -> str | None:
        """The current page's address (or the caught redirect's, when stopped)."""
        return self.stopped_at or (self.response.url if self.response is not None else None)

    @property
    def title(self) -> str:
        """The current page's ``<title>``."""
        page = self.page
        return page.title.get_text(strip=True) if page is not None and page.title else ""

    def messages(self) -> list[str]:
        """Flash and error messages on the current page (``role=alert``, ``.flash``, ``.error``)."""
        page = self.page
        if page is None:
            return []
        found = page.select('[role="alert"], .flash, .error, .errors, .invalid-feedback')
        return [text for text in (element.get_text(" ", strip=True) for element in found) if text]

    def text(self) -> str:
        """The visible text of the current page's body, whitespace collapsed."""
        page = self.page
        if page is None:
            return ""
        root = copy.copy(page.find("main") or page.body or page)
        for hidden in root.find_all(["script", "style"]):
            hidden.extract()
        return " ".join(root.get_text(" ").split())

    def form_ids(self) -> list[str]:
        """Ids of the forms on the current page."""
        page = self.page
        return [form["id"] for form in page.find_all("form", id=True)] if page is not None else []

    def has_form(self, form_id: str) -> bool:
        """Whether the current page has the form ``form_id``."""
        return form_id in self.form_ids()

    # --- navigation ------------------------------------------------------------------------------

    def open(self, url: str, *, stop_at: str | Iterable[str] | None = None) -> requests.Response:
        """GET ``url`` and follow redirects; ``stop_at`` URLs (redirect URIs) are caught, not requested.

        ``stop_at`` stays in force for later ``submit`` and ``follow_link`` calls until changed.
        """
        if stop_at is not None:
            self._stop_at = (stop_at,) if isinstance(stop_at, str) else tuple(stop_at)
        return self._go("GET", url)

    def follow_link(self, link_id: str) -> requests.Response:
        """Follow the link with ``id=link_id`` on the current page."""
        link = self.page.find("a", id=link_id) if self.page is not None else None
        if link is None or not link.get("href"):
            raise HeadlessUserError(f"no link #{link_id}", url=self.url, messages=self.messages())
        return self._go("GET", urljoin(self.response.url, link["href"]))

    def submit(
        self,
        form_id: str,
        fields: Mapping[str, object] | None = None,
        *,
        button: str | tuple[str, str] | None = None,
    ) -> requests.Response:
        """Fill in the form ``form_id`` and submit it; ``button`` is a name, ``(name, value)`` or ``"name=value"``."""
        tag = self.page.find("form", id=form_id) if self.page is not None else None
        if tag is None:
            raise HeadlessUserError(
                f"no form #{form_id} (forms here: {', '.join(self.form_ids()) or 'none'})",
                url=self.url,
                messages=self.messages(),
            )
        # A copy, so a second submit of the same page starts from the page as served.
        form = mechanicalsoup.Form(copy.copy(tag))
        for name, value in (fields or {}).items():
            try:
                form.set(name, value)
            except mechanicalsoup.LinkNotFoundError as exc:
                raise HeadlessUserError(f"form #{form_id} has no field {name!r} = {value!r}", url=self.url) from exc
        form.choose_submit(self._submit_element(form, button))
        kwargs = mechanicalsoup.Browser.get_request_kwargs(form.form, self.response.url)
        method = kwargs.pop("method")
        target = kwargs.pop("url")
        return self._go(method, target, **kwargs)

    @staticmethod
    def _submit_element(form: mechanicalsoup.Form, button):
        if button is None:
            return None
        if isinstance(button, str) and "=" not in button:
            return button
        name, value = button.split("=", 1) if isinstance(button, str) else button
        for element in form.form.select("button, input"):
            if element.get("name") == name and element.get("value") == value:
                return element
        raise HeadlessUserError(f"no button {name}={value} in form #{form.form.get('id')}")

    def _go(self, method: str, url: str, **kwargs) -> requests.Response:
        """Send one request and follow its redirects hop by hop, stopping at a redirect URI."""
        self.stopped_at = None
        if any(_same_endpoint(url, stop) for stop in self._stop_at):
            self.stopped_at = url
            return self.response
        headers = {"Referer": self.response.url} if self.response is not None else {}
        response = self.browser.request(method, url, headers=headers, allow_redirects=False, **kwargs)
        for _ in range(self.max_redirects):
            if not response.is_redirect:
                break
            target = urljoin(response.url, response.headers["Location"])
            if any(_same_endpoint(target, stop) for stop in self._stop_at):
                self.stopped_at = target
                break
            if response.status_code in (307, 308):
                # These redirects repeat the method and body, as browsers do.
                sent = response.request
                response = self.browser.request(
                    sent.method,
                    target,
                    data=sent.body,
                    headers={"Content-Type": sent.headers.get("Content-Type", "")},
                    allow_redirects=False,
                )
            else:
                response = self.browser.request("GET", target, allow_redirects=False)
        else:
            raise HeadlessUserError(f"more than {self.max_redirects} redirects", url=response.url)
        self.response = response
        return response

    # --- the bank's consent flow -------------------------------------------------------------------

    def authorize(
        self,
        url: str,
        *,
        redirect_uri: str,
        login: str = "edentifier",
        account_number: str | None = None,
        card_number: str | None = None,
        response_code: str | None = None,
        user_id: str | None = None,
        choose_iban: str | None = None,
        decision: str = "approve",
        confirm_app: Callable[[HeadlessUser], object] | None = None,
        max_steps: int = 25,
    ) -> AuthorizationResult:
        """Log in with a login means, choose the account, approve or cancel; return where the bank sent us back.

        ``login`` is ``edentifier`` (account number, card number, response code), ``app``
        (account number, then the app confirms: ``confirm_app(user)`` is called on the waiting
        page, e.g. to confirm through the sandbox or let simulated time pass; without it the
        user confirms on the "phone" page) or ``access_online`` (user id, card number, response
        code). ``choose_iban`` picks the account when the consent page offers several.
        """
        if login not in LOGIN_FORMS:
            raise ValueError(f"login is one of {', '.join(LOGIN_FORMS)}")
        if decision not in ("approve", "cancel"):
            raise ValueError("decision is 'approve' or 'cancel'")
        login_fields = {
            "edentifier": {
                "account_number": account_number,
                "card_number": card_number,
                "response_code": response_code,
            },
            "app": {"account_number": account_number},
            "access_online": {"user_id": user_id, "card_number": card_number, "response_code": response_code},
        }[login]
        self.open(url, stop_at=redirect_uri)
        logged_in = consented = False
        app_waits = 0
        for _ in range(max_steps):
            if self.stopped_at:
                return AuthorizationResult.from_url(self.stopped_at)
            if self.page is None:
                raise HeadlessUserError(
                    f"expected a page, got HTTP {self.response.status_code} "
                    f"{self.response.headers.get('Content-Type', '')}",
                    url=self.url,
                )
            if self.has_form(CONSENT_FORM):
                if consented:
                    raise HeadlessUserError("the consent was not accepted", url=self.url, messages=self.messages())
                consented = True
                fields = {"account": choose_iban} if choose_iban else {}
                self.submit(CONSENT_FORM, fields, button=("decision", decision))
            elif self.has_form(LOGIN_FORMS[login]):
                if logged_in:
                    raise HeadlessUserError("the bank refused the login", url=self.url, messages=self.messages())
                logged_in = True
                self.submit(LOGIN_FORMS[login], {k: v for k, v in login_fields.items() if v is not None})
            elif not logged_in and self.page.find("a", id=LOGIN_LINKS[login]):
                self.follow_link(LOGIN_LINKS[login])
            elif self.page.find(id=APP_WAITING):
                if app_waits >= 1:
                    raise HeadlessUserError("the app login was never confirmed", url=self.url, messages=self.messages())
                app_waits += 1
                self._wait_for_app(confirm_app)
            else:
                raise HeadlessUserError(
                    f"unexpected page {self.title!r} (HTTP {self.response.status_code}, "
                    f"forms: {', '.join(self.form_ids()) or 'none'}): {self.text()[:300]}",
                    url=self.url,
                    messages=self.messages(),
                )
        raise HeadlessUserError(f"no redirect back after {max_steps} steps", url=self.url, messages=self.messages())

    def _wait_for_app(self, confirm_app: Callable[[HeadlessUser], object] | None) -> None:
        """On the app's waiting page: confirm (sandbox callback, or the "phone" page), then poll and continue."""
        waiting = self.page.find(id=APP_WAITING)
        base = self.response.url
        status_url = urljoin(base, waiting["data-status-url"])
        continue_url = urljoin(base, waiting["data-continue-url"])
        if confirm_app is not None:
            confirm_app(self)
        else:
            phone = self.page.find("a", id=APP_PHONE_LINK)
            if phone is None:
                raise HeadlessUserError("no way to confirm the app login", url=self.url)
            self._go("GET", urljoin(base, phone["href"]))
            self.submit(APP_CONFIRM_FORM)
        # What the waiting page's script does: ask the status URL, then go on to the continue URL.
        for _ in range(self.app_polls):
            status = self.session.get(status_url, headers={"Accept": "application/json"}, allow_redirects=False)
            if status.ok and status.json().get("confirmed"):
                break
        self._go("GET", continue_url)
