"""Internet banking's "Boekhoudkoppeling aanvragen" page and the sandbox's list of registrations.

The registration itself (consents, codes, the signed delivery) is ``services/registration.py``.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice

from mockbank import wire
from mockbank.context import backend
from mockbank.services.registration import RegistrationInvalid
from mockbank.shapes import registration_json
from mockbank.views.screens import PRODUCT_WORDS
from mockbank.views.screens import internet_banking_user

blueprint = Blueprint("registration", __name__)


class RegistrationForm(FlaskForm):
    """Software, klantnummer and accounts; the ``decision`` button (approve/cancel) is read by the view."""

    software = SelectField("Boekhoudpakket", choices=[], validate_choice=False)
    serial_number = StringField("Klantnummer (serienummer)")
    accounts = SelectMultipleField("Rekeningen", choices=[], validate_choice=False)


def init_app(app: Flask) -> None:
    """Register the page."""
    app.register_blueprint(blueprint)


@blueprint.route("/internetbankieren/boekhoudkoppeling", methods=["GET", "POST"])
def accounting_link():
    """Boekhoudkoppeling aanvragen: log in first (``?login=access_online`` for Access Online), then the form."""
    user = internet_banking_user()
    if user is None:
        # After logging in, the screens bring the user back here.
        session["ib_next"] = url_for("registration.accounting_link")
        if request.args.get("login") == "access_online":
            return redirect(url_for("screens.login_access_online"))
        return redirect(url_for("screens.login_choice"))
    accounts = backend().authflow.eligible_accounts(user.user_id)
    software = backend().registrations.software()
    form = RegistrationForm()
    form.software.choices = [SelectChoice("", "— Kies uw boekhoudpakket —")] + [
        SelectChoice(c.client_id, c.software_name) for c in software
    ]
    form.accounts.choices = [SelectChoice(a.iban) for a in accounts]
    status = 200
    problems: dict[str, str] = {}
    refusal = None
    cancelled = False
    if request.method == "POST":
        if not form.validate_on_submit():
            problems["form"] = "De pagina was verlopen. Probeer het opnieuw."
            status = 400
        elif request.form.get("decision") == "cancel":
            cancelled = True
        else:
            try:
                outcome = backend().registrations.register(
                    user=user,
                    client_id=form.software.data or "",
                    serial_number=form.serial_number.data or "",
                    ibans=form.accounts.data or [],
                )
            except RegistrationInvalid as invalid:
                problems = invalid.problems
                status = 422
            else:
                if outcome.delivered:
                    return render_template("registration/done.html", outcome=outcome, user=user)
                refusal = outcome.message
                status = 409
    return (
        render_template(
            "registration/request.html",
            form=form,
            user=user,
            accounts=accounts,
            problems=problems,
            refusal=refusal,
            cancelled=cancelled,
            history=backend().registrations.history(user.user_id),
            product_words=PRODUCT_WORDS,
        ),
        status,
    )


@blueprint.get("/sandbox/accounting-registrations")
def list_registrations():
    """Every "Boekhoudkoppeling aanvragen" with its outcome (the bank's sandbox view of flows B and C)."""
    return wire.json_response(
        {
            "registrations": [registration_json(r) for r in backend().registrations.all()]
        }
    )
