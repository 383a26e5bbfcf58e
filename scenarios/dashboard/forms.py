"""The dashboard's forms (Flask-WTF: every POST carries its CSRF token)."""

from __future__ import annotations

import hmac

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import StopValidation

REPLACE_CONFIRMATION = "Vink aan dat je de huidige wereld wilt vervangen."
NEW_COMPANY = "new"
TOKEN_MISSING = "Vul het sandboxtoken in: deze server vraagt het voor alles wat de wereld verandert."
TOKEN_WRONG = "Dit sandboxtoken klopt niet. Vraag het aan wie deze server beheert."


class GuardedForm(FlaskForm):
    """A form that changes the world: on a server with a sandbox token it asks for that token.

    ``expected_token`` is the world's ``SANDBOX_TOKEN``; without one the field is dropped and the form is as open
    as the sandbox itself.
    """

    sandbox_token = PasswordField("Sandboxtoken")

    def __init__(self, *args, expected_token: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected_token = expected_token
        if not expected_token:
            del self.sandbox_token

    @property
    def token_refused(self) -> bool:
        """Whether validation failed on the sandbox token."""
        return "sandbox_token" in self and bool(self.sandbox_token.errors)

    def validate_sandbox_token(self, field) -> None:
        """The sandbox token, compared in constant time (as the sandbox APIs compare it)."""
        offered = (field.data or "").strip()
        if not offered:
            raise StopValidation(TOKEN_MISSING)
        if not hmac.compare_digest(offered.encode(), self.expected_token.encode()):
            raise StopValidation(TOKEN_WRONG)


class ButtonForm(GuardedForm):
    """A form that is only a button (CSRF token included; the sandbox token when the server asks for it)."""


class ClockForm(GuardedForm):
    """The clock's controls: the pressed button names the step (``stap``); ``moment`` for "naar een moment"."""

    moment = StringField("Naar moment (Amsterdamse tijd)", validators=[Optional()])


class AdministrationForm(GuardedForm):
    """Nieuwe oefenadministratie: a company of the seed or a new one, optionally kept by an accounting firm."""

    company = SelectField("Bedrijf", choices=[], validate_choice=True, validators=[DataRequired("Kies een bedrijf.")])
    managed = BooleanField("Beheerd door een administratiekantoor")
    firm_name = StringField("Naam van het administratiekantoor")
    add_accounts = BooleanField("Zet de rekeningen van de bank alvast bij de kas- en bankrekeningen", default=True)

    def validate_firm_name(self, field) -> None:
        """A managed administration needs the firm's name."""
        if self.managed.data and not (field.data or "").strip():
            raise StopValidation("Vul de naam van het administratiekantoor in.")


class ScenarioForm(GuardedForm):
    """Run a catalogue scenario: which, with which seed, and the confirmation that it replaces the world."""

    scenario = SelectField("Scenario", choices=[], validate_choice=True)
    seed = IntegerField(
        "Seed",
        default=7,
        validators=[
            InputRequired("Vul een seed in (een heel getal)."),
            NumberRange(0, 2**31, "Kies een seed vanaf 0."),
        ],
    )
    confirm = BooleanField(
        "Ik begrijp dat dit de huidige wereld vervangt", validators=[DataRequired(REPLACE_CONFIRMATION)]
    )


class WorldForm(GuardedForm):
    """Reset (the same seed) or reseed (another one, or empty): both replace the world."""

    seed = IntegerField(
        "Seed (leeg: een lege bank)", validators=[Optional(), NumberRange(0, 2**31, "Kies een seed vanaf 0.")]
    )
    confirm = BooleanField(
        "Ik begrijp dat dit de huidige wereld vervangt", validators=[DataRequired(REPLACE_CONFIRMATION)]
    )
