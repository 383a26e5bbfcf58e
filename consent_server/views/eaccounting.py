"""eAccounting's pages: choose an administration, "Instellingen - Kas- en bankrekeningen", an account's
edit page (with "Serienummer"), and the "Bankkoppelingen inschakelen" screen (steps 1–4 of the seed)."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from consent_server import errors
from consent_server import models
from consent_server.forms import AccountForm
from consent_server.forms import ButtonForm
from consent_server.services.connections import LINK_LABELS
from consent_server.services.eaccounting import AccountInput
from consent_server.web import portal
from consent_server.web import public_url
from mockbank.sim.dutch import format_eur

blueprint = Blueprint("settings", __name__)
SESSION_KEY = "administration_id"
TRANSACTIONS_SHOWN = 50


def init_app(app: Flask) -> None:
    """Register eAccounting's pages."""
    app.register_blueprint(blueprint)
    app.add_template_filter(format_eur, "euro")


def administration_required(view):
    """Send visitors without a chosen administration to the administration list."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        admin_id = session.get(SESSION_KEY)
        if admin_id is None:
            return redirect(url_for("settings.administrations"))
        try:
            administration = portal().eaccounting.administration(admin_id)
        except errors.NotFound:
            session.pop(SESSION_KEY, None)
            return redirect(url_for("settings.administrations"))
        return view(administration, *args, **kwargs)

    return wrapper


def portal_link(**query) -> str:
    """The portal's wizard start page on the portal host (the link an accounting firm passes on)."""
    return public_url("PORTAL_BASE", "wizard.start", **query)


@blueprint.get("/inloggen")
def login():
    """Open the administration of an API token in this browser (the sandbox's ``loginUrl``)."""
    try:
        admin_id = portal().eaccounting.administration_for_token(request.args.get("token"))
    except errors.Unauthorized:
        abort(403)
    session[SESSION_KEY] = admin_id
    return redirect(url_for("settings.bank_accounts"))


@blueprint.get("/administraties")
def administrations():
    """The administrations of this sandbox, to pick one."""
    return render_template(
        "eaccounting/administrations.html", administrations=portal().eaccounting.administrations(), form=ButtonForm()
    )


@blueprint.post("/administraties/<int:administration_id>")
def choose_administration(administration_id: int):
    """Work in this administration."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    portal().eaccounting.administration(administration_id)
    session[SESSION_KEY] = administration_id
    return redirect(url_for("settings.bank_accounts"))


@blueprint.get("/instellingen/kas-en-bankrekeningen")
@administration_required
def bank_accounts(administration):
    """The table of the seed: Naam, Type, Valuta, Grootboekrekening, Bankkoppeling."""
    connections = portal().connections
    states = connections.link_states(administration.id)
    rows = [
        (a, models.ACCOUNT_TYPES[a.account_type][1], connections.connection_label(a, states), _expected(a))
        for a in administration.accounts
    ]
    return render_template("eaccounting/bank_accounts.html", administration=administration, rows=rows)


def _expected(account: models.BankAccount):
    """What the account's connection waits for next and when (the serial, the mail, the first import...)."""
    if account.connection_state == models.CONNECTION_PREPARING:
        return portal().read_models.preparation(account)
    link = portal().connections.link_of(account.administration_id, account.uid) if account.iban else None
    return portal().read_models.expectation(link) if link else None


def _form_input(form: AccountForm) -> AccountInput:
    return AccountInput(
        name=form.name.data,
        account_type=int(form.account_type.data) if (form.account_type.data or "").isdigit() else None,
        iban=form.iban.data,
        currency=form.currency.data,
        ledger_account=form.ledger_account.data,
        is_active=bool(form.is_active.data),
    )


_FIELD_OF = {
    "Name": "name",
    "BankAccountType": "account_type",
    "Iban": "iban",
    "CurrencyCode": "currency",
    "LedgerAccountNumber": "ledger_account",
}


def _show_error(form: AccountForm, error: errors.PortalError) -> None:
    """Every problem at its field (all at once); one without a field as a message above the form."""
    for problem in getattr(error, "problems", [error]):
        field = getattr(form, _FIELD_OF.get(problem.field or "", ""), None)
        if field is None:
            flash(problem.message, "error")
        elif not field.errors:
            field.errors = [problem.message]


@blueprint.route("/instellingen/kas-en-bankrekeningen/nieuw", methods=["GET", "POST"])
@administration_required
def new_account(administration):
    """Add a rekening-courant, spaarrekening or vreemdevalutarekening (``?iban=`` fills in the IBAN)."""
    form = AccountForm()
    if request.method == "GET" and request.args.get("iban"):
        # The wizard's offer for an account the bank linked but eAccounting lacked.
        form.iban.data = request.args["iban"]
        form.name.data = "ABN AMRO " + request.args["iban"][-4:]
    if form.validate_on_submit():
        try:
            account = portal().eaccounting.create_account(administration.id, _form_input(form))
        except errors.PortalError as error:
            _show_error(form, error)
        else:
            flash(f"Rekening {account.name} is toegevoegd.", "success")
            return redirect(url_for("settings.bank_accounts"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "eaccounting/account_form.html", form=form, account=None, administration=administration
    ), status


@blueprint.route("/instellingen/kas-en-bankrekeningen/<uid>", methods=["GET", "POST"])
@administration_required
def edit_account(administration, uid: str):
    """The "Bewerk" page: the account's fields, and its Serienummer once the bank connection is prepared."""
    service = portal().eaccounting
    account = service.account(administration.id, uid)
    form = AccountForm()
    if request.method == "GET":
        form.name.data = account.name
        form.account_type.data = str(account.account_type)
        form.iban.data = account.iban or ""
        form.currency.data = account.currency
        form.ledger_account.data = account.ledger_account
        form.is_active.data = account.is_active
    elif form.validate_on_submit():
        try:
            service.replace_account(administration.id, uid, _form_input(form))
        except errors.PortalError as error:
            _show_error(form, error)
        else:
            flash("De rekening is opgeslagen.", "success")
            return redirect(url_for("settings.bank_accounts"))
    status = 422 if request.method == "POST" else 200
    link = portal().connections.link_of(administration.id, uid)
    return (
        render_template(
            "eaccounting/account_form.html",
            form=form,
            account=account,
            administration=administration,
            refusal=portal().connections.refusal(account),
            enable_form=ButtonForm(prefix="enable"),
            delete_form=ButtonForm(prefix="delete"),
            disable_form=ButtonForm(prefix="disable"),
            link=link,
            link_label=LINK_LABELS.get(link.state, link.state) if link else None,
            expected=portal().read_models.expectation(link) if link else None,
            can_disable=link is not None and link.state not in models.ENDED_STATES,
            transaction_count=len(portal().imports.transactions(account.id)),
        ),
        status,
    )


@blueprint.get("/bankmutaties")
@administration_required
def transactions_home(administration):
    """Bankmutaties: the account chosen in the filter form, else the first with a bank connection (or any)."""
    accounts = [a for a in administration.accounts if a.iban]
    if not accounts:
        return render_template("eaccounting/transactions.html", administration=administration, account=None)
    chosen = [a for a in accounts if a.uid == request.args.get("rekening")]
    linked = [a for a in accounts if a.connection_state != models.CONNECTION_NONE]
    dates = {k: request.args[k] for k in ("van", "tot") if request.args.get(k)}
    return redirect(url_for("settings.transactions", uid=(chosen or linked or accounts)[0].uid, **dates))


def _date_arg(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


@blueprint.get("/bankmutaties/<uid>")
@administration_required
def transactions(administration, uid: str):
    """One account's imported bookings (Bankmutaties), newest first, filtered by date, 50 a page."""
    account = portal().eaccounting.account(administration.id, uid)
    date_from, date_to = _date_arg("van"), _date_arg("tot")
    rows = list(reversed(portal().imports.transactions(account.id, date_from=date_from, date_to=date_to)))
    pages = max(1, -(-len(rows) // TRANSACTIONS_SHOWN))
    page = min(max(request.args.get("pagina", 1, type=int) or 1, 1), pages)
    link = portal().connections.link_of(administration.id, uid)
    return render_template(
        "eaccounting/transactions.html",
        administration=administration,
        account=account,
        accounts=[a for a in administration.accounts if a.iban],
        rows=rows[(page - 1) * TRANSACTIONS_SHOWN : page * TRANSACTIONS_SHOWN],
        total=len(rows),
        total_cents=sum(r.amount_cents for r in rows),
        page=page,
        pages=pages,
        date_from=date_from,
        date_to=date_to,
        link=link,
        link_label=LINK_LABELS.get(link.state, link.state) if link else None,
        expected=portal().read_models.expectation(link) if link else None,
    )


@blueprint.post("/instellingen/kas-en-bankrekeningen/<uid>/bankkoppeling/uitschakelen")
@administration_required
def disable_connection(administration, uid: str):
    """ "Schakel bankkoppeling uit": the consent is revoked at the bank; no more bookings are fetched."""
    if not ButtonForm(prefix="disable").validate_on_submit():
        abort(400)
    try:
        portal().links.unlink(administration.id, uid)
    except errors.PortalError as error:
        flash(error.message, "error")
    else:
        flash("De bankkoppeling is uitgeschakeld. Er worden geen transacties meer opgehaald.", "success")
    return redirect(url_for("settings.edit_account", uid=uid))


@blueprint.get("/instellingen/facturatie-bankkoppeling")
@administration_required
def billing(administration):
    """What the bank connection costs per month: billed afterwards, two accounts free (condition 4)."""
    return render_template(
        "eaccounting/billing.html",
        administration=administration,
        lines=portal().billing.lines(administration_id=administration.id),
        free=portal().settings.free_linked_accounts,
        price=str(portal().settings.extra_account_price).replace(".", ","),
    )


@blueprint.post("/instellingen/kas-en-bankrekeningen/<uid>/verwijderen")
@administration_required
def delete_account(administration, uid: str):
    """Delete an account (not the Kasrekening, not one with a bank connection)."""
    if not ButtonForm(prefix="delete").validate_on_submit():
        abort(400)
    try:
        portal().eaccounting.delete_account(administration.id, uid)
    except errors.Conflict as error:
        flash(error.message, "error")
        return redirect(url_for("settings.edit_account", uid=uid))
    flash("De rekening is verwijderd.", "success")
    return redirect(url_for("settings.bank_accounts"))


@blueprint.route("/instellingen/kas-en-bankrekeningen/<uid>/bankkoppeling", methods=["GET", "POST"])
@administration_required
def bank_connection(administration, uid: str):
    """The info screen "Bankkoppelingen inschakelen": refusal or price rule, preparation, then the serial number."""
    service = portal().eaccounting
    account = service.account(administration.id, uid)
    refusal = portal().connections.refusal(account)
    status = 200
    if request.method == "POST":
        if not ButtonForm(prefix="enable").validate_on_submit():
            abort(400)
        if refusal:
            status = 409
        else:
            portal().connections.enable_connection(administration.id, uid)
            return redirect(url_for("settings.bank_connection", uid=uid))
    serial = account.serial.number if account.serial else None
    return (
        render_template(
            "eaccounting/bank_connection.html",
            administration=administration,
            account=account,
            refusal=refusal,
            bank_name=portal().connections.bank_name(account),
            enable_form=ButtonForm(prefix="enable"),
            serial=serial,
            wizard_link=portal_link(licentienummer=serial) if serial else None,
            preparation=portal().read_models.preparation(account),
            free=portal().settings.free_linked_accounts,
            price=str(portal().settings.extra_account_price).replace(".", ","),
        ),
        status,
    )
