"""eAccounting's "Verkoop": customers, sales invoices with their direct-debit state, and "Incasso-opdracht
versturen" for open invoices of customers with a mandate, from a linked ABN AMRO account."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from consent_server import errors
from consent_server import models
from consent_server.forms import ButtonForm
from consent_server.views.eaccounting import administration_required
from consent_server.web import portal
from mockbank.sim.dutch import dutch_date

blueprint = Blueprint("sales", __name__)

INVOICE_WORDS = {
    models.INVOICE_OPEN: "Open",
    models.INVOICE_COLLECTING: "Wordt geïncasseerd",
    models.INVOICE_PAID: "Betaald (incasso)",
    models.INVOICE_RETURNED: "Gestorneerd",
}
RETURN_WORDS = {"AM04": "onvoldoende saldo", "MD01": "geen machtiging", "MD06": "terugboeking op verzoek"}
ORDER_WORDS = {
    models.ORDER_CONSENT: "Wacht op toestemming van de bank",
    models.ORDER_SENT: "Verstuurd: onderteken de opdracht in Internet Bankieren",
    models.ORDER_REJECTED: "Geweigerd door de bank",
    models.ORDER_FAILED: "Niet verstuurd",
    models.ORDER_SETTLED: "Uitgevoerd",
}


def init_app(app: Flask) -> None:
    """Register the sales pages."""
    app.add_template_filter(dutch_date, "datum")
    app.register_blueprint(blueprint)


def _linked_accounts(administration) -> list[models.BankAccount]:
    states = portal().connections.link_states(administration.id)
    return [a for a in administration.accounts if a.iban and states.get(a.iban) in models.LINKED_STATES]


@blueprint.get("/verkoop/klanten")
@administration_required
def customers(administration):
    """The customers, with IBAN and mandate."""
    return render_template(
        "eaccounting/customers.html",
        administration=administration,
        customers=portal().invoicing.customers(administration.id),
    )


@blueprint.get("/verkoop/facturen")
@administration_required
def invoices(administration):
    """The sales invoices; open ones of customers with a mandate can be collected together."""
    return render_template(
        "eaccounting/invoices.html",
        administration=administration,
        invoices=portal().invoicing.invoices(administration.id),
        accounts=_linked_accounts(administration),
        form=ButtonForm(prefix="incasso"),
        words=INVOICE_WORDS,
        return_words=RETURN_WORDS,
        collectable=(models.INVOICE_OPEN, models.INVOICE_RETURNED),
    )


@blueprint.post("/verkoop/incasso")
@administration_required
def send(administration):
    """ "Incasso-opdracht versturen": to the bank for its consent first when needed, else to the order."""
    if not ButtonForm(prefix="incasso").validate_on_submit():
        abort(400)
    try:
        date_text = request.form.get("collection_date") or ""
        started = portal().incasso.start(
            administration.id,
            bank_account_uid=request.form.get("bank_account", ""),
            invoice_uids=request.form.getlist("invoice"),
            collection_date=dt.date.fromisoformat(date_text) if date_text else None,
            redirect_uri=portal().settings.redirect_uri,
        )
    except ValueError:
        flash("Vul een geldige incassodatum in.", "error")
        return redirect(url_for("sales.invoices"))
    except errors.PortalError as error:
        flash(error.message, "error")
        return redirect(url_for("sales.invoices"))
    if started.bank_consent_url:
        return redirect(started.bank_consent_url)
    return redirect(url_for("sales.order", uid=started.order.uid))


@blueprint.get("/verkoop/incasso")
@administration_required
def orders(administration):
    """The direct-debit orders, newest first."""
    return render_template(
        "eaccounting/orders.html",
        administration=administration,
        orders=portal().incasso.orders(administration.id),
        words=ORDER_WORDS,
    )


@blueprint.get("/verkoop/incasso/<uid>")
@administration_required
def order(administration, uid: str):
    """One order: its state, the bank's problems, the link to sign it, and each invoice's outcome."""
    return render_template(
        "eaccounting/order.html",
        administration=administration,
        order=portal().incasso.order(administration.id, uid),
        words=ORDER_WORDS,
        invoice_words=INVOICE_WORDS,
        return_words=RETURN_WORDS,
    )
