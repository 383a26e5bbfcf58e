"""Internet banking's own pages: Mijn rekeningen (balances), an account's bookings, and Overboeken.

Views parse a form, call a verb of ``InternetBanking`` and render; the Dutch words live here and in the
templates. Every page needs the internet-banking login of ``views/screens.py``; a page opened logged out
sends the user to log in and back.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from mockbank import errors
from mockbank import models
from mockbank import wire
from mockbank.context import backend
from mockbank.forms import BookingSearchForm
from mockbank.forms import OrderActionForm
from mockbank.forms import SignWithAppForm
from mockbank.forms import SignWithResponseForm
from mockbank.forms import TransferForm
from mockbank.services import authflow
from mockbank.services import internet_banking as ib
from mockbank.services.ledger_rules import HISTORY_MONTHS
from mockbank.sim.calendar import months_back
from mockbank.sim.dutch import format_eur
from mockbank.views.screens import PRODUCT_WORDS
from mockbank.views.screens import internet_banking_user
from mockbank.views.screens import internet_banking_user_or_login

blueprint = Blueprint("ib", __name__)

PAGE_SIZE = 25

REFUSALS = {
    ib.NOT_OWN_ACCOUNT: "Kies een van uw eigen rekeningen.",
    ib.INVALID_IBAN: "Dit is geen geldig rekeningnummer (IBAN). Controleer het nummer.",
    ib.SAME_ACCOUNT: "U kunt niet naar dezelfde rekening overboeken.",
    ib.NAME_MISSING: "Vul de naam van de ontvanger in.",
    ib.NAME_TOO_LONG: "Een naam is ten hoogste 70 tekens.",
    ib.AMOUNT_NOT_POSITIVE: "Het bedrag moet groter zijn dan € 0,00.",
    ib.AMOUNT_TOO_LARGE: "Dit bedrag is te hoog.",
    ib.INSUFFICIENT_FUNDS: "Het saldo van deze rekening is niet toereikend voor dit bedrag.",
    ib.DESCRIPTION_TOO_LONG: "Een omschrijving is ten hoogste 140 tekens.",
    ib.CURRENCY: "Vanaf deze rekening kunt u alleen in euro's overboeken.",
    ib.RISK_NOT_ACCEPTED: "Bevestig dat u toch wilt overboeken, of pas de naam aan.",
    ib.NO_SUGGESTION: "Er is geen andere naam voorgesteld.",
    ib.APP_WAITING: "De overboeking is nog niet bevestigd in de app.",
    ib.ORDER_GONE: "Deze overboeking kan niet (meer) worden uitgevoerd.",
}
# Refusals about one of these fields are shown next to it; the rest above the form.
TRANSFER_FIELDS = ("debtor", "creditor_iban", "creditor_name", "amount", "description")
NAME_CHECK_WORDS = {
    ib.MATCH: "De naam en het rekeningnummer horen bij elkaar.",
    ib.CLOSE_MATCH: "De naam lijkt op de naam van de rekeninghouder, maar is niet gelijk.",
    ib.NO_MATCH: (
        "De naam hoort niet bij dit rekeningnummer. Controleer de naam en het rekeningnummer. Maakt u toch over, "
        "dan komt het geld misschien bij een ander terecht en krijgt u het mogelijk niet terug."
    ),
    ib.NOT_CHECKABLE: "De naam kon niet worden gecontroleerd: dit rekeningnummer is niet van ABN AMRO.",
}


def init_app(app: Flask) -> None:
    """Register internet banking's pages and the ``euro`` filter (``€ 1.250,00``)."""
    app.add_template_filter(format_eur, "euro")
    app.register_blueprint(blueprint)


def _account_label(account: models.Account) -> str:
    return f"{PRODUCT_WORDS.get(account.product, account.product)} {account.iban} ({format_eur(account.balance_cents)})"


# --- Mijn rekeningen ------------------------------------------------------------------------------


@blueprint.get("/internetbankieren/rekeningen")
def accounts():
    """The customer's accounts with their balances."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    rows = backend().internet_banking.accounts(user.customer_id)
    return render_template("screens/ib_accounts.html", user=user, accounts=rows, product_words=PRODUCT_WORDS)


@blueprint.get("/internetbankieren/rekeningen/<iban>")
def account(iban: str):
    """One own account's bookings, newest first, searchable by book date, a page at a time."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    search = BookingSearchForm(request.args)
    today = backend().clock.today()
    oldest = months_back(today, HISTORY_MONTHS)
    valid = search.validate()
    if valid and search.van.data and search.van.data < oldest:
        search.van.errors.append(f"U kunt tot {HISTORY_MONTHS} maanden terug zoeken.")
        valid = False
    after = None
    if request.args.get("na"):
        try:
            after = wire.decode_page_key(request.args["na"])
        except errors.BankError:
            abort(400)
    try:
        account, rows, anchor = backend().internet_banking.bookings(
            user.customer_id,
            iban,
            date_from=(search.van.data if valid else None) or oldest,
            date_to=search.tot.data if valid else None,
            after=after,
            size=PAGE_SIZE,
        )
    except errors.SandboxNotFound:
        abort(404)
    # The search stays in the paging links.
    query = {k: v for k, v in request.args.items() if k != "na" and v}
    next_url = url_for("ib.account", iban=account.iban, na=wire.encode_page_key(*anchor), **query) if anchor else None
    first_url = url_for("ib.account", iban=account.iban, **query) if after else None
    return render_template(
        "screens/ib_account.html",
        user=user,
        account=account,
        rows=rows,
        search=search,
        next_url=next_url,
        first_url=first_url,
        product_words=PRODUCT_WORDS,
    )


# --- Overboeken -----------------------------------------------------------------------------------


@blueprint.route("/internetbankieren/overboeken", methods=["GET", "POST"])
def transfer():
    """Overboeken: the order form; a valid order goes on to the check and the confirmation."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    own = backend().internet_banking.accounts(user.customer_id)
    form = TransferForm()
    form.debtor.choices = [(a.iban, _account_label(a)) for a in own]
    form.to_own.choices = [("", "Een ander rekeningnummer")] + [
        (a.iban, f"Eigen rekening: {PRODUCT_WORDS.get(a.product, a.product)} {a.iban}") for a in own
    ]
    if request.method == "GET" and request.args.get("van"):
        form.debtor.data = request.args["van"]
    if form.validate_on_submit():
        try:
            order = backend().internet_banking.prepare(
                user,
                debtor_iban=form.debtor.data,
                creditor_iban=form.to_own.data or form.creditor_iban.data,
                creditor_name=form.creditor_name.data or "",
                amount_cents=form.amount.data,
                description=form.description.data or "",
            )
        except ib.TransferRefused as refused:
            field = getattr(form, refused.field) if refused.field in TRANSFER_FIELDS else None
            if refused.field == "creditor_iban" and form.to_own.data:
                field = form.to_own
            if field is not None:
                field.errors = [*field.errors, REFUSALS[refused.reason]]
            else:
                flash(REFUSALS[refused.reason], "error")
        else:
            return redirect(url_for("ib.order", key=order.key))
    elif request.method == "POST" and form.csrf_token.errors:
        flash("De pagina was verlopen. Probeer het opnieuw.", "error")
    return render_template("screens/ib_transfer.html", user=user, form=form), 400 if form.errors else 200


def _order_or_gone(user, key: str):
    try:
        return backend().internet_banking.order(key, user)
    except ib.TransferRefused:
        abort(404)


@blueprint.get("/internetbankieren/overboeken/<key>")
def order(key: str):
    """The order to check and confirm (e.dentifier or app); once booked or cancelled, what became of it."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    found = _order_or_gone(user, key)
    kinds = {m.kind for m in backend().bank.user(user.user_id).login_means}
    return render_template(
        "screens/ib_order.html",
        user=user,
        order=found,
        check_words=NAME_CHECK_WORDS[found.name_check],
        risky=found.name_check in ib.RISKY,
        response_means=bool(kinds & set(authflow.RESPONSE_MEANS)),
        app_means=models.MOBILE_APP in kinds,
        sign_response=SignWithResponseForm(),
        sign_app=SignWithAppForm(),
        action=OrderActionForm(),
    )


def _refused(key: str, refused: Exception):
    message = refused.message if isinstance(refused, authflow.LoginRefused) else REFUSALS[refused.reason]
    flash(message, "error")
    return redirect(url_for("ib.order", key=key))


def _booked(key: str, order):
    flash(f"Uw overboeking van {format_eur(order.amount_cents)} naar {order.creditor_name} is uitgevoerd.", "success")
    return redirect(url_for("ib.order", key=key))


@blueprint.post("/internetbankieren/overboeken/<key>/edentifier")
def sign_with_edentifier(key: str):
    """Confirm with the e.dentifier's response: booked at once."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    form = SignWithResponseForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errs in form.errors.values() for e in errs) or "Probeer het opnieuw.", "error")
        return redirect(url_for("ib.order", key=key))
    try:
        order, _ = backend().internet_banking.sign_with_response(
            key, user, response_code=form.response_code.data, accept_risk=form.accept_risk.data
        )
    except (ib.TransferRefused, authflow.LoginRefused) as refused:
        return _refused(key, refused)
    return _booked(key, order)


@blueprint.post("/internetbankieren/overboeken/<key>/app")
def sign_with_app(key: str):
    """Confirm in the app: a notification on the phone, and a page that waits for it."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    form = SignWithAppForm()
    if not form.validate_on_submit():
        flash("De pagina was verlopen. Probeer het opnieuw.", "error")
        return redirect(url_for("ib.order", key=key))
    try:
        backend().internet_banking.start_app_signing(key, user, accept_risk=form.accept_risk.data)
    except (ib.TransferRefused, authflow.LoginRefused) as refused:
        return _refused(key, refused)
    return redirect(url_for("ib.app_wait", key=key))


@blueprint.get("/internetbankieren/overboeken/<key>/app")
def app_wait(key: str):
    """Waiting for the app: the page polls and goes on once the phone has confirmed."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    found = _order_or_gone(user, key)
    confirmation = backend().authflow.app_login(found.app_login_key) if found.app_login_key else None
    if found.status != ib.PENDING or confirmation is None:
        return redirect(url_for("ib.order", key=key))
    return render_template("screens/ib_app_wait.html", order=found, confirmation=confirmation)


@blueprint.get("/internetbankieren/overboeken/<key>/app/status")
def app_status(key: str):
    """Whether the app has confirmed the order, as JSON for the waiting page."""
    user = internet_banking_user()
    if user is None:
        abort(401)
    found = _order_or_gone(user, key)
    confirmation = backend().authflow.app_login(found.app_login_key) if found.app_login_key else None
    status = confirmation.status if confirmation else "none"
    return wire.json_response(
        {
            "status": status,
            "confirmed": status == authflow.CONFIRMED,
            "continueUrl": url_for("ib.app_continue", key=key),
        }
    )


@blueprint.get("/internetbankieren/overboeken/<key>/app/verder")
def app_continue(key: str):
    """Book once the app has confirmed; back to waiting when it has not."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    try:
        order, _ = backend().internet_banking.finish_app_signing(key, user)
    except ib.TransferRefused as refused:
        if refused.reason == ib.APP_WAITING:
            flash(REFUSALS[ib.APP_WAITING], "info")
            return redirect(url_for("ib.app_wait", key=key))
        return _refused(key, refused)
    return _booked(key, order)


@blueprint.post("/internetbankieren/overboeken/<key>/naam")
def use_suggested_name(key: str):
    """After a close match: pay to the name the account is held in."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    if OrderActionForm().validate_on_submit():
        try:
            backend().internet_banking.use_suggested_name(key, user)
        except ib.TransferRefused as refused:
            return _refused(key, refused)
    return redirect(url_for("ib.order", key=key))


@blueprint.post("/internetbankieren/overboeken/<key>/annuleren")
def cancel(key: str):
    """Cancel the order: nothing is booked."""
    user, login = internet_banking_user_or_login()
    if login:
        return login
    if OrderActionForm().validate_on_submit():
        try:
            backend().internet_banking.cancel(key, user)
        except ib.TransferRefused as refused:
            return _refused(key, refused)
        flash("De overboeking is geannuleerd.", "info")
    return redirect(url_for("ib.order", key=key))
