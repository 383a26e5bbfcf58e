"""Internet banking's "Boekhoudkoppeling aanvragen": the bank-initiated registration of flows B and C.

A logged-in customer (e.dentifier, app, or Access Online) picks the accounting software (a registered
client with a ``software_name`` and a ``callback_url``), types the klantnummer (the software's serial
number), selects one or more eligible accounts and approves. The bank makes one consent per account,
issues one authorization code per consent, and delivers them to the software server-to-server: a JSON
body POSTed to the client's ``callback_url``, signed with HMAC-SHA256 under the client's
``callback_secret`` in the ``X-Mockbank-Signature`` header (``sha256=<hex>``). When the software
refuses, the consents become ``rejected`` and the user reads the software's reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from dataclasses import field

import requests
from flask import Blueprint
from flask import Flask
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_wtf import FlaskForm
from sqlalchemy import JSON
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import select
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice

from mockbank import authflow
from mockbank import consents as consent_states
from mockbank import errors
from mockbank import models
from mockbank import oauth
from mockbank import wire
from mockbank.app import backend
from mockbank.bank import normalize_iban
from mockbank.models import Base
from mockbank.sim.db import UTCDateTime

blueprint = Blueprint("registration", __name__)

SIGNATURE_HEADER = "X-Mockbank-Signature"
SCOPES = ("psd2:account:details:read", "psd2:account:balance:read", "psd2:account:transaction:read")
KLANTNUMMER = re.compile(r"^[0-9]{4,12}$")

SENT = "sent"
DELIVERED = "delivered"
REFUSED = "refused"


class AccountingRegistration(Base):
    """One "Boekhoudkoppeling aanvragen" by a customer: which software, which serial, which accounts, the outcome."""

    __tablename__ = "accounting_registrations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(Integer)
    login_means: Mapped[str] = mapped_column(String(16))
    serial_number: Mapped[str] = mapped_column(String(16), index=True)
    ibans: Mapped[list] = mapped_column(JSON, default=list)
    consent_ids: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=SENT)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


def sign(secret: str, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256 of the raw body under the client's callback secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class RegistrationInvalid(Exception):
    """The form broke rules: one Dutch message per field; nothing was made."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(problems.values()))


@dataclass
class Outcome:
    """What happened to a registration: delivered to the software, or refused with its reason."""

    delivered: bool
    software: str
    serial_number: str
    ibans: list[str]
    message: str
    registration_id: int
    consent_ids: list[int] = field(default_factory=list)


class AccountingRegistrations:
    """Verbs of the bank-initiated registration."""

    def __init__(self, *, state):
        self.state = state
        self.db = state.db
        self.clock = state.clock
        self.http = requests.Session()

    def software(self) -> list[models.OAuthClient]:
        """Registered clients that accept bank-initiated registrations, by software name."""
        clients = [c for c in self.state.consents.clients() if c.software_name and c.callback_url]
        return sorted(clients, key=lambda c: c.software_name.lower())

    def register(self, *, user: authflow.LoggedIn, client_id: str, serial_number: str, ibans: list[str]) -> Outcome:
        """Check the form, make one valid consent and one code per account, deliver them, and keep the outcome."""
        problems: dict[str, str] = {}
        client = next((c for c in self.software() if c.client_id == client_id), None)
        if not client_id:
            problems["software"] = "Kies uw boekhoudpakket."
        elif client is None:
            problems["software"] = "Dit boekhoudpakket is niet bekend bij ABN AMRO. Kies een pakket uit de lijst."
        serial_number = (serial_number or "").strip()
        if not serial_number:
            problems["serial_number"] = (
                "Vul het klantnummer (serienummer) in dat u van uw boekhoudpakket heeft gekregen."
            )
        elif not KLANTNUMMER.match(serial_number):
            problems["serial_number"] = "Een klantnummer bestaat alleen uit cijfers."
        eligible = {a.iban: a for a in self.state.extras["authflow"].eligible_accounts(user.user_id)}
        chosen = list(dict.fromkeys(normalize_iban(i) for i in ibans if i))
        if not chosen:
            problems["accounts"] = "Kies ten minste één rekening."
        elif any(i not in eligible for i in chosen):
            problems["accounts"] = "Een van de gekozen rekeningen kan niet worden gekoppeld."
        if problems:
            raise RegistrationInvalid(problems)
        now = self.clock.now()
        codes = []
        with self.db.transaction() as db_session:
            row = AccountingRegistration(
                client_id=client.client_id,
                user_id=user.user_id,
                login_means=user.means,
                serial_number=serial_number,
                ibans=chosen,
                status=SENT,
                created_at=now,
            )
            db_session.add(row)
            consent_ids = []
            for iban in chosen:
                consent = self.state.consents.create_consent(
                    db_session,
                    client_id=client.client_id,
                    account_id=eligible[iban].id,
                    user_id=user.user_id,
                    scopes=list(SCOPES),
                    status=consent_states.VALID,
                )
                code = self.state.ids.token(40)
                self.state.consents.save_code(
                    db_session,
                    code=code,
                    client_id=client.client_id,
                    consent_id=consent.id,
                    redirect_uri=None,
                    scope=" ".join(SCOPES),
                    code_challenge=None,
                    code_challenge_method=None,
                )
                consent_ids.append(consent.id)
                codes.append({"iban": iban, "code": code, "consentId": consent.id})
            row.consent_ids = consent_ids
            db_session.flush()
            registration_id = row.id
            customer = db_session.get(models.Customer, user.customer_id)
            kvk_number = customer.kvk_number
        # Delivered after the transaction closed: in-process the software calls straight back into this bank.
        delivered, message = self._deliver(client, serial_number, kvk_number, codes, registration_id, now)
        with self.db.transaction() as db_session:
            row = db_session.get(AccountingRegistration, registration_id)
            row.status = DELIVERED if delivered else REFUSED
            row.reason = None if delivered else message
            row.finished_at = self.clock.now()
            if not delivered:
                for consent_id in consent_ids:
                    consent = db_session.get(models.Consent, consent_id)
                    self.state.consents.set_status(
                        db_session,
                        consent,
                        consent_states.REJECTED,
                        reason=f"refused by {client.name}: {message}"[:200],
                    )
        return Outcome(delivered, client.software_name, serial_number, chosen, message, registration_id, consent_ids)

    def _deliver(self, client, serial_number, kvk_number, codes, registration_id, now) -> tuple[bool, str]:
        payload = {
            "registrationId": registration_id,
            "software": client.software_name,
            "clientId": client.client_id,
            "serialNumber": serial_number,
            "kvkNumber": kvk_number,
            "sentAt": now.isoformat(),
            "accounts": codes,
        }
        body = json.dumps(payload).encode()
        try:
            response = self.http.post(
                client.callback_url,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(client.callback_secret or "", body),
                },
                timeout=float(self.state.config.get("CALLBACK_TIMEOUT", 10)),
            )
        except requests.RequestException:
            return False, f"{client.software_name} is op dit moment niet bereikbaar. Probeer het later opnieuw."
        if response.status_code == 200:
            return True, f"Uw aanvraag is doorgegeven aan {client.software_name}."
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        reason = answer.get("ErrorMessage") if isinstance(answer, dict) else None
        return False, reason or f"{client.software_name} heeft de aanvraag geweigerd (HTTP {response.status_code})."

    def history(self, user_id: int) -> list[AccountingRegistration]:
        """The user's registrations, newest first."""
        with self.db.reading() as db_session:
            return list(
                db_session.scalars(
                    select(AccountingRegistration)
                    .where(AccountingRegistration.user_id == user_id)
                    .order_by(AccountingRegistration.id.desc())
                )
            )

    def all(self) -> list[AccountingRegistration]:
        """Every registration, oldest first (for the sandbox)."""
        with self.db.reading() as db_session:
            return list(db_session.scalars(select(AccountingRegistration).order_by(AccountingRegistration.id)))


class RegistrationForm(FlaskForm):
    """Software, klantnummer and accounts; the ``decision`` button (approve/cancel) is read by the view."""

    software = SelectField("Boekhoudpakket", choices=[], validate_choice=False)
    serial_number = StringField("Klantnummer (serienummer)")
    accounts = SelectMultipleField("Rekeningen", choices=[], validate_choice=False)


def init_app(app: Flask) -> None:
    """Register the page and its service."""
    state = app.extensions["mockbank"]
    state.db.create_all()
    state.extras["registrations"] = AccountingRegistrations(state=state)
    app.register_blueprint(blueprint)


def service() -> AccountingRegistrations:
    """The registration service of the current app."""
    return backend().extras["registrations"]


def _user() -> authflow.LoggedIn | None:
    """The internet-banking login of this browser (the screens' ``ib`` session)."""
    state = session.get("ib")
    if not state:
        return None
    try:
        return oauth.flow().logged_in(state["user_id"], state["means"])
    except errors.SandboxNotFound:
        session.pop("ib", None)
        return None


@blueprint.route("/internetbankieren/boekhoudkoppeling", methods=["GET", "POST"])
def accounting_link():
    """Boekhoudkoppeling aanvragen: log in first (``?login=access_online`` for Access Online), then the form."""
    user = _user()
    if user is None:
        # After logging in, the screens bring the user back here.
        session["ib_next"] = url_for("registration.accounting_link")
        if request.args.get("login") == "access_online":
            return redirect(url_for("screens.login_access_online"))
        return redirect(url_for("screens.login_choice"))
    accounts = oauth.flow().eligible_accounts(user.user_id)
    software = service().software()
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
                outcome = service().register(
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
            history=service().history(user.user_id),
            product_words={models.CURRENT: "Betaalrekening", models.SAVINGS: "Spaarrekening"},
        ),
        status,
    )


@blueprint.get("/sandbox/accounting-registrations")
def list_registrations():
    """Every "Boekhoudkoppeling aanvragen" with its outcome (the bank's sandbox view of flows B and C)."""
    return wire.json_response(
        {
            "registrations": [
                {
                    "id": r.id,
                    "clientId": r.client_id,
                    "userId": r.user_id,
                    "loginMeans": r.login_means,
                    "serialNumber": r.serial_number,
                    "ibans": list(r.ibans),
                    "consentIds": list(r.consent_ids),
                    "status": r.status,
                    "reason": r.reason,
                    "createdAt": r.created_at.isoformat(),
                    "finishedAt": r.finished_at.isoformat() if r.finished_at else None,
                }
                for r in service().all()
            ]
        }
    )
