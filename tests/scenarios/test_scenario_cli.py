"""``mockbank scenario list`` and ``mockbank scenario run``: the table, the timeline, exit codes, JSON, a server."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from client_sdk.portal import PortalSandbox
from scenarios import catalogue
from scenarios import cli
from scenarios.catalogue import scenario
from scenarios.urls import Urls
from scenarios.urls import expand


@pytest.fixture
def failing_scenario():
    """A scenario of this test only: its second step expects the wrong answer."""

    @scenario("cli_failing", "A test's own scenario whose second step expects the wrong answer")
    def cli_failing(ctx, fake):
        ctx.note("Tester", "say hello", "hello")
        with ctx.step("Tester", "check the answer"):
            ctx.expect(False, "the answer is 41, not 42")

    yield "cli_failing"
    catalogue.unregister("cli_failing")


def test_list_prints_every_scenario_with_its_description(capsys):
    assert cli.main(["scenario", "list"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "DESCRIPTION"]
    assert [line.split()[0] for line in lines[1:]] == catalogue.names()
    for line, item in zip(lines[1:], catalogue.all_scenarios(), strict=True):
        assert line.endswith(item.description)


def test_an_unknown_name_exits_2_listing_the_names(capsys):
    assert cli.main(["scenario", "run", "no_such_scenario"]) == 2

    err = capsys.readouterr().err
    assert "unknown scenario 'no_such_scenario'" in err
    assert all(f"  {name}\n" in err for name in catalogue.names())


def test_a_failed_expectation_exits_1_naming_the_step(capsys, failing_scenario):
    assert cli.main(["scenario", "run", failing_scenario, "--seed", "3"]) == 1

    captured = capsys.readouterr()
    assert "FAILED: scenario cli_failing (seed 3) at step 3 (Tester: check the answer): the answer is 41, not 42" in (
        captured.err
    )
    timeline = [line for line in captured.out.splitlines() if line[:3].strip().isdigit()]
    assert [line.split()[0] for line in timeline] == ["1", "2", "3"]
    assert timeline[2].endswith("check the answer -> FAILED: the answer is 41, not 42")
    assert "Traceback" not in captured.err


def test_run_prints_the_timeline_as_it_goes_and_writes_the_json(tmp_path, capsys):
    target = tmp_path / "result.json"

    assert cli.main(["scenario", "run", "happy_path_consented", "--seed", "11", "--json", str(target)]) == 0

    out = capsys.readouterr().out.splitlines()
    data = json.loads(target.read_text(encoding="utf-8"))
    assert out[0].startswith("scenario happy_path_consented (seed 11, in-process): ")
    assert out[-1] == f"passed: {len(data['timeline'])} steps"
    printed = out[1:-1]
    assert len(printed) == len(data["timeline"])
    for line, entry in zip(printed, data["timeline"], strict=True):
        # The JSON keeps {bank_auth}; the printed line shows the world's real address.
        action, outcome = expand(entry["action"], Urls.inprocess()), expand(entry["outcome"], Urls.inprocess())
        assert entry["actor"] in line and action in line and line.endswith(outcome)
        assert entry["at"][:10] in line
    world = data["world"]
    assert data["passed"] is True and data["seed"] == 11
    assert world["administration"]["id"] == 1 and len(world["serialNumber"]) == 7
    assert world["bank"]["customerId"] and world["bank"]["user"]["loginMeans"][0]["responseCode"]
    assert world["registration"]["state"] == "done"
    assert data["links"]["portal"] == f"{{portal}}/?licentienummer={world['serialNumber']}"


def test_json_to_stdout_moves_the_timeline_to_stderr(capsys):
    assert cli.main(["scenario", "run", "kasrekening_refused", "--json", "-"]) == 0

    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["scenario"] == "kasrekening_refused"
    assert "Schakel bankkoppeling in (Kasrekening) -> Een kasrekening kan niet" in captured.err


def test_quiet_prints_only_the_outcome(capsys):
    assert cli.main(["scenario", "run", "kasrekening_refused", "--quiet"]) == 0

    assert capsys.readouterr().out == ""


def test_a_run_against_a_server_leaves_its_world_at_the_end_and_prints_where_to_look(server, capsys):
    assert cli.main(["scenario", "run", "consent_cancelled_at_bank", "--server", server.url + "/", "--replace"]) == 0

    out = capsys.readouterr().out
    assert f"against {server.url}/" in out.splitlines()[0]
    # The printed steps name the server's real addresses, not the result's placeholders.
    assert f"Bankconsent: start at ABN AMRO ({server.url}/abnamro-auth/internetbankieren/boekhoudkoppeling)" in out
    assert "{bank_auth}" not in out
    assert "The world stays in its end state; open in a browser:" in out
    assert f"{server.url}/eaccounting/inloggen?token=" in out
    assert f"{server.url}/portal/?licentienummer=" in out
    assert f"{server.url}/abnamro-auth/internetbankieren" in out
    (registration,) = PortalSandbox(base_url=server.urls.portal).registrations()
    assert registration["state"] == "contact"


def test_a_server_that_is_not_there_is_a_clear_error(capsys):
    assert cli.main(["scenario", "run", "happy_path_consented", "--server", "http://127.0.0.1:9"]) == 1

    assert "mockbank: no mockbank server at http://127.0.0.1:9" in capsys.readouterr().err


def test_the_progress_line_shows_the_running_step_and_is_cleared():
    progress, out = io.StringIO(), io.StringIO()
    reporter = cli._CliReporter(out, quiet=False, progress=progress)

    reporter.step_started(4, "Rekeningbeheerder", "Koppeling")

    assert progress.getvalue() == "\r\x1b[K  step 4: Rekeningbeheerder: Koppeling"


def test_serve_is_still_there():
    args = cli.build_parser().parse_args(["serve", "--memory", "--port", "0"])

    assert args.handler is cli.serve_command and args.memory


def test_the_console_script_exits_with_the_commands_code():
    done = subprocess.run(
        [sys.executable, "-m", "scenarios.cli", "scenario", "run", "nope"], capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 2
    assert "happy_path_consented" in done.stderr


def test_a_server_whose_world_holds_work_is_not_replaced_without_replace(server, capsys, monkeypatch):
    portal = PortalSandbox(base_url=server.urls.portal)
    portal.reset()
    portal.create_administration(company_name="Oefening B.V.")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal: nobody to ask

    assert cli.main(["scenario", "run", "kasrekening_refused", "--server", server.url]) == 2

    err = capsys.readouterr().err
    assert f"the world at {server.url} holds 1 administration; a scenario replaces it" in err
    assert "--replace" in err
    assert [a["companyName"] for a in portal.administrations()] == ["Oefening B.V."]

    assert cli.main(["scenario", "run", "kasrekening_refused", "--server", server.url, "--replace", "--quiet"]) == 0
    assert "Oefening B.V." not in [a["companyName"] for a in portal.administrations()]
    # The server's start page says what is true now: the scenario's seed.
    assert server.world.seed == 7 and server.well_known()["seed"] == 7


def test_on_a_terminal_it_asks_before_replacing_work(server, capsys, monkeypatch):
    portal = PortalSandbox(base_url=server.urls.portal)
    portal.reset()
    portal.create_administration(company_name="Oefening B.V.")
    monkeypatch.setattr(cli, "_confirmed", lambda url, held: held == "1 administration")

    assert cli.main(["scenario", "run", "kasrekening_refused", "--server", server.url, "--quiet"]) == 0
    assert "Oefening B.V." not in [a["companyName"] for a in portal.administrations()]


def test_the_json_result_ends_with_the_world_it_left(tmp_path):
    target = tmp_path / "result.json"

    assert cli.main(["scenario", "run", "happy_path_consented", "--quiet", "--json", str(target)]) == 0

    data = json.loads(target.read_text())
    assert list(data)[-1] == "endState"
    (registration,) = data["endState"]["registrations"]
    assert registration["serialNumber"] == data["world"]["serialNumber"] and registration["state"] == "done"
    assert registration["links"] == [
        {"iban": data["world"]["bank"]["accounts"]["current"], "state": "activation_scheduled"}
    ]
