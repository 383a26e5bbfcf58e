"""The portal's and eAccounting's HTML forms (Flask-WTF, with CSRF). Rules live in the services; forms
only carry the fields and their labels, so the API and the pages refuse the same things."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from consent_server import models
from consent_server.services.registrations import BANKS
from consent_server.services.registrations import PRODUCT_BANKS
from consent_server.services.registrations import PRODUCTS


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

    kvk_number = StringField("KvK-nummer *")
    company_name = StringField("Bedrijfsnaam", render_kw={"readonly": True})
    product = SelectField(
        "Te koppelen product *",
        choices=[SelectChoice("", "Selecteer applicatie")] + [SelectChoice(k, v) for k, v in PRODUCTS.items()],
        validate_choice=False,
    )
    serial = StringField("Licentienummer of aanmeldcode *")
    bank = SelectField("Bank *", choices=[SelectChoice("", "— Kies je bank —")], validate_choice=False)
    terms_service = BooleanField("Ik ga akkoord met de Servicevoorwaarden van Visma Software.")
    terms_privacy = BooleanField("Ik ga akkoord met het Privacybeleid van Visma Software.")
    refresh = SubmitField("Bijwerken")
    submit = SubmitField("Volgende")

    def fill_banks(self) -> None:
        """The bank list depends on the product: empty until one is chosen."""
        product = self.product.data or ""
        banks = PRODUCT_BANKS.get(product, ())
        self.bank.choices = [SelectChoice("", "— Kies je bank —")] + [SelectChoice(b, BANKS[b]) for b in banks]


class ContactForm(FlaskForm):
    """Stap 2, Koppeling: the rekeningbeheerder."""

    name = StringField("Naam *")
    email = StringField("E-mailadres *")
    submit = SubmitField("Volgende")
