"""The dashboard's forms (Flask-WTF: every POST carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import StopValidation

REPLACE_CONFIRMATION = "Vink aan dat je de huidige wereld wilt vervangen."
NEW_COMPANY = "new"


class ButtonForm(FlaskForm):
    """A form that is only a button (CSRF token included)."""


class ClockForm(FlaskForm):
    """The clock's controls: the pressed button names the step (``stap``); ``moment`` for "naar een moment"."""

    moment = StringField("Naar moment (Amsterdamse tijd)", validators=[Optional()])


class AdministrationForm(FlaskForm):
    """Nieuwe oefenadministratie: a company of the seed or a new one, optionally kept by an accounting firm."""

    company = SelectField("Bedrijf", choices=[], validate_choice=True, validators=[DataRequired("Kies een bedrijf.")])
    managed = BooleanField("Beheerd door een administratiekantoor")
    firm_name = StringField("Naam van het administratiekantoor")
    add_accounts = BooleanField("Zet de rekeningen van de bank alvast bij de kas- en bankrekeningen", default=True)

    def validate_firm_name(self, field) -> None:
        """A managed administration needs the firm's name."""
        if self.managed.data and not (field.data or "").strip():
            raise StopValidation("Vul de naam van het administratiekantoor in.")


class ScenarioForm(FlaskForm):
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


class WorldForm(FlaskForm):
    """Reset (the same seed) or reseed (another one, or empty): both replace the world."""

    seed = IntegerField(
        "Seed (leeg: een lege bank)", validators=[Optional(), NumberRange(0, 2**31, "Kies een seed vanaf 0.")]
    )
    confirm = BooleanField(
        "Ik begrijp dat dit de huidige wereld vervangt", validators=[DataRequired(REPLACE_CONFIRMATION)]
    )
