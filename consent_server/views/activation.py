"""The activation link of the mail (seed step 8): one page per link, on the portal's host."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for

from consent_server import errors
from consent_server.forms import ButtonForm
from consent_server.services.activation import refusal_of
from consent_server.web import portal
from mockbank.sim.dutch import dutch_date
from mockbank.sim.dutch import dutch_number

blueprint = Blueprint("activation", __name__, url_prefix="/activeren")


def init_app(app: Flask) -> None:
    """Register the activation pages."""
    app.register_blueprint(blueprint)


def _page(token: str, view=None, refusal: errors.ActivationRefused | None = None, status: int = 200):
    if view is None:
        try:
            view = portal().activations.activation(token)
        except errors.ActivationRefused:
            view = None  # a link that never existed: the page shows only the refusal
    return (
        render_template(
            "activation/page.html",
            view=view,
            refusal=refusal,
            token=token,
            activate_form=ButtonForm(prefix="activate"),
            renew_form=ButtonForm(prefix="renew"),
            dutch_date=dutch_date,
            first_import_days=dutch_number(portal().settings.first_import_working_days),
        ),
        status,
    )


@blueprint.get("/<token>")
def show(token: str):
    """What the link is for, and the button that activates it (a GET changes nothing, so mail scanners can't)."""
    try:
        view = portal().activations.activation(token)
    except errors.ActivationRefused as unknown:
        return _page(token, refusal=unknown, status=unknown.status)
    refusal = refusal_of(view.status, view.iban)
    if refusal is not None:
        return _page(token, view, refusal, refusal.status)
    return _page(token, view)


@blueprint.post("/<token>")
def activate(token: str):
    """Activate the account's link."""
    if not ButtonForm(prefix="activate").validate_on_submit():
        abort(400)
    try:
        view = portal().activations.activate(token)
    except errors.ActivationRefused as refused:
        return _page(token, refusal=refused, status=refused.status)
    flash(f"De koppeling van rekening {view.iban} is geactiveerd.", "success")
    return _page(token, view)


@blueprint.post("/<token>/nieuw")
def request_new(token: str):
    """Send a new activation link for an expired one."""
    if not ButtonForm(prefix="renew").validate_on_submit():
        abort(400)
    try:
        view = portal().activations.request_new_activation(token)
    except errors.ActivationRefused as refused:
        return _page(token, refusal=refused, status=refused.status)
    flash(f"We hebben een nieuwe activatielink voor rekening {view.iban} per e-mail verstuurd.", "success")
    return redirect(url_for("activation.show", token=token))
