"""The portal's and eAccounting's HTML forms (Flask-WTF, with CSRF).

The wizard's field rules are WTForms validators made from ``services.wizard_rules`` (one copy of each
rule and its Dutch message); rules that need the database stay in the services."""

from __future__ import annotations

from collections.abc import Callable

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.validators import StopValidation

from consent_server import models
from consent_server.services import wizard_rules as rules
from consent_server.services.wizard_rules import BANKS
from consent_server.services.wizard_rules import PRODUCT_BANKS
from consent_server.services.wizard_rules import PRODUCTS


def rule(problem: Callable[..., str | None], *depends_on: str):
    """A WTForms validator from a field rule; ``depends_on`` names other fields the rule reads."""

    def validate(form, field) -> None:
        message = problem(field.data, *(getattr(form, name).data for name in depends_on))
        if message:
            raise StopValidation(message)

    return validate


def required(message: str):
    """A checkbox that must be ticked."""
    return rule(lambda value: None if value else message)


def field_problems(form: FlaskForm) -> dict[str, str]:
    """The first problem of each field (the CSRF token aside), as the services take them."""
    return {name: errors[0] for name, errors in form.errors.items() if name != "csrf_token" and errors}


def csrf_failed(form: FlaskForm) -> bool:
    """Whether the form was refused for its CSRF token (a 400), not for its fields."""
    return "csrf_token" in form.errors


class ButtonForm(FlaskForm):
    """A form that is only a button (CSRF token included)."""

    submit = SubmitField("Volgende")


class AccountForm(FlaskForm):
    """A kas- of bankrekening in eAccounting's settings."""

    name = StringField("Naam")
    account_type = SelectField(
        "Type",
        choices=[SelectChoice(str(k), dutch) for k, (_en, dutch) in models.ACCOUNT_TYPES.items()],
        default=str(models.CHEQUE),
    )
    iban = StringField("IBAN")
    currency = StringField("Valuta", default="EUR")
    ledger_account = IntegerField("Grootboekrekening", validators=[Optional()])
    is_active = BooleanField("Actief", default=True)
    submit = SubmitField("Opslaan")


class DetailsForm(FlaskForm):
    """Stap 1, Gegevens."""

    kvk_number = StringField("KvK-nummer *", validators=[rule(rules.kvk_number_problem)])
    company_name = StringField("Bedrijfsnaam", render_kw={"readonly": True})
    product = SelectField(
        "Te koppelen product *",
        choices=[SelectChoice("", "Selecteer applicatie")] + [SelectChoice(k, v) for k, v in PRODUCTS.items()],
        validate_choice=False,
        validators=[rule(rules.product_problem)],
    )
    serial = StringField("Licentienummer of aanmeldcode *", validators=[rule(rules.serial_problem)])
    bank = SelectField(
        "Bank *",
        choices=[SelectChoice("", "— Kies je bank —")],
        validate_choice=False,
        validators=[rule(rules.bank_problem, "product")],
    )
    terms_service = BooleanField(
        "Ik ga akkoord met de Servicevoorwaarden van Visma Software.", validators=[required(rules.TERMS_SERVICE)]
    )
    terms_privacy = BooleanField(
        "Ik ga akkoord met het Privacybeleid van Visma Software.", validators=[required(rules.TERMS_PRIVACY)]
    )
    refresh = SubmitField("Bijwerken")
    submit = SubmitField("Volgende")

    def fill_banks(self) -> None:
        """The bank list depends on the product: empty until one is chosen."""
        product = self.product.data or ""
        banks = PRODUCT_BANKS.get(product, ())
        self.bank.choices = [SelectChoice("", "— Kies je bank —")] + [SelectChoice(b, BANKS[b]) for b in banks]


class ContactForm(FlaskForm):
    """Stap 2, Koppeling: the rekeningbeheerder."""

    name = StringField("Naam *", validators=[rule(rules.name_problem)])
    email = StringField("E-mailadres *", validators=[rule(rules.email_problem)])
    submit = SubmitField("Volgende")
