"""The bank-connection portal's wizard: Koppel je bankrekening → Gegevens, Koppeling, Bankconsent, Rekeningen, Klaar.

The browser session remembers which registration it works on; the serial number (licentienummer)
typed at Gegevens is what opens a registration, so anyone with the portal link and the serial can do it.
"""

from __future__ import annotations

import json
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
from consent_server.forms import ButtonForm
from consent_server.forms import ContactForm
from consent_server.forms import DetailsForm
from consent_server.forms import csrf_failed
from consent_server.forms import field_problems
from consent_server.services.connections import LINK_LABELS
from consent_server.services.intake import AccountNotInAdministration
from consent_server.services.intake import ConsentCancelled
from consent_server.services.registrations import STEPS
from consent_server.services.registrations import DetailsInput
from consent_server.services.registrations import state_rank
from consent_server.services.wizard_rules import BANKS
from consent_server.services.wizard_rules import PRODUCT_BANKS
from consent_server.services.wizard_rules import PRODUCTS
from consent_server.web import portal
from consent_server.web import public_url
from mockbank.sim.dutch import dutch_number

blueprint = Blueprint("wizard", __name__)
SESSION_KEY = "registration_id"
# The IBAN a PSD2 round trip brought that eAccounting does not have: Bankconsent offers to add it.
MISSING_IBAN_KEY = "psd2_missing_iban"


def init_app(app: Flask) -> None:
    """Register the wizard."""
    app.register_blueprint(blueprint)


def _current() -> models.Registration | None:
    reg_id = session.get(SESSION_KEY)
    if reg_id is None:
        return None
    try:
        return portal().registrations.get(reg_id)
    except errors.NotFound:
        session.pop(SESSION_KEY, None)
        return None


def step_view(step: str):
    """A wizard step: needs a registration that has reached ``step``, else goes to the step it has reached."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            registration = _current()
            if registration is None:
                flash("Vul eerst de gegevens in.", "error")
                return redirect(url_for("wizard.details", licentienummer=request.args.get("licentienummer") or None))
            if not portal().registrations.may_view(registration, step):
                return redirect(_resume_url(registration))
            return view(registration, *args, **kwargs)

        return wrapper

    return decorate


_ENDPOINT = {
    "gegevens": "details",
    "koppeling": "contact",
    "bankconsent": "bank_consent",
    "rekeningen": "accounts",
    "klaar": "done",
}


def _resume_url(registration: models.Registration) -> str:
    """The page of the step this registration continues at."""
    return url_for(f"wizard.{_ENDPOINT[portal().registrations.resume_step(registration)]}")


def render_step(template: str, step: str, registration: models.Registration | None, status: int = 200, **context):
    """A step page with the progress bar: done, current and later steps."""
    reached = portal().registrations.resume_step(registration) if registration else "gegevens"
    names = [s for s, _ in STEPS]
    progress = [
        {
            "key": key,
            "label": label,
            "number": i + 1,
            "current": key == step,
            "done": i < names.index(reached) or (registration is not None and registration.state == models.REG_DONE),
            "url": url_for(f"wizard.{_ENDPOINT[key]}") if i <= names.index(reached) else None,
        }
        for i, (key, label) in enumerate(STEPS)
    ]
    return (
        render_template(
            template, progress=progress, registration=registration, step=step, banks=BANKS, products=PRODUCTS, **context
        ),
        status,
    )


@blueprint.context_processor
def _promises():
    # The help article's "ongeveer vijf werkdagen" follows the configured number.
    settings = portal().settings
    return {
        "working_days": dutch_number(settings.activation_mail_working_days),
        "first_import_days": dutch_number(settings.first_import_working_days),
        "link_labels": LINK_LABELS,
        "expect": portal().read_models.expectation,
        "eaccounting_url": settings.eaccounting_base.rstrip("/") + "/instellingen/kas-en-bankrekeningen",
        "eaccounting_new_account": settings.eaccounting_base.rstrip("/") + "/instellingen/kas-en-bankrekeningen/nieuw",
    }


@blueprint.get("/")
def start():
    """The start page "Koppel je bankrekening": the five steps at a glance, and Start.

    The same app answers eAccounting's host: there ``/`` is eAccounting, not the wizard.
    """
    if request.url_root.rstrip("/") == portal().settings.eaccounting_base.rstrip("/"):
        return redirect(url_for("settings.bank_accounts"))
    serial = request.args.get("licentienummer", "").strip()
    registration = _current()
    return render_template(
        "portal/start.html",
        steps=STEPS,
        serial=serial,
        registration=registration,
        resume=_resume_url(registration) if registration else None,
    )


@blueprint.route("/registratie/gegevens", methods=["GET", "POST"])
def details():
    """Stap 1: KvK-nummer (company name from the register), product, licentienummer, bank, both terms."""
    registration = _current()
    form = DetailsForm()
    status = 200
    if request.method == "GET":
        if registration is not None and registration.kvk_number:
            form.kvk_number.data = registration.kvk_number
            form.product.data = registration.product
            form.serial.data = registration.serial.number
            form.bank.data = registration.bank
            form.terms_service.data = form.terms_privacy.data = True
        else:
            form.serial.data = request.args.get("licentienummer", "") or (
                registration.serial.number if registration else ""
            )
    elif not form.validate_on_submit() and csrf_failed(form):
        abort(400)
    elif form.refresh.data:
        # "Bijwerken" only refreshes the bank list: no field is judged yet.
        for field in form:
            field.errors = []
    else:
        data = DetailsInput(
            kvk_number=form.kvk_number.data or "",
            product=form.product.data or "",
            serial=form.serial.data or "",
            bank=request.form.get("bank", ""),
            terms_service=bool(form.terms_service.data),
            terms_privacy=bool(form.terms_privacy.data),
        )
        try:
            registration = portal().registrations.submit_details(data, problems=field_problems(form))
        except errors.DetailsInvalid as invalid:
            for name, message in invalid.errors.items():
                getattr(form, name).errors = [message]
            status = 422
        else:
            session[SESSION_KEY] = registration.id
            return redirect(_resume_url(registration))
    form.fill_banks()
    if form.kvk_number.data:
        form.company_name.data = portal().registrations.company_name(form.kvk_number.data) or ""
    # The page's script fills the bank list from this when the product changes (no reload).
    product_banks = json.dumps({product: [[b, BANKS[b]] for b in banks] for product, banks in PRODUCT_BANKS.items()})
    return render_step("portal/details.html", "gegevens", registration, status, form=form, product_banks=product_banks)


@blueprint.route("/registratie/koppeling", methods=["GET", "POST"])
@step_view("koppeling")
def contact(registration):
    """Stap 2: the rekeningbeheerder's name and e-mail address."""
    form = ContactForm()
    status = 200
    if request.method == "GET":
        form.name.data = registration.contact_name or ""
        form.email.data = registration.contact_email or ""
    elif not form.validate_on_submit() and csrf_failed(form):
        abort(400)
    else:
        try:
            registration = portal().registrations.submit_contact(
                registration.id, name=form.name.data or "", email=form.email.data or "", problems=field_problems(form)
            )
        except errors.DetailsInvalid as invalid:
            for name, message in invalid.errors.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = [message]
                else:
                    flash(message, "error")
            status = 422
        else:
            return redirect(url_for("wizard.bank_consent"))
    return render_step("portal/contact.html", "koppeling", registration, status, form=form)


def _button_form() -> tuple[ButtonForm, int]:
    """A step's Volgende button and the page's status so far; a POST without a valid CSRF token is a 400."""
    form = ButtonForm()
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    return form, 200


def _bank_links() -> dict:
    bank = portal().bank
    return {
        "registration_url": bank.registration_url(),
        "access_online_url": bank.registration_url(access_online=True),
    }


@blueprint.route("/registratie/bankconsent", methods=["GET", "POST"])
@step_view("bankconsent")
def bank_consent(registration):
    """Stap 3: registration starts at the bank (or Access Online); the PSD2 redirect is offered too."""
    form, status = _button_form()
    if request.method == "POST":
        if state_rank(registration.state) >= state_rank(models.REG_BANK_CONSENT):
            return redirect(url_for("wizard.accounts"))
        flash("We hebben nog geen toestemming van de bank ontvangen. Rond eerst de aanmelding bij de bank af.", "error")
        status = 409
    return render_step(
        "portal/bank_consent.html",
        "bankconsent",
        registration,
        status,
        form=form,
        psd2_form=ButtonForm(prefix="psd2"),
        missing_iban=session.pop(MISSING_IBAN_KEY, None),
        **_bank_links(),
    )


@blueprint.post("/registratie/bankconsent/psd2")
@step_view("bankconsent")
def start_psd2(registration):
    """Flow A: go to the bank's authorization page for one account ("nog een rekening koppelen" repeats it)."""
    if not ButtonForm(prefix="psd2").validate_on_submit():
        abort(400)
    try:
        url = portal().intake.start_redirect(registration.id, redirect_uri=portal().settings.redirect_uri)
    except errors.PortalError as error:
        flash(error.message, "error")
        return redirect(url_for("wizard.bank_consent"))
    return redirect(url)


@blueprint.get("/registratie/bank/terug")
def bank_return():
    """Flow A: the bank sends the user back with a code (or an error); a direct-debit consent goes to its order."""
    if portal().incasso.owns_state(request.args.get("state")):
        return incasso_return()
    try:
        registration = portal().intake.complete_redirect(
            state=request.args.get("state", ""),
            code=request.args.get("code"),
            error=request.args.get("error"),
            error_description=request.args.get("error_description"),
            redirect_uri=portal().settings.redirect_uri,
        )
    except AccountNotInAdministration as missing:
        session[SESSION_KEY] = missing.registration_id
        session[MISSING_IBAN_KEY] = missing.iban
        flash(missing.message, "error")
        return redirect(url_for("wizard.bank_consent"))
    except ConsentCancelled as cancelled:
        session[SESSION_KEY] = cancelled.registration_id
        flash(cancelled.message, "error")
        return redirect(url_for("wizard.bank_consent"))
    except errors.PortalError as error:
        flash(error.message, "error")
        return redirect(url_for("wizard.bank_consent") if _current() else url_for("wizard.start"))
    session[SESSION_KEY] = registration.id
    flash("De bank heeft toestemming gegeven. De rekening staat hieronder.", "success")
    return redirect(url_for("wizard.accounts"))


def incasso_return():
    """Back from the bank's consent for direct-debit files: send the waiting order, show it in eAccounting."""
    try:
        order = portal().incasso.complete_consent(
            state=request.args.get("state", ""),
            code=request.args.get("code"),
            error=request.args.get("error"),
            redirect_uri=portal().settings.redirect_uri,
        )
    except errors.PortalError as error:
        flash(error.message, "error")
        return redirect(public_url("EACCOUNTING_BASE", "sales.invoices"))
    return redirect(public_url("EACCOUNTING_BASE", "sales.order", uid=order.uid))


@blueprint.route("/registratie/rekeningen", methods=["GET", "POST"])
@step_view("rekeningen")
def accounts(registration):
    """Stap 4: every account the bank reported, with its link state."""
    form, status = _button_form()
    if request.method == "POST":
        try:
            portal().registrations.confirm_accounts(registration.id)
        except errors.DetailsInvalid as invalid:
            flash(invalid.errors["form"], "error")
            status = 409
        else:
            return redirect(url_for("wizard.done"))
    return render_step(
        "portal/accounts.html",
        "rekeningen",
        registration,
        status,
        form=form,
        psd2_form=ButtonForm(prefix="psd2"),
        pricing=portal().read_models.pricing(registration),
        **_bank_links(),
    )


@blueprint.route("/registratie/klaar", methods=["GET", "POST"])
@step_view("klaar")
def done(registration):
    """Stap 5: what happens next (a mail with an activation link per account, about five working days)."""
    form, _status = _button_form()
    if request.method == "POST":
        registration = portal().registrations.finish(registration.id)
        flash("Je aanmelding is afgerond.", "success")
    return render_step(
        "portal/done.html",
        "klaar",
        registration,
        form=form,
        pricing=portal().read_models.pricing(registration),
    )
