"""The bank screens' forms (Flask-WTF, CSRF on every one); field names follow docs/contracts.md "Screens"."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp


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
