"""The bank's screens: login (e.dentifier, app, Access Online), consent, and internet banking's consents.

Views parse a form, call a verb of ``AuthFlowService``/``ConsentService`` or finish the OAuth request
through ``oauth.routes``, and render. Dutch words live here and in the templates only.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from flask import Flask
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from mockbank import errors
from mockbank import models
from mockbank import wire
from mockbank.context import backend
from mockbank.forms import AccessOnlineForm
from mockbank.forms import AppConfirmForm
from mockbank.forms import AppLoginForm
from mockbank.forms import ConsentForm
from mockbank.forms import EdentifierForm
from mockbank.forms import LogoutForm
from mockbank.forms import WithdrawForm
from mockbank.oauth import routes as oauth
from mockbank.services import authflow
from mockbank.sim import forms as form_helpers
from mockbank.sim.dutch import dutch_date

blueprint = Blueprint("screens", __name__)

SCOPE_WORDS = {
    "psd2:account:details:read": "De gegevens van uw rekening bekijken, zoals de naam van de rekeninghouder",
    "psd2:account:balance:read": "Het saldo van uw rekening bekijken",
    "psd2:account:transaction:read": "Uw bij- en afschrijvingen bekijken (tot 18 maanden terug)",
    "psd2:account:funds:read": "Controleren of er genoeg saldo is voor een betaling",
    "psd2:payment:sepa:write": "Een overboeking namens u klaarzetten en uitvoeren",
    "psd2:payment:sepa:read": "De status van uw overboekingen bekijken",
    "psd2:payment:xborder:write": "Een buitenlandse betaling namens u klaarzetten",
    "psd2:payment:recurrent:sepa:write": "Een periodieke overboeking namens u aanmaken",
    "psd2:payment:recurrent:sepa:delete": "Een periodieke overboeking namens u stopzetten",
    "psd2:payment:batchsct:write": "Een bestand met overboekingen namens u aanbieden",
    "psd2:payment:batchsdd:write": "Een bestand met incasso-opdrachten (automatische incasso) namens u aanbieden",
}
STATUS_WORDS = {
    "received": "Aangevraagd",
    "valid": "Actief",
    "rejected": "Geweigerd",
    "expired": "Verlopen",
    "revokedByPsu": "Ingetrokken door u",
    "terminatedByTpp": "Beëindigd door de partij",
}
PRODUCT_WORDS = {models.CURRENT: "Betaalrekening", models.SAVINGS: "Spaarrekening"}
GONE_STATUS = 410


def init_app(app: Flask) -> None:
    """Register the screens."""
    # Flask-WTF would expire CSRF tokens by the wall clock; the bank only knows simulated time.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.add_template_filter(dutch_date, "datum")
    form_helpers.install(app)
    app.register_blueprint(blueprint)


def gone():
    """ABN AMRO's answer to a finished (or unknown) consent journey: no redirect."""
    return render_template("screens/gone.html"), GONE_STATUS


def _open_request(key: str | None):
    """The open authorization request named by ``req``, None for internet banking, or False when finished."""
    if not key:
        return None
    row = backend().authflow.request(key)
    if row is None or row.status == authflow.DONE:
        return False
    return row


def _client_name(row) -> str | None:
    if not row:
        return None
    client = backend().consents.client(row.client_id)
    return client.name if client else row.client_id


def _logged_in(user: authflow.LoggedIn, key: str | None):
    """Where a successful login leads: the consent journey, or internet banking."""
    if key:
        row = _open_request(key)
        if row is False:
            return gone()
        return oauth.after_login(key, user)
    session["ib"] = backend().authflow.start_banking_session(user)
    # A page that sent the user to log in (e.g. "Boekhoudkoppeling aanvragen") gets them back.
    target = session.pop("ib_next", None)
    local = target and target.startswith("/") and not target.startswith("//")
    return redirect(target if local else url_for("screens.my_consents"))


# --- login ----------------------------------------------------------------------------------


@blueprint.get("/inloggen")
def login_choice():
    """Choose how to log in."""
    key = request.args.get("req")
    row = _open_request(key)
    if row is False:
        return gone()
    return render_template("screens/login_choice.html", req=key, client_name=_client_name(row))


def _login_with_response(form, template: str, login):
    """A login page with a response code (e.dentifier, Access Online): the form, then ``login(form)``'s verb."""
    key = request.args.get("req")
    row = _open_request(key)
    if row is False:
        return gone()
    blocked = False
    if form.validate_on_submit():
        try:
            user = login(form)
        except authflow.LoginRefused as refused:
            flash(refused.message, "error")
            blocked = refused.blocked
        else:
            return _logged_in(user, key)
    return render_template(template, form=form, req=key, client_name=_client_name(row), blocked=blocked)


@blueprint.route("/inloggen/edentifier", methods=["GET", "POST"])
def login_edentifier():
    """Log in with the e.dentifier."""
    return _login_with_response(
        EdentifierForm(),
        "screens/edentifier.html",
        lambda form: backend().authflow.login_edentifier(
            account_number=form.account_number.data,
            card_number=form.card_number.data,
            response_code=form.response_code.data,
        ),
    )


@blueprint.route("/inloggen/access-online", methods=["GET", "POST"])
def login_access_online():
    """Log in to Access Online (business customers)."""
    return _login_with_response(
        AccessOnlineForm(),
        "screens/access_online.html",
        lambda form: backend().authflow.login_access_online(
            user_id=form.user_id.data,
            card_number=form.card_number.data,
            response_code=form.response_code.data,
        ),
    )


@blueprint.route("/inloggen/app", methods=["GET", "POST"])
def login_app():
    """Log in with the app: the account number, then confirm on the phone."""
    key = request.args.get("req")
    row = _open_request(key)
    if row is False:
        return gone()
    form = AppLoginForm()
    if form.validate_on_submit():
        try:
            login = backend().authflow.start_app_login(account_number=form.account_number.data, request_key=key)
        except authflow.LoginRefused as refused:
            flash(refused.message, "error")
        else:
            return redirect(url_for("screens.app_wait", key=login.key))
    return render_template("screens/app.html", form=form, req=key, client_name=_client_name(row))


@blueprint.get("/inloggen/app/<key>")
def app_wait(key: str):
    """The waiting page: it polls the status URL and continues once the app has confirmed."""
    login = backend().authflow.app_login(key)
    if login is None or login.status == authflow.USED or authflow.is_signing(login):
        return gone()
    return render_template("screens/app_wait.html", login=login)


@blueprint.get("/inloggen/app/<key>/status")
def app_status(key: str):
    """The app login's state as JSON, for the waiting page's poll."""
    login = backend().authflow.app_login(key)
    if login is None:
        raise errors.NotFound()
    return wire.json_response(
        {
            "status": login.status,
            "confirmed": login.status == authflow.CONFIRMED,
            "continueUrl": url_for("screens.app_continue", key=key),
        }
    )


@blueprint.get("/inloggen/app/<key>/verder")
def app_continue(key: str):
    """Continue after the app confirmed; back to waiting when it has not."""
    login = backend().authflow.app_login(key)
    # A confirmation that signs an order never logs anyone in.
    if login is None or login.status == authflow.USED or authflow.is_signing(login):
        return gone()
    user = backend().authflow.use_app_login(key)
    if user is None:
        flash("Uw login is nog niet bevestigd in de app.", "info")
        return redirect(url_for("screens.app_wait", key=key))
    return _logged_in(user, login.request_key)


@blueprint.route("/app/bevestigen/<key>", methods=["GET", "POST"])
def app_phone(key: str):
    """The phone: the app asks to confirm the login."""
    login = backend().authflow.app_login(key)
    if login is None:
        return gone()
    user = backend().bank.user(login.user_id)
    signing = authflow.is_signing(login)
    order = backend().internet_banking.order_signed_by(login) if signing else None
    row = backend().authflow.request(login.request_key) if login.request_key and not signing else None
    form = AppConfirmForm()
    if form.validate_on_submit() and login.status == authflow.PENDING:
        login = backend().authflow.confirm_app_login(key=key)
        done = "Overboeking bevestigd" if order else "Opdracht ondertekend" if signing else "Inloggen bevestigd"
        flash(f"{done}. U kunt verder op uw computer.", "success")
    return render_template(
        "screens/app_phone.html",
        form=form,
        login=login,
        user=user,
        client_name=_client_name(row),
        order=order,
        # What an app confirmation signs (an order's key, "batch 7"), None for a login.
        signs=login.request_key[len(authflow.SIGNING) :] if signing else None,
    )


# --- consent --------------------------------------------------------------------------------


@blueprint.route("/toestemming/<key>", methods=["GET", "POST"])
def consent(key: str):
    """Who asks, for what, how long; choose one account; approve or cancel."""
    row = backend().authflow.request(key)
    if row is None or row.status == authflow.DONE:
        return gone()
    if not oauth.owns_flow(row):
        return redirect(url_for("screens.login_choice", req=key))
    accounts = backend().authflow.eligible_accounts(row.user_id)
    payment = None
    if row.params.get("transactionId"):
        # A payment consent: the holder sees what is paid to whom, and pays from the proposed account or another.
        payment = backend().payments.stored(row.params["transactionId"], row.client_id)
        if payment is None:
            return gone()
        accounts = [a for a in accounts if a.iban != payment.payment.counterparty_iban]
        accounts.sort(key=lambda a: a.iban != payment.iban)
    form = ConsentForm()
    form.account.choices = [(a.iban, a.iban) for a in accounts]
    if form.validate_on_submit():
        decision = request.form.get("decision")
        if decision == "cancel":
            return oauth.cancel(row)
        if decision == "approve" and form.account.data:
            return oauth.approve(row, form.account.data)
        if decision == "approve":
            flash("Kies de rekening waarvoor u toestemming geeft.", "error")
        else:
            flash("Kies Toestaan of Annuleren.", "error")
    days = backend().consents.consent_days()
    return render_template(
        "screens/consent.html",
        form=form,
        key=key,
        client_name=_client_name(row),
        access=[SCOPE_WORDS[s] for s in row.scope.split()],
        days=days,
        valid_until=backend().clock.now() + dt.timedelta(days=days),
        accounts=accounts,
        product_words=PRODUCT_WORDS,
        payment=payment.payment if payment else None,
    )


# --- internet banking -----------------------------------------------------------------------


def internet_banking_user() -> authflow.LoggedIn | None:
    """The internet-banking login of this browser (the ``ib`` session), None when logged out or reset away."""
    key = session.get("ib")
    if not isinstance(key, str):
        return None
    user = backend().authflow.banking_session(key)
    if user is None:
        session.pop("ib", None)  # logged out elsewhere, or the bank was reset under this session
    return user


def internet_banking_user_or_login():
    """(user, None) when logged in to internet banking; else (None, a redirect to the login that brings this page
    back afterwards)."""
    user = internet_banking_user()
    if user is None:
        # With the server's prefix (script root): the login redirects there as it is.
        path = request.full_path if request.query_string else request.path
        session["ib_next"] = request.script_root + path
        return None, redirect(url_for("screens.login_choice"))
    return user, None


@blueprint.get("/internetbankieren")
def internet_banking():
    """Internet banking's start: the consents page, after logging in."""
    return redirect(url_for("screens.my_consents"))


@blueprint.get("/internetbankieren/toestemmingen")
def my_consents():
    """The customer's consents: which party, which account, valid until, status; withdraw a valid one."""
    user = internet_banking_user()
    if user is None:
        return redirect(url_for("screens.login_choice"))
    service = backend().consents
    names = {c.client_id: c.name for c in service.clients()}
    rows = [
        {
            "consent": c,
            "party": names.get(c.client_id, c.client_id),
            "status": STATUS_WORDS.get(c.status, c.status),
            "access": [SCOPE_WORDS.get(s, s) for s in c.scopes.split()],
            "form": WithdrawForm(),
        }
        for c in service.consents_of_customer(user.customer_id)
    ]
    return render_template("screens/my_consents.html", user=user, rows=rows, logout=LogoutForm())


@blueprint.post("/internetbankieren/toestemmingen/<int:consent_id>/intrekken")
def withdraw(consent_id: int):
    """Withdraw a consent: ``revokedByPsu``; the party's tokens stop working."""
    user = internet_banking_user()
    if user is None:
        return redirect(url_for("screens.login_choice"))
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            consent = backend().consents.withdraw(consent_id, user.customer_id)
        except errors.BankError:
            flash("Deze toestemming kan niet (meer) worden ingetrokken.", "error")
        else:
            client = backend().consents.client(consent.client_id)
            flash(f"Uw toestemming voor {client.name if client else consent.client_id} is ingetrokken.", "success")
    else:
        flash("De pagina was verlopen. Probeer het opnieuw.", "error")
    return redirect(url_for("screens.my_consents"))


@blueprint.post("/internetbankieren/uitloggen")
def logout():
    """Log out of internet banking."""
    form = LogoutForm()
    if form.validate_on_submit():
        backend().authflow.end_banking_session(session.pop("ib", None))
        flash("U bent uitgelogd.", "success")
    return redirect(url_for("screens.login_choice"))
