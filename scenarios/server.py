"""The server front door: the whole world on one port, each host under its own prefix.

One process by default (Werkzeug's threaded server); with ``workers`` > 1 gunicorn's workers, forked from a
parent that built the world once, sharing it through its databases (``serve_workers``).
"""

from __future__ import annotations

import gc
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from flask import Flask
from flask import jsonify
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import make_server

from mockbank.sim import security
from mockbank.sim.clock import RUNNING
from scenarios import dashboard
from scenarios.http_errors import JsonErrorRequestHandler
from scenarios.http_errors import ServerErrors
from scenarios.urls import Urls
from scenarios.world import World

WELL_KNOWN = "/.well-known/mockbank"
OAUTH_METADATA = "/.well-known/oauth-authorization-server"
# The bare endpoint next to the world (no database, no clock): the yardstick ``make bench`` measures the API against.
PING = WELL_KNOWN + "/ping"
SERVING_LINE = re.compile(r"^mockbank serving on (?P<url>https?://\S+)\s*$")


def create_root_app(world: World) -> Flask:
    """The app at the server's root: ``/.well-known/mockbank`` and the rehearsal dashboard (the start page)."""
    app = Flask(__name__)
    security.deny_framing(app)

    @app.get(WELL_KNOWN)
    def well_known():
        """Every base URL and the clock, as JSON."""
        return jsonify(world.describe())

    @app.get(PING)
    def ping():
        """A bare Flask answer on the same server: what serving alone costs."""
        return jsonify(pong=True)

    dashboard.init_app(app, world)
    return app


def create_wsgi_app(world: World):
    """Both apps behind one WSGI callable: each host under its prefix, the root app at ``/``.

    RFC 8414 §3 puts the metadata of an issuer with a path (``http://host/abnamro-auth``) at
    ``/.well-known/oauth-authorization-server/abnamro-auth``: such a request goes to the bank mounted there,
    as if it had asked for its own ``/.well-known/oauth-authorization-server``.
    """
    mounts = dict(world.mounts())
    dispatcher = DispatcherMiddleware(create_root_app(world), mounts)
    issuers = {prefix: app for prefix, app in mounts.items() if app is world.bank_app}

    def application(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(OAUTH_METADATA + "/"):
            issuer_path = path[len(OAUTH_METADATA) :].rstrip("/")
            bank = issuers.get(issuer_path)
            if bank is not None:
                script_name = environ.get("SCRIPT_NAME", "") + issuer_path
                return bank({**environ, "SCRIPT_NAME": script_name, "PATH_INFO": OAUTH_METADATA}, start_response)
        return dispatcher(environ, start_response)

    return application


class SharedClockSync:
    """WSGI middleware of a server worker: before each request, adopt the clock another worker moved."""

    def __init__(self, app, clock):
        self.app = app
        self.clock = clock

    def __call__(self, environ, start_response):
        self.clock.sync()
        return self.app(environ, start_response)


class RunningServer:
    """A world served on a port: ``.url``, ``.urls``, ``.world`` (in-thread only) and ``stop()``."""

    def __init__(
        self,
        url: str,
        *,
        world: World | None = None,
        stopper=None,
        owns_world: bool = False,
        process: subprocess.Popen | None = None,
    ):
        self.url = url
        self.world = world
        self.process = process
        self._stopper = stopper
        self._owns_world = owns_world

    @property
    def urls(self) -> Urls:
        """Base URL of every host on this server."""
        return Urls.server(self.url)

    def well_known(self) -> dict:
        """The server's ``/.well-known/mockbank`` document."""
        response = requests.get(self.url + WELL_KNOWN, timeout=10)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        """Stop serving (and close the world when this helper built it)."""
        if self._stopper is not None:
            stopper, self._stopper = self._stopper, None
            stopper()
        if self._owns_world and self.world is not None:
            self.world.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _public_host(host: str) -> str:
    """The host name clients use: a wildcard bind is reached on the loopback address."""
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


class QuietRequestHandler(JsonErrorRequestHandler):
    """Werkzeug's handler without the access log line per request (tests make thousands)."""

    def log_request(self, code="-", size="-") -> None:
        """Log nothing for a handled request; errors are still logged."""


def serve(
    world: World | None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    world_options: dict | None = None,
    quiet: bool = False,
    public_url: str | None = None,
):
    """Bind a threaded server, then build or re-base the world on its real URL; returns (server, world).

    ``public_url`` is the address clients use when it is not ``http://host:port`` (a proxy, a
    container's published port); every base URL and redirect of the world is built on it.
    """
    front = _Front()
    handler = QuietRequestHandler if quiet else JsonErrorRequestHandler
    server: BaseWSGIServer = make_server(host, port, front, threaded=True, request_handler=handler)
    url = (public_url or f"http://{_public_host(host)}:{server.server_port}").rstrip("/")
    try:
        if world is None:
            options = {"clock_mode": RUNNING, **(world_options or {})}
            world = World(base_url=url, **options)
        else:
            world.rebase(url)
    except BaseException:
        server.server_close()
        raise
    front.target = create_wsgi_app(world)
    server.error_bodies = ServerErrors(world)
    if world.clock.mode == RUNNING:
        world.clock.start_ticker()
    return server, world


def serve_workers(
    *,
    workers: int,
    threads: int = 4,
    host: str = "127.0.0.1",
    port: int = 0,
    world_options: dict | None = None,
    quiet: bool = False,
    public_url: str | None = None,
    on_ready=None,
    on_exit=None,
) -> None:
    """Serve the world with gunicorn's ``workers`` processes (``threads`` each) until SIGTERM or SIGINT.

    The socket is bound first (its port decides the world's URLs), the world is built once here, in the
    parent, and then forked: every worker shares it through the databases (which must be files or a server,
    not memory). ``on_ready(world)`` runs once the workers are being started, ``on_exit(world)`` after they
    stopped; the world is closed (the clock saved at the time the workers left it) before this returns.
    """
    from gunicorn.app.base import BaseApplication

    listener = socket.create_server((host, port), backlog=2048)
    listener.set_inheritable(True)
    url = (public_url or f"http://{_public_host(host)}:{listener.getsockname()[1]}").rstrip("/")
    try:
        world = World(base_url=url, **{"clock_mode": RUNNING, **(world_options or {})})
    except BaseException:
        listener.close()
        raise
    world.share_between_workers()
    running = world.clock.mode == RUNNING
    application = SharedClockSync(create_wsgi_app(world), world.clock)
    # The workers open their own connections; none of the parent's may be shared with them.
    world.release_connections()
    # What the parent built lives as long as the workers: keep the collector off it (pages stay shared).
    gc.freeze()
    gc.enable()

    def post_fork(_arbiter, _worker) -> None:
        world.after_fork()
        if running:
            world.clock.start_ticker()

    def when_ready(_arbiter) -> None:
        if on_ready is not None:
            on_ready(world)

    # gunicorn owns the socket from here on (it closes it when it stops).
    listening_fd = listener.detach()
    options = {
        "bind": [f"fd://{listening_fd}"],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # A clock advance runs every due job on the way; gthread's heartbeat is not held up by a long request.
        "timeout": 120,
        "graceful_timeout": 10,
        "preload_app": True,
        "accesslog": None if quiet else "-",
        "errorlog": "-",
        "loglevel": "warning" if quiet else "info",
        "post_fork": post_fork,
        "when_ready": when_ready,
        "proc_name": "mockbank",
        "control_socket_disable": True,
    }

    class _Gunicorn(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return application

    parent = os.getpid()
    try:
        _Gunicorn().run()
    except SystemExit as stop:
        if os.getpid() != parent:
            raise  # a worker leaving: the world is the parent's to close
        if stop.code not in (None, 0):
            raise
    finally:
        if os.getpid() == parent:
            if on_exit is not None:
                on_exit(world)
            world.close()


class _Front:
    """The WSGI callable bound before the world exists (the port decides the world's URLs)."""

    target = None

    def __call__(self, environ, start_response):
        return self.target(environ, start_response)


def wait_until_ready(url: str, *, timeout: float = 15.0, process: subprocess.Popen | None = None) -> dict:
    """Poll ``/.well-known/mockbank`` until it answers; returns the document."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"mockbank exited with code {process.returncode} before answering")
        try:
            response = requests.get(url + WELL_KNOWN, timeout=2)
            if response.ok:
                return response.json()
        except requests.ConnectionError as exc:
            last_error = exc
        # Waiting for a socket to open is real I/O, not simulated time.
        time.sleep(0.02)
    raise TimeoutError(f"mockbank at {url} did not answer within {timeout} s: {last_error}")


def start_server(
    world: World | None = None,
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    in_thread: bool = True,
    quiet: bool = True,
    **world_options,
) -> RunningServer:
    """Serve ``world`` (or a new one made from ``world_options``) on ``port``; returns once it answers.

    ``in_thread=False`` runs ``mockbank serve`` in a subprocess instead (see :func:`start_server_process`).
    """
    if not in_thread:
        if world is not None:
            raise ValueError("a subprocess server builds its own world; pass world options instead")
        return start_server_process(port=port, host=host, **world_options)
    owns_world = world is None
    server, world = serve(world, host=host, port=port, world_options=world_options, quiet=quiet)
    thread = threading.Thread(target=server.serve_forever, name="mockbank-server", daemon=True)
    thread.start()

    def stopper() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        world.clock.stop_ticker()

    running = RunningServer(
        f"http://{_public_host(host)}:{server.server_port}", world=world, stopper=stopper, owns_world=owns_world
    )
    try:
        wait_until_ready(running.url)
    except Exception:
        running.stop()
        raise
    return running


def start_server_process(
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    seed: int | None = 42,
    data_dir: str | Path | None = None,
    clock_mode: str | None = None,
    start: str | None = None,
    env: dict | None = None,
    timeout: float = 30.0,
    workers: int | None = None,
    quiet: bool = False,
) -> RunningServer:
    """Run ``mockbank serve`` in a subprocess, read the port it chose, and wait until it answers.

    ``workers`` > 1 serves with that many gunicorn workers (``data_dir`` or a database URL in ``env`` needed).
    """
    args = [sys.executable, "-m", "scenarios.cli", "serve", "--port", str(port), "--host", host]
    if workers is not None:
        args += ["--workers", str(workers)]
    if quiet:
        args += ["--quiet"]
    if seed is not None:
        args += ["--seed", str(seed)]
    if data_dir is not None:
        args += ["--data-dir", str(data_dir)]
    else:
        args += ["--memory"]
    if clock_mode is not None:
        args += ["--clock", clock_mode]
    if start is not None:
        args += ["--start", start]
    log = tempfile.TemporaryFile(prefix="mockbank-serve-")
    process = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=log,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
    url = None
    drain: threading.Thread | None = None
    try:
        for line in process.stdout:
            match = SERVING_LINE.match(line.strip())
            if match:
                url = match.group("url")
                break
        if url is None:
            process.wait(timeout=timeout)
            raise RuntimeError(f"mockbank serve exited ({process.returncode}) without serving: {_read(log)}")
        # Keep draining stdout so a chatty server never blocks on a full pipe.
        drain = threading.Thread(target=_drain, args=(process.stdout,), daemon=True)
        drain.start()
        wait_until_ready(url, timeout=timeout, process=process)
    except Exception:
        _terminate(process, drain)
        log.close()
        raise

    def stopper() -> None:
        _terminate(process, drain)
        log.close()

    return RunningServer(url, stopper=stopper, process=process)


def _drain(stream) -> None:
    for _ in stream:
        pass


def _read(log) -> str:
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-4000:]


def _terminate(process: subprocess.Popen, drain: threading.Thread | None = None) -> None:
    """SIGTERM (the CLI saves the clock and closes the databases), then SIGKILL if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    if drain is not None:
        drain.join(timeout=5)
    process.stdout.close()
