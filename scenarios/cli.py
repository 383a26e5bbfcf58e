"""The ``mockbank`` command: ``mockbank serve`` runs the whole world on one port."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys

from mockbank.app import config_from_env
from mockbank.clock import FROZEN
from mockbank.clock import RUNNING

# MOCKBANK_* variables that steer the command itself rather than an app's configuration.
_COMMAND_KEYS = (
    "HOST",
    "PORT",
    "PUBLIC_URL",
    "SEED",
    "DATA_DIR",
    "CLOCK",
    "CLOCK_MODE",
    "START",
    "CLOCK_START",
    "FRONT_DOOR",
)


def _env(name: str, default=None):
    return os.environ.get(f"MOCKBANK_{name}", default)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one subparser per command (``serve``; others join later)."""
    parser = argparse.ArgumentParser(
        prog="mockbank",
        description="A local, scriptable ABN AMRO bank and Visma eAccounting bank-connection portal.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser(
        "serve",
        help="run the bank and the portal on one port",
        description=(
            "Run both apps in one process on one clock, each host under its own path prefix. "
            "Every MOCKBANK_* environment variable becomes an app setting (MOCKBANK_CONSENT_DAYS=180, "
            "MOCKBANK_DATABASE_URL=postgresql://..., MOCKBANK_PORTAL_DATABASE_URL=...)."
        ),
    )
    serve.add_argument("--host", default=_env("HOST", "127.0.0.1"), help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=int(_env("PORT", "8000")), help="port; 0 picks a free one")
    serve.add_argument(
        "--data-dir",
        default=_env("DATA_DIR", "./data"),
        help="folder for the SQLite files bank.db and portal.db (default ./data); a restart resumes the world",
    )
    serve.add_argument("--memory", action="store_true", help="keep everything in memory; nothing survives a restart")
    serve.add_argument("--seed", type=int, default=_int_or_none(_env("SEED")), help="build the demo world of this seed")
    serve.add_argument(
        "--clock",
        choices=(FROZEN, RUNNING),
        default=_env("CLOCK_MODE", _env("CLOCK", RUNNING)),
        help="running: simulated time passes with wall time (default); frozen: only when advanced",
    )
    serve.add_argument(
        "--start",
        default=_env("CLOCK_START", _env("START")),
        help="simulated start time, ISO 8601 (naive means Amsterdam), or 'now'",
    )
    serve.add_argument(
        "--public-url",
        default=_env("PUBLIC_URL"),
        help="the address clients use, when not http://HOST:PORT (behind a proxy or a container's port mapping)",
    )
    serve.add_argument("--quiet", action="store_true", help="do not log every request")
    serve.set_defaults(handler=serve_command)
    return parser


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def app_configs(environ: dict | None = None) -> tuple[dict, dict]:
    """The bank's and the portal's settings from ``MOCKBANK_*`` variables (``PORTAL_DATABASE_URL`` is the portal's)."""
    shared = {k: v for k, v in config_from_env(environ).items() if k not in _COMMAND_KEYS}
    portal_url = shared.pop("PORTAL_DATABASE_URL", None)
    bank = dict(shared)
    portal = {k: v for k, v in shared.items() if k != "DATABASE_URL"}
    if portal_url:
        portal["DATABASE_URL"] = portal_url
    return bank, portal


def serve_command(args: argparse.Namespace) -> int:
    """Serve the world until interrupted (Ctrl-C or SIGTERM), then save the clock and close."""
    from scenarios.server import serve

    start = args.start
    if start == "now":
        # Reading the wall clock once, here in the composition root, to start the simulation at today.
        start = dt.datetime.now(dt.UTC)
    bank_config, portal_config = app_configs()
    options = {
        "seed": args.seed,
        "start": start,
        "clock_mode": args.clock,
        "data_dir": None if args.memory else args.data_dir,
        "bank_config": bank_config,
        "portal_config": portal_config,
    }
    server, world = serve(
        None, host=args.host, port=args.port, world_options=options, quiet=args.quiet, public_url=args.public_url
    )
    _print_banner(world, args)

    def _terminate(signum, frame):
        # Stop serving once; a second signal must not interrupt saving the clock and closing.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        world.close()
        print("mockbank stopped", flush=True)
    return 0


def _print_banner(world, args: argparse.Namespace) -> None:
    doc = world.describe()
    storage = "in memory" if args.memory else os.path.abspath(args.data_dir)
    lines = [
        f"mockbank serving on {world.base_url}",
        f"  open {world.base_url}/ in a browser; every base URL as JSON: {world.base_url}/.well-known/mockbank",
        f"  ABN AMRO API     {doc['bank']['api']}",
        f"  ABN AMRO login   {doc['bank']['auth']}",
        f"  bank sandbox     {doc['bank']['sandbox']}",
    ]
    if world.portal_app is not None:
        lines += [
            f"  eAccounting      {doc['portal']['eaccounting']}",
            f"  portal           {doc['portal']['portal']}",
        ]
    lines += [
        f"  clock            {doc['clock']['now']} ({doc['clock']['mode']})",
        f"  seed {world.seed}, data {storage}; Ctrl-C stops",
    ]
    print("\n".join(lines), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mockbank`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except OSError as exc:
        print(f"mockbank: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
