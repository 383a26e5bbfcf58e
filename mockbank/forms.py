"""The bank screens' forms (Flask-WTF, CSRF on every one); field names follow docs/contracts.md "Screens"."""

from __future__ import annotations

import datetime as dt

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp
from wtforms.validators import ValidationError

from mockbank.errors import InvalidIban
from mockbank.services.ledger_rules import validate_iban
from mockbank.sim.dutch import parse_eur


class EdentifierForm(FlaskForm):
    """Log in with the e.dentifier: account number, card number, response."""

    account_number = StringField("Rekeningnummer (IBAN)", validators=[DataRequired("Vul uw rekeningnummer in.")])
    card_number = StringField(
        "Pasnummer",
        validators=[
            DataRequired("Vul uw pasnummer in."),
            Regexp(r"^\s*\d{3,4}\s*$", message="Een pasnummer is 3 of 4 cijfers."),
        ],
    )
    response_code = StringField(
        "Response",
        validators=[DataRequired("Vul de response van uw e.dentifier in."), Length(max=16)],
    )


class AppLoginForm(FlaskForm):
    """Log in with the app: the account number only, confirmed on the phone."""

    account_number = StringField("Rekeningnummer (IBAN)", validators=[DataRequired("Vul uw rekeningnummer in.")])


class AppConfirmForm(FlaskForm):
    """The phone's "Inloggen bevestigen" button."""


class AccessOnlineForm(FlaskForm):
    """Log in to Access Online: user id, card number, response."""

    user_id = StringField("Gebruikers-ID", validators=[DataRequired("Vul uw gebruikers-ID in.")])
    card_number = StringField("Pasnummer", validators=[DataRequired("Vul uw pasnummer in.")])
    response_code = StringField("Response", validators=[DataRequired("Vul de response in."), Length(max=16)])


class ConsentForm(FlaskForm):
    """Choose one account and approve, or cancel (the ``decision`` button is read by the view)."""

    account = RadioField("Rekening", choices=[], validators=[Optional()], validate_choice=True)


class WithdrawForm(FlaskForm):
    """Withdraw a consent in internet banking."""


class LogoutForm(FlaskForm):
    """Log out of internet banking."""


# --- internet banking ---------------------------------------------------------------------------


class EuroField(StringField):
    """An amount in euros typed the Dutch way (``0,01``, ``1.250,00``); ``data`` is integer cents, never a float."""

    def process_formdata(self, valuelist):
        self.data = None
        text = valuelist[0] if valuelist else ""
        if text.strip():
            try:
                self.data = parse_eur(text)
            except ValueError:
                raise ValueError("Vul een bedrag in euro's in, zoals 0,01 of 1.250,00.") from None

    def _value(self):
        return self.raw_data[0] if self.raw_data else ""


class IsoDateField(StringField):
    """A date from ``<input type="date">`` (``2026-03-02``); ``data`` is a ``date`` or None."""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if text:
            try:
                self.data = dt.date.fromisoformat(text)
            except ValueError:
                raise ValueError("Vul een geldige datum in (dag, maand, jaar).") from None

    def _value(self):
        return self.raw_data[0] if self.raw_data else (self.data.isoformat() if self.data else "")


class TransferForm(FlaskForm):
    """Overboeken: from an own account to an own account (``to_own``) or to any IBAN with the payee's name."""

    # The choices are the customer's own accounts; the bank itself refuses any other (in Dutch, unlike WTForms).
    debtor = SelectField("Van rekening", choices=[], validate_choice=False)
    to_own = SelectField("Naar", choices=[], validate_choice=False)
    creditor_iban = StringField("Rekeningnummer ontvanger (IBAN)", validators=[Length(max=42)])
    creditor_name = StringField(
        "Naam ontvanger", validators=[Length(max=70, message="Een naam is ten hoogste 70 tekens.")]
    )
    amount = EuroField("Bedrag (€)", validators=[InputRequired("Vul een bedrag in.")])
    description = StringField(
        "Omschrijving", validators=[Length(max=140, message="Een omschrijving is ten hoogste 140 tekens.")]
    )

    def validate_creditor_iban(self, field):
        """Another's account needs a valid IBAN (schwifty checks country, length and check digits)."""
        if self.to_own.data:
            return
        if not (field.data or "").strip():
            raise ValidationError("Vul het rekeningnummer (IBAN) van de ontvanger in.")
        try:
            validate_iban(field.data)
        except InvalidIban:
            raise ValidationError("Dit is geen geldig rekeningnummer (IBAN). Controleer het nummer.") from None

    def validate_creditor_name(self, field):
        """Another's account needs the payee's name, for the name check."""
        if not self.to_own.data and not (field.data or "").strip():
            raise ValidationError("Vul de naam van de ontvanger in.")


class SignWithResponseForm(FlaskForm):
    """Confirm an order with the e.dentifier's response."""

    response_code = StringField(
        "Response", validators=[DataRequired("Vul de response van uw e.dentifier in."), Length(max=16)]
    )
    accept_risk = BooleanField("Ik wil toch overboeken")


class SignWithAppForm(FlaskForm):
    """Confirm an order in the app."""

    accept_risk = BooleanField("Ik wil toch overboeken")


class OrderActionForm(FlaskForm):
    """A button on an order: cancel it, or take the suggested name (CSRF only)."""


class BookingSearchForm(FlaskForm):
    """Search an account's bookings by book date (a GET form: nothing changes, so no CSRF)."""

    class Meta:
        csrf = False

    van = IsoDateField("Van")
    tot = IsoDateField("Tot en met")

    def validate_tot(self, field):
        """The range runs forwards."""
        if field.data and self.van.data and self.van.data > field.data:
            raise ValidationError("De begindatum ligt na de einddatum.")
