"""The in-process front door: ``requests`` traffic for the world's hosts goes into the apps' test clients.

Like ``responses.activate`` or moto's ``mock_aws``, a :class:`Routing` is a context manager and a
decorator. While active, a ``responses.RequestsMock`` holds ONE ``CallbackResponse`` per (host, HTTP
method) - one per pair, so responses' first-match removal never applies - whose callback rebuilds
the ``PreparedRequest`` as a werkzeug ``EnvironBuilder`` and hands it to the app's test client
(the bridge of adamtheturtle/requests-mock-flask). Every HTTP method is registered, so Flask answers
405 itself; a request for any other host still raises ``ConnectionError``, so nothing leaks out.
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import responses
from flask import Flask
from requests import PreparedRequest
from werkzeug.test import EnvironBuilder

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
# Framing headers describe the wire, not the request: the body arrives whole, and its length is recomputed.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


@dataclass(frozen=True)
class Host:
    """A real-looking host served in-process by one app; ``ports`` besides the scheme's default."""

    name: str
    app: Flask
    ports: tuple[int, ...] = ()

    def pattern(self) -> re.Pattern:
        """The URL regex of this host: ``https``, the default port or one of ``ports``, then a path or nothing."""
        ports = "|".join(str(p) for p in (443, *self.ports))
        return re.compile(rf"^https://{re.escape(self.name)}(?::(?:{ports}))?(?:[/?#]|$)", re.IGNORECASE)


def _body_bytes(body) -> bytes:
    """The request body as bytes: ``requests`` leaves str (forms), bytes (json) or an iterable (streams)."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return _body_bytes(body.read())
    return b"".join(_body_bytes(chunk) for chunk in body)


def forward(app: Flask, request: PreparedRequest) -> tuple[int, list[tuple[str, str]], bytes]:
    """Send one prepared request through ``app``'s test client; returns (status, headers, body) for responses."""
    parts = urlsplit(request.url)
    # The Host header the app sees is the real-looking one, so url_for(_external=True) and
    # redirects name the right host and port.
    builder = EnvironBuilder(
        path=parts.path or "/",
        query_string=parts.query,
        base_url=f"{parts.scheme}://{parts.netloc}/",
        method=request.method,
        headers=[(k, v) for k, v in request.headers.items() if k.lower() not in _FRAMING_HEADERS],
        data=_body_bytes(request.body),
    )
    try:
        # use_cookies=False: the caller's Cookie header is the only cookie state, so a
        # requests.Session keeps cookies the way a browser does, exactly as in server mode.
        client = app.test_client(use_cookies=False)
        response = client.open(builder, buffered=True)
        try:
            return response.status_code, response.headers.to_wsgi_list(), response.get_data()
        finally:
            response.close()
    finally:
        builder.close()


class Routing:
    """Routes ``requests`` calls for ``hosts`` into their apps while active.

    Use it as ``with routing:``, as ``@routing`` on a function, or call ``start()``/``stop()``.
    Activation nests (a counter), so an app handling a request may itself call another host of the
    world through ``requests``: the patch stays in place and the callback is re-entered.
    """

    def __init__(self, hosts: Iterable[Host]):
        self.hosts = tuple(hosts)
        self._lock = threading.RLock()
        self._depth = 0
        self._mock: responses.RequestsMock | None = None

    @property
    def active(self) -> bool:
        """True while requests are being routed."""
        return self._depth > 0

    def add_to(self, mock: responses.RequestsMock) -> None:
        """Register the world's hosts on a ``responses`` mock of the caller's own (one callback per host and method)."""
        for host in self.hosts:
            pattern = host.pattern()
            callback = functools.partial(forward, host.app)
            for method in HTTP_METHODS:
                mock.add(responses.CallbackResponse(method, pattern, callback=callback, content_type=None))

    def start(self) -> None:
        """Begin routing (nested starts only count)."""
        with self._lock:
            if self._depth == 0:
                mock = responses.RequestsMock(assert_all_requests_are_fired=False)
                self.add_to(mock)
                mock.start()
                self._mock = mock
            self._depth += 1

    def stop(self) -> None:
        """End one activation; routing stops when the outermost one ends."""
        with self._lock:
            if self._depth == 0:
                return
            self._depth -= 1
            if self._depth == 0 and self._mock is not None:
                self._mock.stop(allow_assert=False)
                self._mock.reset()
                self._mock = None

    @property
    def calls(self) -> list:
        """The requests routed so far in this activation (``responses`` call records)."""
        return list(self._mock.calls) if self._mock is not None else []

    def __enter__(self) -> Routing:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __call__(self, func: Callable) -> Callable:
        """Decorate ``func`` so it runs with routing active."""

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return wrapper


@contextlib.contextmanager
def only_allow(*prefixes: str):
    """While active, ``requests`` may reach only URLs starting with ``prefixes``; anything else raises ConnectionError.

    The server front door uses this so that, as in-process, no call slips out to the real hosts.
    """
    mock = responses.RequestsMock(assert_all_requests_are_fired=False, passthru_prefixes=tuple(prefixes))
    mock.start()
    try:
        yield mock
    finally:
        mock.stop(allow_assert=False)
        mock.reset()
