"""The ``mockbank`` command: ``mockbank serve`` runs the whole world on one port; ``mockbank scenario`` lists and
runs the onboarding scenarios."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys

from consent_server.settings import config_from_env as portal_config_from_env
from mockbank.app import config_from_env
from mockbank.sim.clock import FROZEN
from mockbank.sim.clock import RUNNING
from mockbank.sim.errors import OutdatedDatabase

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
    """The argument parser, one subparser per command (``serve``, ``scenario``)."""
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
    _add_scenario_parser(commands)
    return parser


def _add_scenario_parser(commands) -> None:
    """``mockbank scenario list`` and ``mockbank scenario run NAME``."""
    scenario = commands.add_parser(
        "scenario",
        help="list and run the onboarding scenarios",
        description="The catalogue of onboarding scenarios, replayed with Faker data from a seed.",
    )
    actions = scenario.add_subparsers(dest="scenario_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every scenario with its one-line description")
    listing.set_defaults(handler=scenario_list_command)
    run = actions.add_parser(
        "run",
        help="run one scenario, in-process or against a running mockbank serve",
        description=(
            "Bring the world to the known state of the seed, play the scenario and print its timeline "
            "(simulated time, actor, step, outcome). Exits 1 when an expectation fails, naming the step."
        ),
    )
    run.add_argument("name", metavar="NAME", help="the scenario (see: mockbank scenario list)")
    run.add_argument("--seed", type=int, default=7, help="the seed of the world and its Faker data (default 7)")
    run.add_argument(
        "--server",
        metavar="URL",
        default=None,
        help="run against the mockbank serve at URL and leave its world in the end state (default: in-process)",
    )
    run.add_argument(
        "--sandbox-token",
        metavar="TOKEN",
        default=_env("SANDBOX_TOKEN"),
        help="the server's sandbox token, when it runs with MOCKBANK_SANDBOX_TOKEN (default: that variable)",
    )
    run.add_argument(
        "--replace",
        action="store_true",
        help="with --server: replace a world that holds someone's work (administrations, registrations, consents) "
        "without asking",
    )
    run.add_argument("--json", metavar="FILE", default=None, help="write the result as JSON to FILE ('-': stdout)")
    run.add_argument("--quiet", action="store_true", help="print no timeline, only the outcome")
    run.set_defaults(handler=scenario_run_command)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def app_configs(environ: dict | None = None) -> tuple[dict, dict]:
    """The bank's and the portal's settings from ``MOCKBANK_*`` variables (``PORTAL_DATABASE_URL`` is the portal's)."""
    bank = {k: v for k, v in config_from_env(environ).items() if k not in _COMMAND_KEYS}
    bank.pop("PORTAL_DATABASE_URL", None)
    # A served world lives (its seeded accounts get bookings as days pass) unless MOCKBANK_LIVING_BANK=false.
    bank.setdefault("LIVING_BANK", True)
    # Each app reads the same variables by its own settings' types (the portal's LEDGER_DEFAULTS is JSON).
    portal = {k: v for k, v in portal_config_from_env(environ).items() if k not in _COMMAND_KEYS}
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
            f"  outbox           {doc['portal']['outbox']}",
        ]
    lines += [
        f"  clock            {doc['clock']['now']} ({doc['clock']['mode']})",
        f"  seed {world.seed}, data {storage}; Ctrl-C stops",
    ]
    if world.sandbox_token:
        lines.append("  the sandbox APIs ask for MOCKBANK_SANDBOX_TOKEN (Authorization: Bearer ...)")
    print("\n".join(lines), flush=True)
    if not world.sandbox_token and args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"mockbank: serving on {args.host} with an open sandbox: anyone who reaches it can register clients "
            "and move the clock; set MOCKBANK_SANDBOX_TOKEN on a shared host (docs/security.md)",
            file=sys.stderr,
            flush=True,
        )


def scenario_list_command(args: argparse.Namespace) -> int:
    """Print the catalogue: one line per scenario, name and description."""
    from scenarios import catalogue

    scenarios = catalogue.all_scenarios()
    width = max([len("NAME")] + [len(s.name) for s in scenarios])
    print(f"{'NAME':<{width}}  DESCRIPTION")
    for item in scenarios:
        print(f"{item.name:<{width}}  {item.description}")
    return 0


class _CliReporter:
    """Prints each step as it ends; on a terminal, a "step k" line on stderr while a step runs."""

    def __init__(self, out, *, quiet: bool, progress):
        self.out = out
        self.quiet = quiet
        self.progress = progress
        self.urls = None

    def world_found(self, urls) -> None:
        """Print the steps with this world's real addresses (the result keeps ``{portal}``)."""
        self.urls = urls

    def step_started(self, number: int, actor: str, action: str) -> None:
        """Show which step is running (terminals only)."""
        if self.progress is not None:
            self.progress.write(f"\r\x1b[K  step {number}: {actor}: {action}"[:120])
            self.progress.flush()

    def step_finished(self, entry) -> None:
        """Clear the progress line and print the step."""
        if self.progress is not None:
            self.progress.write("\r\x1b[K")
            self.progress.flush()
        if not self.quiet:
            _emit(entry.line(self.urls), self.out)


def _emit(text: str, out) -> None:
    """Print a line; when the reader went away (``| head``), go on quietly: the world still reaches its end."""
    try:
        print(text, file=out, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        os.close(devnull)


def scenario_run_command(args: argparse.Namespace) -> int:
    """Run one scenario; exit 0 when every expectation held, 1 when one failed (the step is named), 2 for usage."""
    from scenarios import catalogue
    from scenarios.runner import ExpectationFailed
    from scenarios.runner import ScenarioError
    from scenarios.runner import run_scenario
    from scenarios.runner import well_known

    try:
        chosen = catalogue.get(args.name)
    except catalogue.UnknownScenario as unknown:
        print(f"mockbank: unknown scenario {args.name!r}; choose one of:", file=sys.stderr)
        for name in unknown.known:
            print(f"  {name}", file=sys.stderr)
        return 2
    # With the JSON on stdout, the timeline goes to stderr so the JSON stays parseable.
    out = sys.stderr if args.json == "-" else sys.stdout
    reporter = _CliReporter(out, quiet=args.quiet, progress=sys.stderr if sys.stderr.isatty() else None)
    where = f"against {args.server}" if args.server else "in-process"
    if not args.quiet:
        _emit(f"scenario {chosen.name} (seed {args.seed}, {where}): {chosen.description}", out)
    world = None
    if args.server and not args.replace:
        try:
            held = _work_held(args.server.rstrip("/"), sandbox_token=args.sandbox_token)
        except ScenarioError as exc:
            print(f"mockbank: {exc}", file=sys.stderr)
            return 1
        if held and not _confirmed(args.server, held):
            print(
                f"mockbank: the world at {args.server} holds {held}; a scenario replaces it. "
                "Run again with --replace to replace it.",
                file=sys.stderr,
            )
            return 2
    try:
        if args.server:
            target = args.server.rstrip("/")
        else:
            from scenarios.world import World

            # The runner seeds the bank itself; an empty world spares building the demo twice.
            target = world = World(seed=None)
        token = args.sandbox_token if args.server else None
        result = run_scenario(target, chosen.name, seed=args.seed, reporter=reporter, sandbox_token=token)
    except ScenarioError as exc:
        print(f"mockbank: {exc}", file=sys.stderr)
        return 1
    finally:
        if world is not None:
            world.close()
    if args.json:
        text = result.dumps()
        if args.json == "-":
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            with open(args.json, "w", encoding="utf-8") as handle:
                handle.write(text)
    if not result.passed:
        print(f"FAILED: scenario {chosen.name} (seed {args.seed}) at {result.failure.describe()}", file=sys.stderr)
        if result.error is not None and not isinstance(result.error, (ExpectationFailed, *_sdk_errors())):
            # Not a failed expectation but a bug or a broken world: the traceback says where.
            print(_traceback(result.error), file=sys.stderr, end="")
        return 1
    if not args.quiet:
        _emit(f"passed: {len(result.timeline)} steps", out)
    if args.server:
        _print_end_state(result, well_known(target), out)
    return 0


def _work_held(url: str, *, sandbox_token: str | None = None) -> str:
    """What the world at ``url`` holds beyond a freshly seeded bank, in words ("" when nothing)."""
    from client_sdk import BankSandbox
    from client_sdk.errors import BankApiError
    from client_sdk.portal import PortalSandbox
    from scenarios.runner import ScenarioError
    from scenarios.runner import urls_from_well_known
    from scenarios.runner import well_known

    urls = urls_from_well_known(well_known(url))
    try:
        portal = PortalSandbox(base_url=urls.portal, token=sandbox_token)
        bank = BankSandbox(base_url=urls.bank_api, token=sandbox_token)
        counts = (
            (len(portal.administrations()), "administration", "administrations"),
            (len(portal.registrations()), "registration", "registrations"),
            (len(bank.consents()), "consent at the bank", "consents at the bank"),
        )
    except BankApiError as exc:
        raise ScenarioError(f"cannot read what the world at {url} holds: {exc}") from exc
    return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts if n)


def _confirmed(url: str, held: str) -> bool:
    """On a terminal, ask before replacing someone's work; elsewhere (CI, pipes) never assume yes."""
    if not sys.stdin.isatty():
        return False
    answer = input(f"The world at {url} holds {held}. Replace it with the scenario's world? [y/N] ")
    return answer.strip().lower() in ("y", "yes", "j", "ja")


def _sdk_errors() -> tuple[type, ...]:
    from client_sdk.errors import BankApiError
    from client_sdk.headless import HeadlessUserError

    return (BankApiError, HeadlessUserError)


def _traceback(error: BaseException) -> str:
    import traceback

    return "".join(traceback.format_exception(error))


def _print_end_state(result, doc: dict, out) -> None:
    """The addresses a partner opens to look around the world the scenario left behind."""
    lines = ["The world stays in its end state; open in a browser:"]
    for name, url in result.absolute_links().items():
        lines.append(f"  {name:<16} {url}")
    portal = doc.get("portal") or {}
    lines.append(f"  {'eAccounting home':<16} {portal.get('eaccounting')}/")
    lines.append(f"  {'internet banking':<16} {doc['bank']['auth']}/internetbankieren")
    for key, label in (("outbox", "outbox"), ("mail", "mail")):
        if portal.get(key):
            lines.append(f"  {label:<16} {portal[key]}")
    _emit("\n".join(lines), out)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mockbank`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (OSError, OutdatedDatabase) as exc:
        print(f"mockbank: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
