"""The outbox as pages on the portal's host: every mail the portal sent, readable in a browser (like Mailpit)."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import render_template
from flask import request

from consent_server.web import portal

blueprint = Blueprint("outbox", __name__, url_prefix="/outbox")


def init_app(app: Flask) -> None:
    """Register the outbox pages."""
    app.register_blueprint(blueprint)


DELIVERY_WORDS = {
    "stored": "alleen in de outbox",
    "pending": "wacht op SMTP",
    "delivered": "bezorgd via SMTP",
    "failed": "bezorging mislukt",
}


@blueprint.context_processor
def _words():
    # The delivery status in Dutch: these pages are Dutch.
    return {"delivery_words": DELIVERY_WORDS}


@blueprint.get("")
@blueprint.get("/")
def index():
    """Every mail, newest first; ``?to=`` shows one recipient's."""
    to = request.args.get("to") or None
    return render_template("outbox/index.html", mails=portal().outbox.mails(to=to), to=to)


@blueprint.get("/<int:mail_id>")
def show(mail_id: int):
    """One mail: its headers, its links, its HTML and its text."""
    mail = portal().outbox.mail(mail_id)
    if mail is None:
        abort(404)
    return render_template("outbox/mail.html", mail=mail)
