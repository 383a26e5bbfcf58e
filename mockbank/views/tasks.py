"""Internet banking's task list (Taken): direct-debit batches sent by a third party wait here for a signature.

The customer logs in as for the rest of internet banking (the ``ib`` session of ``screens``), opens a batch, and
signs it with the e.dentifier's response or in the app (the app confirmation of the login screens, on the
"phone" page or through the sandbox), or deletes it. Views parse, call a verb of ``DirectDebits`` or
``AuthFlowService``, and render; Dutch words live here and in the templates.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from mockbank import errors
from mockbank import models
from mockbank.context import backend
from mockbank.services import authflow
from mockbank.services import sdd
from mockbank.services.sdd import Signer
from mockbank.sim.dutch import dutch_date
from mockbank.sim.dutch import format_eur
from mockbank.views.screens import internet_banking_user_or_login

blueprint = Blueprint("tasks", __name__, url_prefix="/internetbankieren/taken")

STATUS_WORDS = {
    sdd.RECEIVED: "Te ondertekenen",
    sdd.AUTHORIZED: "Ondertekend, wacht op incassodatum",
    sdd.SETTLED: "Uitgevoerd",
    sdd.DECLINED: "Verwijderd",
}
SEQUENCE_WORDS = {"FRST": "Eerste", "RCUR": "Doorlopend", "FNAL": "Laatste", "OOFF": "Eenmalig"}
COLLECTION_WORDS = {sdd.PENDING: "Wacht", sdd.COLLECTED: "Geïncasseerd", sdd.RETURNED: "Gestorneerd"}


class SignEdentifierForm(FlaskForm):
    """Sign with the e.dentifier: its response."""

    response_code = StringField(
        "Response", validators=[DataRequired("Vul de response van uw e.dentifier in."), Length(max=16)]
    )


class SignAppForm(FlaskForm):
    """Sign in the app: the phone confirms."""


class DeclineForm(FlaskForm):
    """Delete the batch from the task list."""


def init_app(app: Flask) -> None:
    """Register the task list."""
    app.add_template_filter(format_eur, "bedrag")
    app.register_blueprint(blueprint)


@blueprint.get("")
def index():
    """The customer's batches: waiting for a signature first, then the rest, newest first."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    batches = backend().sdd.batches_of_customer(user.customer_id)
    waiting = [b for b in batches if b.status == sdd.RECEIVED]
    others = [b for b in batches if b.status != sdd.RECEIVED]
    return render_template(
        "internetbankieren/taken.html", user=user, waiting=waiting, others=others, words=STATUS_WORDS
    )


@blueprint.get("/<int:pk>")
def batch(pk: int):
    """One batch: creditor account, collection date, total, every collection; sign or delete it."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    try:
        found = backend().sdd.batch_of_customer(pk, user.customer_id)
    except errors.SandboxNotFound:
        flash("Deze opdracht bestaat niet (meer).", "error")
        return redirect(url_for("tasks.index"))
    means = {m.kind for m in backend().bank.user(user.user_id).login_means if m.blocked_at is None}
    return render_template(
        "internetbankieren/taken_batch.html",
        user=user,
        batch=found,
        words=STATUS_WORDS,
        sequence_words=SEQUENCE_WORDS,
        collection_words=COLLECTION_WORDS,
        edentifier=SignEdentifierForm() if models.EDENTIFIER in means else None,
        app=SignAppForm() if models.MOBILE_APP in means else None,
        decline=DeclineForm(),
    )


@blueprint.post("/<int:pk>/edentifier")
def sign_edentifier(pk: int):
    """Sign with the e.dentifier's response."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    form = SignEdentifierForm()
    if not form.validate_on_submit():
        flash("Vul de response van uw e.dentifier in.", "error")
        return redirect(url_for("tasks.batch", pk=pk))
    try:
        backend().authflow.confirm_with_response(user_id=user.user_id, response_code=form.response_code.data)
    except authflow.LoginRefused as refused:
        flash(refused.message, "error")
        return redirect(url_for("tasks.batch", pk=pk))
    return _authorize(pk, user, models.EDENTIFIER)


@blueprint.post("/<int:pk>/app")
def sign_app(pk: int):
    """Sign in the app: a confirmation waits for the phone."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    if not SignAppForm().validate_on_submit():
        flash("De pagina was verlopen. Probeer het opnieuw.", "error")
        return redirect(url_for("tasks.batch", pk=pk))
    try:
        confirmation = backend().authflow.start_app_confirmation(user_id=user.user_id, subject=f"batch {pk}")
    except authflow.LoginRefused as refused:
        flash(refused.message, "error")
        return redirect(url_for("tasks.batch", pk=pk))
    return redirect(url_for("tasks.app_wait", pk=pk, key=confirmation.key))


@blueprint.get("/<int:pk>/app/<key>")
def app_wait(pk: int, key: str):
    """Waiting for the phone; the page polls the confirmation and continues by itself."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    confirmation = backend().authflow.app_login(key)
    if confirmation is None or confirmation.user_id != user.user_id:
        return redirect(url_for("tasks.batch", pk=pk))
    return render_template("internetbankieren/taken_app.html", user=user, pk=pk, confirmation=confirmation)


@blueprint.get("/<int:pk>/app/<key>/verder")
def app_continue(pk: int, key: str):
    """Continue after the phone confirmed: the batch is signed; back to waiting when it has not."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    confirmation = backend().authflow.app_login(key)
    if confirmation is None or confirmation.user_id != user.user_id:
        return redirect(url_for("tasks.batch", pk=pk))
    if backend().authflow.use_app_login(key) is None:
        flash("De opdracht is nog niet bevestigd in de app.", "info")
        return redirect(url_for("tasks.app_wait", pk=pk, key=key))
    return _authorize(pk, user, models.MOBILE_APP)


@blueprint.post("/<int:pk>/verwijderen")
def decline(pk: int):
    """Delete a batch waiting for a signature: nothing is collected."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    if not DeclineForm().validate_on_submit():
        flash("De pagina was verlopen. Probeer het opnieuw.", "error")
        return redirect(url_for("tasks.batch", pk=pk))
    try:
        backend().sdd.decline(pk, user.customer_id)
    except errors.BankError:
        flash("Deze opdracht kan niet (meer) worden verwijderd.", "error")
    else:
        flash("De incasso-opdracht is verwijderd.", "success")
    return redirect(url_for("tasks.index"))


def _authorize(pk: int, user, means: str):
    try:
        signed = backend().sdd.authorize(pk, Signer(user.user_id, user.customer_id, means))
    except errors.BankError:
        flash("Deze opdracht kan niet (meer) worden ondertekend.", "error")
        return redirect(url_for("tasks.index"))
    flash(
        f"De incasso-opdracht is ondertekend. De incassodatum is {dutch_date(signed.collection_date)}.",
        "success",
    )
    return redirect(url_for("tasks.batch", pk=pk))
