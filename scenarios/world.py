"""The world: the composition root that builds the bank and the portal on one simulated clock.

Its hosts and base URLs are in :mod:`scenarios.urls`, how the portal is set up at the bank in
:mod:`scenarios.portal_setup`; both are importable from here too.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path

from flask import Flask

import consent_server
import mockbank
from client_sdk.sandbox import sandbox_headers
from mockbank.backend import BankBackend
from mockbank.sim.clock import FROZEN
from mockbank.sim.clock import RUNNING
from mockbank.sim.clock import SimClock
from scenarios.portal_setup import PORTAL_CLIENT_ID
from scenarios.portal_setup import PORTAL_CLIENT_NAME
from scenarios.portal_setup import kvk_companies
from scenarios.routing import Host
from scenarios.routing import Routing
from scenarios.urls import BANK_API_HOST
from scenarios.urls import BANK_AUTH_HOST
from scenarios.urls import BANK_TOKEN_PORT
from scenarios.urls import EACCOUNTING_API_HOST
from scenarios.urls import EACCOUNTING_HOST
from scenarios.urls import KVK_HOST
from scenarios.urls import PORTAL_HOST
from scenarios.urls import PREFIXES
from scenarios.urls import Urls


class World:
    """Both apps on one clock with one seed: the thing tests and ``mockbank serve`` run.

    ``seed`` builds the bank's demo world (None: an empty bank); ``start`` and ``clock_mode`` set the
    clock (``frozen`` moves only when advanced); ``data_dir`` keeps both databases as SQLite files
    (``bank.db``, ``portal.db``) so a new world on the same folder resumes the old one, simulated
    time included. ``config`` goes to both apps (its ``DATABASE_URL`` is the bank's), ``bank_config``/
    ``portal_config`` to one each; ``portal=False`` builds the bank alone.
    ``base_url`` chooses the server front door's URLs (``http://host:port``); without it the world
    answers on the real-looking hosts, through :meth:`activate`.
    """

    def __init__(
        self,
        *,
        seed: int | None = 42,
        start: dt.datetime | str | None = None,
        config: dict | None = None,
        consent_days: int | None = None,
        clock_mode: str = FROZEN,
        data_dir: str | Path | None = None,
        base_url: str | None = None,
        bank_config: dict | None = None,
        portal_config: dict | None = None,
        clock: SimClock | None = None,
        portal: bool = True,
    ):
        self._seed = seed
        self.data_dir = Path(data_dir) if data_dir is not None else None
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.urls = Urls.server(self.base_url) if self.base_url else Urls.inprocess()
        self.clock = clock or SimClock(mode=clock_mode, start=start)

        shared = dict(config or {})
        bank = {**shared, **(bank_config or {})}
        bank.setdefault("DATABASE_URL", self._database_url("bank.db"))
        bank.update(self._dashboard_config())
        bank["SEED"] = seed
        if consent_days is not None:
            bank["CONSENT_DAYS"] = consent_days
        self.bank_app: Flask = mockbank.create_app(bank, clock=self.clock)

        self.portal_app: Flask | None = None
        if portal:
            settings = {**shared, **(portal_config or {}), **self.urls.portal_config(), **self._dashboard_config()}
            settings["DATABASE_URL"] = (portal_config or {}).get("DATABASE_URL") or self._database_url("portal.db")
            if consent_days is not None:
                settings["CONSENT_DAYS"] = consent_days
            self.portal_app = consent_server.create_app(settings, clock=self.clock)

        self._routing: Routing | None = None
        self._closed = False
        self.connect_portal()
        self.register_companies()

    @property
    def seed(self) -> int | None:
        """The seed the bank's world was last built from (None: an empty bank), as the bank itself records it.

        Read from the bank, not remembered here: a scenario run or a reseed through the sandbox API
        changes it, and the start page must say what is true.
        """
        stored = self.bank_backend.bank.get_setting("seed")
        return int(stored) if stored is not None else None

    @property
    def dashboard_url(self) -> str | None:
        """The rehearsal dashboard (the server's start page); None in-process, where no browser comes."""
        return self.base_url + "/" if self.base_url else None

    def _dashboard_config(self) -> dict:
        return {"DASHBOARD_URL": self.dashboard_url}

    def _database_url(self, name: str) -> str:
        if self.data_dir is None:
            return "sqlite://"
        return f"sqlite:///{(self.data_dir / name).resolve()}"

    # --- the parts ------------------------------------------------------------------------------

    @property
    def bank_backend(self) -> BankBackend:
        """The bank's backend: its database, ids, due jobs and service objects."""
        return self.bank_app.extensions["mockbank"]

    @property
    def portal_backend(self):
        """The portal's backend (None in a bank-only world)."""
        return self.portal_app.extensions["consent_server"] if self.portal_app is not None else None

    @property
    def apps(self) -> dict[str, Flask]:
        """Every app of the world by name."""
        apps = {"bank": self.bank_app}
        if self.portal_app is not None:
            apps["portal"] = self.portal_app
        return apps

    def hosts(self) -> list[Host]:
        """The real-looking hosts and the app behind each (the in-process routing table)."""
        hosts = [Host(BANK_API_HOST, self.bank_app), Host(BANK_AUTH_HOST, self.bank_app, (BANK_TOKEN_PORT,))]
        if self.portal_app is not None:
            hosts += [
                Host(name, self.portal_app) for name in (EACCOUNTING_API_HOST, EACCOUNTING_HOST, PORTAL_HOST, KVK_HOST)
            ]
        return hosts

    def mounts(self) -> dict[str, Flask]:
        """The server-mode path prefix of every host and the app behind it."""
        mounts = {PREFIXES["bank_api"]: self.bank_app, PREFIXES["bank_auth"]: self.bank_app}
        if self.portal_app is not None:
            for name in ("eaccounting_api", "eaccounting", "portal", "kvk"):
                mounts[PREFIXES[name]] = self.portal_app
        return mounts

    @property
    def front_door(self) -> str:
        """``server`` when served at a base URL, else ``inprocess``."""
        return "server" if self.base_url else "inprocess"

    def rebase(self, base_url: str) -> None:
        """Serve the world under ``base_url`` (a server whose port became known after the world was built)."""
        if self._routing is not None and self._routing.active:
            raise RuntimeError("stop in-process routing before serving the world at a base URL")
        old_portal = self.urls.portal
        self.base_url = base_url.rstrip("/")
        self.urls = Urls.server(self.base_url)
        self._routing = None
        if self.portal_app is not None:
            changes = self.urls.portal_config()
            # The portal derives its redirect URI from its base once; move it along with the base.
            redirect_uri = self.portal_app.config.get("PORTAL_REDIRECT_URI") or ""
            if redirect_uri.startswith(old_portal):
                changes["PORTAL_REDIRECT_URI"] = self.urls.portal + redirect_uri[len(old_portal) :]
            self.portal_backend.reconfigure({**changes, **self._dashboard_config()})
            self.connect_portal()
        # Read by the bank's templates at request time (its login screens link to the test users).
        self.bank_app.config.update(self._dashboard_config())

    def connect_portal(self) -> None:
        """Register the portal at the bank as an OAuth client (redirect and callback URLs) and hand it the credentials.

        Idempotent: an existing registration (a data dir, a re-based world) gets the current URLs added.
        """
        if self.portal_app is None:
            return
        portal = self.portal_app.test_client()
        wanted = portal.get("/sandbox/bank-client", headers=self._sandbox_headers(self.portal_app)).get_json()
        redirect_uri, callback_url = wanted["redirectUri"], wanted["callbackUrl"]
        consents = self.bank_backend.consents
        if consents.client(PORTAL_CLIENT_ID) is None:
            consents.register_client(
                name=PORTAL_CLIENT_NAME,
                redirect_uris=[redirect_uri],
                client_id=PORTAL_CLIENT_ID,
                software_name=PORTAL_CLIENT_NAME,
                callback_url=callback_url,
            )
        else:
            self._update_bank_client(redirect_uri, callback_url)
        client = consents.client(PORTAL_CLIENT_ID)
        credentials = {
            "BANK_CLIENT_ID": client.client_id,
            "BANK_API_KEY": client.api_key,
            "BANK_CLIENT_SECRET": client.client_secret,
            "BANK_CALLBACK_SECRET": client.callback_secret,
        }
        # In the config too, so the portal's own reset keeps its registration.
        self.portal_backend.reconfigure(credentials)
        answer = portal.post(
            "/sandbox/bank-client",
            headers=self._sandbox_headers(self.portal_app),
            json={
                "clientId": client.client_id,
                "apiKey": client.api_key,
                "clientSecret": client.client_secret,
                "callbackSecret": client.callback_secret,
            },
        )
        if answer.status_code >= 400:
            raise RuntimeError(f"the portal refused its bank credentials: {answer.get_data(as_text=True)}")

    def register_companies(self) -> None:
        """Put every business customer of the bank in the portal's KvK register (KvK's own test numbers stay)."""
        if self.portal_app is None:
            return
        bank_headers = self._sandbox_headers(self.bank_app)
        customers = self.bank_app.test_client().get("/sandbox/customers", headers=bank_headers).get_json()["customers"]
        portal, headers = self.portal_app.test_client(), self._sandbox_headers(self.portal_app)
        for kvk_number, name in kvk_companies(customers):
            body = {"kvkNummer": kvk_number, "naam": name, "source": "world"}
            answer = portal.post("/sandbox/kvk", json=body, headers=headers)
            # A number that clashes with one of KvK's error-case test numbers keeps its test behaviour.
            if answer.status_code >= 500:
                raise RuntimeError(f"the portal refused a company: {answer.get_data(as_text=True)}")

    @property
    def sandbox_token(self) -> str | None:
        """The token the bank's sandbox API asks for (``SANDBOX_TOKEN``); None while it is open."""
        return self.bank_app.config.get("SANDBOX_TOKEN")

    @staticmethod
    def _sandbox_headers(app: Flask) -> dict:
        # The world talks to its own apps' sandboxes too, and carries their token like any client.
        return sandbox_headers(app.config.get("SANDBOX_TOKEN"))

    def _update_bank_client(self, redirect_uri: str, callback_url: str) -> None:
        # The bank has no "edit client" verb (ABN AMRO's developer portal is out of scope); the
        # composition root updates the row itself. A restarted or re-based world answers on new URLs.
        from sqlalchemy import select

        from mockbank.models import OAuthClient

        with self.bank_backend.db.transaction() as session:
            client = session.scalar(select(OAuthClient).where(OAuthClient.client_id == PORTAL_CLIENT_ID))
            if redirect_uri not in client.redirect_uris:
                client.redirect_uris = [*client.redirect_uris, redirect_uri]
            if client.callback_url != callback_url:
                client.callback_url = callback_url
                if client.callback_secret is None:
                    client.callback_secret = self.bank_backend.ids.token(32)

    def describe(self) -> dict:
        """The ``/.well-known/mockbank`` document: every base URL (``portal`` null without a portal), the clock."""
        urls = self.urls.to_json()
        if self.portal_app is None:
            urls["portal"] = None
        return {**urls, "clock": {"now": self.clock.now().isoformat(), "mode": self.clock.mode}, "seed": self.seed}

    # --- time -----------------------------------------------------------------------------------

    def advance(
        self,
        delta: dt.timedelta | float | int | None = None,
        *,
        working_days: int | None = None,
        to: dt.datetime | str | None = None,
        calendar: str = "werkdagen",
        **units: float,
    ) -> dt.datetime:
        """Move the clock by a duration (``delta`` or ``days=``/``hours=``...), ``working_days``, or ``to`` a moment.

        Every due job of every app runs on the way, in time order; returns the new simulated time.
        """
        chosen = sum(x is not None for x in (delta, working_days, to)) + bool(units)
        if chosen != 1:
            raise TypeError("advance by one of: a duration, days=/hours=/minutes=/seconds=/weeks=, working_days=, to=")
        if to is not None:
            return self.clock.advance_to(to)
        if working_days is not None:
            return self.clock.advance_working_days(working_days, calendar)
        if units:
            delta = dt.timedelta(**units)
        return self.clock.advance(delta)

    def now(self) -> dt.datetime:
        """The simulated time."""
        return self.clock.now()

    # --- state ----------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the freshly seeded world of its seed (an empty one without a seed); the clock keeps its time."""
        self.reseed(self.seed)

    def reseed(self, seed: int | None) -> None:
        """Replace the world by the freshly seeded world of ``seed`` (None: empty); the clock keeps its time."""
        backend = self.bank_backend
        if seed is None:
            backend.reset()
        else:
            backend.seed(seed)
        if self.portal_app is not None:
            # The portal's sandbox API is its contract; going through it keeps the world free of its internals.
            response = self.portal_app.test_client().post(
                "/sandbox/reset", headers=self._sandbox_headers(self.portal_app)
            )
            if response.status_code >= 400:
                raise RuntimeError(f"the portal refused to reset: {response.get_data(as_text=True)}")
            self.connect_portal()
            self.register_companies()

    # --- front doors ----------------------------------------------------------------------------

    @property
    def routing(self) -> Routing:
        """The in-process routing of this world (made once)."""
        if self._routing is None:
            self._routing = Routing(self.hosts())
        return self._routing

    def activate(self, func: Callable | None = None):
        """Route ``requests`` for the world's hosts into its apps: ``with world.activate():`` or ``@world.activate``.

        Unknown hosts raise ``requests.ConnectionError`` while active, so nothing leaks out.
        """
        if self.base_url is not None:
            raise RuntimeError("this world is served at a base URL; in-process routing serves the real-looking hosts")
        if func is not None:
            return self.routing(func)
        return self.routing

    # --- clients --------------------------------------------------------------------------------

    def bank_sandbox(self, *, session=None):
        """A ``client_sdk.BankSandbox`` bound to this world's bank."""
        import client_sdk

        return client_sdk.BankSandbox(base_url=self.urls.bank_api, session=session, token=self.sandbox_token)

    def portal_sandbox(self, *, session=None):
        """A ``client_sdk.portal.PortalSandbox`` bound to this world's portal."""
        from client_sdk.portal import PortalSandbox

        return PortalSandbox(
            base_url=self.urls.portal, session=session, token=self.portal_app.config.get("SANDBOX_TOKEN")
        )

    def abnamro_client(self, *, client_id: str, api_key: str, client_secret: str | None = None, session=None, **kwargs):
        """A ``client_sdk.AbnAmroClient`` for a registered client, bound to this world's bank hosts and clock."""
        import client_sdk

        kwargs.setdefault("clock", self.clock.now)
        return client_sdk.AbnAmroClient(
            client_id=client_id,
            client_secret=client_secret,
            api_key=api_key,
            api_base=self.urls.bank_api,
            auth_base=self.urls.bank_auth,
            token_url=self.urls.bank_token,
            session=session,
            **kwargs,
        )

    # --- lifetime -------------------------------------------------------------------------------

    def save_clock(self) -> None:
        """Write the clock's current state to every app's store (running time included)."""
        self.bank_backend.clock_store.save_clock_state(self.clock.state())
        portal_store = self._portal_clock_store()
        if portal_store is not None:
            portal_store.save_clock_state(self.clock.state())

    def _portal_clock_store(self):
        return getattr(self.portal_backend, "clock_store", None)

    def close(self) -> None:
        """Stop routing and the ticker, save the clock, and close both databases."""
        if self._closed:
            return
        self._closed = True
        while self._routing is not None and self._routing.active:
            self._routing.stop()
        self.clock.stop_ticker()
        self.save_clock()
        self.bank_backend.close()
        if self.portal_backend is not None:
            self.portal_backend.close()

    def __enter__(self) -> World:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def mock_world(func: Callable | None = None, **options):
    """A fresh world, activated in-process, closed afterwards: ``with mock_world(seed=7) as world:`` or ``@mock_world``.

    As a decorator the world is passed to the function as the ``world`` keyword argument.
    """
    if func is not None:
        return _decorate(func, options)
    return _MockWorld(options)


class _MockWorld:
    """Context manager behind :func:`mock_world`."""

    def __init__(self, options: dict):
        self.options = options
        self.world: World | None = None

    def __enter__(self) -> World:
        self.world = World(**self.options)
        self.world.activate().start()
        return self.world

    def __exit__(self, *exc_info) -> None:
        self.world.close()

    def __call__(self, func: Callable) -> Callable:
        return _decorate(func, self.options)


def _decorate(func: Callable, options: dict) -> Callable:
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _MockWorld(options) as world:
            return func(*args, world=world, **kwargs)

    return wrapper


__all__ = [
    "FROZEN",
    "PORTAL_CLIENT_ID",
    "PORTAL_CLIENT_NAME",
    "RUNNING",
    "Urls",
    "World",
    "kvk_companies",
    "mock_world",
]
