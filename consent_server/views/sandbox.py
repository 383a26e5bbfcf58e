"""The portal's sandbox control API (``/sandbox``, JSON, camelCase): set the world up, move time, look inside."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from flask import Flask
from flask import request

from consent_server import errors
from consent_server import wire
from consent_server.services.billing import billing_line_json
from consent_server.services.kvk import KvkError
from consent_server.services.kvk import result_item
from consent_server.services.mail import mail_json
from consent_server.views.api import account_input
from consent_server.web import portal
from consent_server.web import public_url
from mockbank.sim import web
from mockbank.sim.jsonbody import LARGEST_INTEGER
from mockbank.sim.web import body
from mockbank.sim.web import optional
from mockbank.sim.web import required

blueprint = Blueprint("sandbox", __name__, url_prefix="/sandbox")


def init_app(app: Flask) -> None:
    """Register the sandbox API."""
    app.register_blueprint(blueprint)


def administration_json(administration) -> dict:
    """An administration as the sandbox shows it."""
    return {
        "id": administration.id,
        "companyName": administration.company_name,
        "kvkNumber": administration.kvk_number,
        "accountingFirm": administration.accounting_firm,
    }


# --- world and time ----------------------------------------------------------------------------


@blueprint.post("/reset")
def reset():
    """Empty the portal (the clock keeps its time; KvK test numbers and a configured bank client stay)."""
    portal().reset()
    return wire.json_response({"reset": True, "clock": web.clock_json(portal().clock)})


@blueprint.get("/clock")
def read_clock():
    """The simulated time."""
    return wire.json_response(web.clock_json(portal().clock))


@blueprint.post("/clock/advance")
def advance_clock():
    """Move the shared clock by ``seconds``/``minutes``/``hours``/``days``, ``workingDays``, or ``to`` a moment."""
    web.advance_clock(portal().clock, body())
    return wire.json_response(web.clock_json(portal().clock))


@blueprint.get("/jobs")
def list_jobs():
    """The portal's due jobs (``status`` filters)."""
    jobs = portal().jobs.jobs(status=request.args.get("status"))
    return wire.json_response({"jobs": [j.to_json() for j in jobs]})


# --- KvK register --------------------------------------------------------------------------------


@blueprint.get("/kvk")
def list_kvk():
    """Every company in the portal's KvK register (KvK Zoeken v2 items)."""
    return wire.json_response({"companies": [result_item(c) for c in portal().kvk.companies()]})


@blueprint.post("/kvk")
def add_kvk():
    """Register a company: ``{kvkNummer, naam, straatnaam?, huisnummer?, postcode?, plaats?, rsin?}``."""
    data = body()
    try:
        company = portal().kvk.add(
            kvk_number=required(data, "kvkNummer"),
            name=required(data, "naam"),
            street=optional(data, "straatnaam", ""),
            house_number=_house_number(data.get("huisnummer", "")),
            postcode=optional(data, "postcode", ""),
            city=optional(data, "plaats", ""),
            rsin=optional(data, "rsin"),
            source=optional(data, "source", "sandbox"),
        )
    except KvkError as exc:
        raise errors.SandboxError(exc.description) from exc
    except ValueError as exc:
        raise errors.SandboxError(str(exc)) from exc
    return wire.json_response(result_item(company), status=201)


def _house_number(value) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise errors.SandboxError("'huisnummer' must be a string or a number")
    return str(value)


# --- the portal's client registration at the bank ---------------------------------------------------


@blueprint.get("/bank-client")
def read_bank_client():
    """The portal's credentials at the bank (null before it is registered)."""
    creds = portal().bank.credentials()
    # The URLs are there before registration too: the world registers the portal at the bank with them.
    urls = {
        "redirectUri": portal().settings.redirect_uri,
        "callbackUrl": public_url("PORTAL_BASE", "callbacks.bank_registration"),
    }
    if creds is None:
        return wire.json_response({"configured": False, **urls})
    return wire.json_response(
        {
            "configured": True,
            "clientId": creds.client_id,
            "apiKey": creds.api_key,
            "hasClientSecret": bool(creds.client_secret),
            "hasCallbackSecret": bool(creds.callback_secret),
            **urls,
        }
    )


@blueprint.post("/bank-client")
def configure_bank_client():
    """Hand the portal what the bank's ``POST /sandbox/clients`` returned: clientId, apiKey and both secrets."""
    data = body()
    portal().bank.configure(
        client_id=required(data, "clientId"),
        api_key=required(data, "apiKey"),
        client_secret=optional(data, "clientSecret"),
        callback_secret=optional(data, "callbackSecret"),
    )
    return read_bank_client()


# --- administrations -------------------------------------------------------------------------------


@blueprint.get("/administrations")
def list_administrations():
    """Every administration."""
    return wire.json_response(
        {"administrations": [administration_json(a) for a in portal().eaccounting.administrations()]}
    )


@blueprint.post("/administrations")
def create_administration():
    """An administration ``{companyName, kvkNumber?, accountingFirm?, bankAccounts?}``, answered with a token."""
    data = body()
    for name in ("kvkNumber", "accountingFirm"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise errors.SandboxError(f"'{name}' must be a string")
    accounts = data.get("bankAccounts", [])
    if not isinstance(accounts, list) or not all(isinstance(a, dict) for a in accounts):
        raise errors.SandboxError("'bankAccounts' must be a list of BankAccountApi objects")
    administration = portal().eaccounting.create_administration(
        company_name=required(data, "companyName"),
        kvk_number=data.get("kvkNumber"),
        accounting_firm=data.get("accountingFirm"),
        accounts=[account_input(a) for a in accounts],
    )
    return wire.json_response(_with_token(administration), status=201)


@blueprint.post("/administrations/<int:administration_id>/tokens")
def mint_token(administration_id: int):
    """A new bearer token (and browser login link) for one administration."""
    administration = portal().eaccounting.administration(administration_id)
    return wire.json_response(_with_token(administration), status=201)


def _with_token(administration) -> dict:
    token = portal().eaccounting.mint_token(administration.id)
    return {
        **administration_json(administration),
        "accessToken": token,
        "tokenType": "Bearer",
        "loginUrl": public_url("EACCOUNTING_BASE", "settings.login", token=token),
    }


# --- registrations ---------------------------------------------------------------------------------


@blueprint.get("/registrations")
def list_registrations():
    """Every registration with its state and links."""
    return wire.json_response(
        {
            "registrations": [
                {
                    "serialNumber": r.serial.number,
                    "state": r.state,
                    "administrationId": r.serial.administration_id,
                    "kvkNumber": r.kvk_number,
                    "links": [{"iban": link.iban, "state": link.state, "flow": link.flow} for link in r.links],
                }
                for r in portal().registrations.all()
            ]
        }
    )


@blueprint.get("/timeline")
def timeline():
    """Every step of one onboarding with its simulated time: ``?serial=NNNNNNN``."""
    number = request.args.get("serial", "").strip()
    if not number:
        raise errors.SandboxError("'serial' is required")
    try:
        return wire.json_response(portal().read_models.timeline(number))
    except errors.NotFound as exc:
        exc.developer_message = f"no registration for serial {number}"
        raise


# --- mail ----------------------------------------------------------------------------------------------


def _outbox_filters() -> dict:
    return {name: request.args.get(name) or None for name in ("to", "subject", "kind", "iban")}


@blueprint.get("/outbox")
def list_outbox():
    """Every mail the portal sent, newest first (``to``, ``subject`` part, ``kind``, ``iban`` filter)."""
    mails = portal().outbox.mails(**_outbox_filters())
    return wire.json_response({"mails": [mail_json(m) for m in mails]})


@blueprint.get("/outbox/latest")
def latest_mail():
    """The newest mail matching the filters; 404 when there is none."""
    mails = portal().outbox.mails(**_outbox_filters())
    if not mails:
        raise errors.NotFound("no mail matches", message="Geen e-mail gevonden.")
    return wire.json_response(mail_json(mails[0]))


@blueprint.get("/outbox/<int:mail_id>")
def read_mail(mail_id: int):
    """One mail."""
    mail = portal().outbox.mail(mail_id)
    if mail is None:
        raise errors.NotFound(f"no mail {mail_id}", message="Deze e-mail bestaat niet.")
    return wire.json_response(mail_json(mail))


@blueprint.delete("/outbox")
def clear_outbox():
    """Empty the outbox (activation links in the removed mails keep working)."""
    return wire.json_response({"deleted": portal().outbox.clear()})


# --- the daily import ------------------------------------------------------------------------------------


def import_run_json(run, iban: str) -> dict:
    """One import run of one link."""
    return {
        "id": run.id,
        "iban": iban,
        "startedAt": run.started_at.isoformat(),
        "bookDateFrom": run.book_date_from.isoformat() if run.book_date_from else None,
        "bookDateTo": run.book_date_to.isoformat() if run.book_date_to else None,
        "outcome": run.outcome,
        "pages": run.pages,
        "fetched": run.fetched,
        "imported": run.imported,
        "refreshed": run.refreshed,
        "error": run.error,
    }


@blueprint.get("/imports")
def list_imports():
    """The latest import runs, newest first (``iban``, ``limit``)."""
    try:
        limit = int(request.args.get("limit", 100))
    except ValueError as exc:
        raise errors.SandboxError("'limit' must be a number") from exc
    runs = portal().imports.runs(iban=request.args.get("iban"), limit=max(1, min(limit, 1000)))
    return wire.json_response({"runs": [import_run_json(run, iban) for run, iban in runs]})


@blueprint.post("/imports/run")
def run_imports():
    """Run the daily import now, for every activated link (``force``: also before its first import is due)."""
    data = body()
    force = data.get("force", False)
    if not isinstance(force, bool):
        raise errors.SandboxError("'force' must be true or false")
    summaries = portal().imports.run_all(force=force)
    return wire.json_response(
        {
            "runs": [
                {
                    "linkId": s.link_id,
                    "outcome": s.outcome,
                    "fetched": s.fetched,
                    "imported": s.imported,
                    "state": s.state,
                    "error": s.error,
                }
                for s in summaries
            ]
        }
    )


# --- billing -------------------------------------------------------------------------------------------


@blueprint.get("/billing")
def list_billing():
    """Billing lines of bank connections (``administrationId``, ``month`` = YYYY-MM), newest month first."""
    admin = request.args.get("administrationId")
    if admin is not None and not (
        admin.isascii() and admin.isdigit() and 0 < len(admin) < 20 and int(admin) <= LARGEST_INTEGER
    ):
        raise errors.SandboxError("'administrationId' must be a number")
    month = _month(request.args.get("month"))
    lines = portal().billing.lines(administration_id=int(admin) if admin else None, month=month)
    return wire.json_response({"lines": [billing_line_json(line) for line in lines]})


@blueprint.post("/billing/run")
def run_billing():
    """Bill a month that has ended now (the month-end job does this by itself; a month is never billed twice)."""
    month = _month(required(body(), "month"))
    try:
        lines = portal().billing.bill_month(month)
    except ValueError as exc:
        raise errors.SandboxError(str(exc)) from exc
    return wire.json_response({"lines": [billing_line_json(line) for line in lines]})


def _month(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        dt.date.fromisoformat(f"{value}-01")
    except (ValueError, TypeError) as exc:
        raise errors.SandboxError(f"'month' must be YYYY-MM, not {value!r}") from exc
    return value
