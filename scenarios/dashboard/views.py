"""The dashboard's pages: they parse a form, call one action, and render what the state module reads."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_wtf.csrf import CSRFProtect

from consent_server.services.connections import LINK_LABELS
from mockbank.sim import forms as form_helpers
from mockbank.sim.dutch import dutch_count
from mockbank.sim.dutch import dutch_date
from mockbank.sim.dutch import dutch_moment
from mockbank.sim.dutch import dutch_month
from mockbank.sim.dutch import format_eur
from scenarios.dashboard import actions
from scenarios.dashboard import state
from scenarios.dashboard.forms import NEW_COMPANY
from scenarios.dashboard.forms import AdministrationForm
from scenarios.dashboard.forms import ButtonForm
from scenarios.dashboard.forms import ClockForm
from scenarios.dashboard.forms import ScenarioForm
from scenarios.dashboard.forms import WorldForm

HERE = Path(__file__).parent
EXTENSION = "mockbank_dashboard"
# Results of the scenarios run from this page, newest last (kept in memory while the server runs).
KEPT_RESULTS = 20

blueprint = Blueprint(
    "dashboard",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/dashboard-static",
)


class Dashboard:
    """The world the dashboard shows and the scenario results it keeps."""

    def __init__(self, world):
        self.world = world
        self.results: OrderedDict[int, object] = OrderedDict()
        self._next = 1

    def keep(self, result) -> int:
        """Keep a scenario's result; returns its number (for its page)."""
        number, self._next = self._next, self._next + 1
        self.results[number] = result
        while len(self.results) > KEPT_RESULTS:
            self.results.popitem(last=False)
        return number


def init_app(app: Flask, world) -> None:
    """Make ``app`` (the server's root app) the dashboard of ``world``: pages, CSRF, session cookie."""
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or "mockbank-dashboard-not-secret"
    # Its own cookie: the bank's and the portal's apps live on the same host in server mode.
    app.config["SESSION_COOKIE_NAME"] = "mockbank_dashboard"
    # Flask-WTF would expire tokens by the wall clock; mockbank only knows simulated time.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.extensions[EXTENSION] = Dashboard(world)
    CSRFProtect(app)
    form_helpers.install(app)
    app.add_template_filter(lambda m: dutch_moment(m, year=False), "moment")
    app.add_template_filter(dutch_moment, "moment_jaar")
    app.add_template_filter(dutch_date, "dutch_date")
    app.add_template_filter(dutch_month, "maand")
    app.add_template_filter(format_eur, "euro")
    app.add_template_global(dutch_count, "aantal")
    app.register_blueprint(blueprint)


def _dashboard() -> Dashboard:
    return current_app.extensions[EXTENSION]


def _world():
    return _dashboard().world


@blueprint.context_processor
def _everywhere():
    world = _world()
    return {"urls": world.urls, "clock": state.clock_view(world), "seed": world.seed}


@blueprint.get("/favicon.ico")
def favicon():
    """The dashboard's icon (browsers ask the server's root for it)."""
    return current_app.response_class((HERE / "static" / "favicon.svg").read_bytes(), mimetype="image/svg+xml")


@blueprint.get("/")
def index():
    """The start page: the time and its controls, what is due, every onboarding, mail, consents."""
    world = _world()
    return render_template(
        "dashboard/index.html",
        clock_form=ClockForm(),
        open_form=ButtonForm(),
        next_event=state.next_event(world),
        jobs=state.due_jobs(world),
        registrations=state.registrations(world),
        administrations=state.administrations(world),
        mails=state.newest_mails(world),
        consents=state.consents(world),
        summary=state.world_summary(world),
        well_known="/.well-known/mockbank",
    )


@blueprint.post("/klok")
def move_clock():
    """+1 uur, +1 werkdag, +5 werkdagen, naar de volgende gebeurtenis, or to a moment."""
    form = ClockForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        flash(actions.move_clock(_world(), request.form.get("stap", ""), form.moment.data), "success")
    except actions.ActionRefused as refused:
        flash(str(refused), "error")
    return redirect(url_for("dashboard.index") + "#tijd")


@blueprint.get("/testgebruikers")
def test_users():
    """The seed's users with their login means, IBANs, card numbers and responses; the magic users."""
    users = state.test_users(_world())
    return render_template(
        "dashboard/test_users.html",
        users=[u for u in users if u.magic is None],
        magic=[u for u in users if u.magic is not None],
    )


@blueprint.route("/oefenadministratie", methods=["GET", "POST"])
def new_administration():
    """Nieuwe oefenadministratie: make one and enter eAccounting logged in."""
    world = _world()
    form = AdministrationForm()
    form.company.choices = actions.company_choices(world)
    status = 200
    if request.method == "GET":
        form.company.data = NEW_COMPANY
        form.firm_name.data = actions.suggested_firm(world)
    elif form.validate_on_submit():
        try:
            made = actions.create_practice_administration(
                world,
                company=form.company.data,
                accounting_firm=(form.firm_name.data or "").strip() if form.managed.data else None,
                add_accounts=bool(form.add_accounts.data),
            )
        except actions.ActionRefused as refused:
            flash(str(refused), "error")
            status = 409
        else:
            return redirect(made.login_url)
    else:
        if "csrf_token" in form.errors:
            abort(400)
        status = 422
    return render_template("dashboard/new_administration.html", form=form), status


@blueprint.post("/administraties/<int:administration_id>/openen")
def open_administration(administration_id: int):
    """Enter eAccounting logged in as an existing administration."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        return redirect(actions.open_administration(_world(), administration_id))
    except actions.ActionRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("dashboard.index"))


@blueprint.route("/scenarios", methods=["GET", "POST"])
def scenarios():
    """The catalogue: run one (it replaces the world, so it asks first)."""
    from scenarios import catalogue

    world = _world()
    form = ScenarioForm()
    form.scenario.choices = [(s.name, f"{s.name}: {s.description}") for s in catalogue.all_scenarios()]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                result = actions.run_catalogue_scenario(world, form.scenario.data, form.seed.data)
            except actions.ActionRefused as refused:
                flash(str(refused), "error")
                status = 409
            else:
                return redirect(url_for("dashboard.scenario_result", number=_dashboard().keep(result)))
        else:
            if "csrf_token" in form.errors:
                abort(400)
            status = 422
    return (
        render_template(
            "dashboard/scenarios.html",
            form=form,
            catalogue=catalogue.all_scenarios(),
            summary=state.world_summary(world),
            results=list(reversed(_dashboard().results.items())),
        ),
        status,
    )


@blueprint.get("/scenarios/<int:number>")
def scenario_result(number: int):
    """A scenario's result: passed or where it failed, its steps with real addresses, the world it left."""
    result = _dashboard().results.get(number)
    if result is None:
        abort(404)
    return render_template(
        "dashboard/scenario_result.html",
        result=result,
        number=number,
        registration_labels=state.REGISTRATION_LABELS,
        link_labels=LINK_LABELS,
    )


@blueprint.get("/scenarios/<int:number>/json")
def scenario_json(number: int):
    """The result as ``mockbank scenario run --json`` writes it."""
    result = _dashboard().results.get(number)
    if result is None:
        abort(404)
    return current_app.response_class(result.dumps(), mimetype="application/json")


@blueprint.route("/wereld", methods=["GET", "POST"])
def world_page():
    """Reset (the same seed) or reseed (another one, or empty), after a confirmation."""
    world = _world()
    form = WorldForm()
    status = 200
    if request.method == "GET":
        form.seed.data = world.seed
    elif form.validate_on_submit():
        flash(actions.replace_world(world, form.seed.data), "success")
        return redirect(url_for("dashboard.index"))
    else:
        if "csrf_token" in form.errors:
            abort(400)
        status = 422
    return render_template("dashboard/world.html", form=form, summary=state.world_summary(world)), status
