"""eAccounting's "Kas- en bankrekeningen" as a service object: administrations, bank accounts, and
"Schakel bankkoppeling in" (eligibility, the preparation job, the serial number).
"""

from __future__ import annotations

from dataclasses import dataclass

from schwifty import IBAN
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consent_server import errors
from consent_server import models
from consent_server.services.base import Kernel
from consent_server.services.base import Service
from consent_server.services.kvk import KvkError
from consent_server.services.kvk import KvkRegister


@dataclass(frozen=True)
class AccountInput:
    """The fields of a bank account, as the API or the settings form give them."""

    name: str | None
    account_type: int | None
    iban: str | None = None
    currency: str | None = None
    ledger_account: int | None = None
    is_active: bool = True
    holder_name: str | None = None


class EAccounting(Service):
    """Verbs of eAccounting's bank-account settings."""

    def __init__(self, kernel: Kernel, *, kvk: KvkRegister):
        super().__init__(kernel)
        self.kvk = kvk

    # --- administrations ----------------------------------------------------------------------------

    def create_administration(
        self,
        *,
        company_name: str,
        kvk_number: str | None = None,
        accounting_firm: str | None = None,
        accounts: list[AccountInput] = (),
    ) -> models.Administration:
        """A new administration with its Kasrekening (as in eAccounting) and ``accounts``: all of it, or nothing."""
        if not company_name or not company_name.strip():
            raise errors.ValidationFailed(
                "companyName is required", message="Vul de bedrijfsnaam in.", field="companyName"
            )
        if kvk_number is not None and (len(kvk_number) != 8 or not kvk_number.isdigit()):
            raise errors.ValidationFailed(
                "kvkNumber must be 8 digits", message="Een KvK-nummer bestaat uit 8 cijfers.", field="kvkNumber"
            )
        now = self.clock.now()
        with self.db.transaction() as session:
            administration = models.Administration(
                company_name=company_name.strip(),
                kvk_number=kvk_number,
                accounting_firm=(accounting_firm or "").strip() or None,
                created_at=now,
            )
            session.add(administration)
            session.flush()
            session.add(
                models.BankAccount(
                    uid=self.ids.uuid(),
                    administration_id=administration.id,
                    name="Kasrekening",
                    account_type=models.CASH,
                    currency="EUR",
                    ledger_account=self._ledger_default(models.CASH),
                    created_at=now,
                    modified_at=now,
                )
            )
            session.flush()
            for data in accounts:
                self._insert_account(session, administration.id, data, now)
            admin_id = administration.id
        if kvk_number:
            # A company eAccounting knows is in the portal's KvK register too, unless it is there already.
            try:
                self.kvk.lookup(kvk_number)
            except KvkError as exc:
                if exc.status == 404:
                    self.kvk.add(kvk_number=kvk_number, name=company_name, source="eaccounting")
        return self.administration(admin_id)

    def administration(self, administration_id: int) -> models.Administration:
        """An administration with its accounts."""
        with self.db.reading() as session:
            administration = session.scalars(
                select(models.Administration)
                .where(models.Administration.id == administration_id)
                .options(selectinload(models.Administration.accounts).selectinload(models.BankAccount.serial))
            ).first()
            if administration is None:
                raise errors.NotFound(f"no administration {administration_id}", message="Onbekende administratie.")
            return administration

    def administrations(self) -> list[models.Administration]:
        """Every administration."""
        with self.db.reading() as session:
            return list(session.scalars(select(models.Administration).order_by(models.Administration.id)))

    def mint_token(self, administration_id: int) -> str:
        """A bearer token for the eAccounting API of one administration."""
        self.administration(administration_id)
        token = self.ids.token(40)
        with self.db.transaction() as session:
            session.add(models.ApiToken(token=token, administration_id=administration_id, created_at=self.clock.now()))
        return token

    def administration_for_token(self, token: str | None) -> int:
        """The administration a bearer token belongs to, or ``Unauthorized``."""
        if not token:
            raise errors.Unauthorized("missing bearer token")
        with self.db.reading() as session:
            admin_id = session.scalar(select(models.ApiToken.administration_id).where(models.ApiToken.token == token))
        if admin_id is None:
            raise errors.Unauthorized("unknown bearer token")
        return admin_id

    # --- bank accounts ------------------------------------------------------------------------------

    def accounts(self, administration_id: int) -> list[models.BankAccount]:
        """The administration's accounts in creation order."""
        return list(self.administration(administration_id).accounts)

    def account(self, administration_id: int, uid: str) -> models.BankAccount:
        """One account of the administration, or ``NotFound``."""
        with self.db.reading() as session:
            account = session.scalars(
                select(models.BankAccount)
                .where(models.BankAccount.uid == uid, models.BankAccount.administration_id == administration_id)
                .options(selectinload(models.BankAccount.serial))
            ).first()
            if account is None:
                raise errors.NotFound(f"no bank account {uid}", message="Deze rekening bestaat niet.")
            return account

    def _ledger_default(self, account_type: int, taken: set[int] = frozenset()) -> int:
        defaults = self.settings.ledger_defaults
        number = int(defaults[account_type])
        while number in taken:
            number += 1
        return number

    def _checked(self, session, administration_id: int, data: AccountInput, *, current: models.BankAccount | None):
        """Validated, normalized values; ``ValidationFailed`` names the first bad field and carries every one."""
        problems: list[errors.ValidationFailed] = []

        def fail(developer_message: str, message: str, field: str) -> None:
            problems.append(errors.ValidationFailed(developer_message, message=message, field=field))

        name = (data.name or "").strip()
        if not name:
            fail("Name is required", "Vul een naam in.", "Name")
        elif len(name) > 200:
            fail("Name is at most 200 characters", "De naam is te lang.", "Name")
        if data.account_type not in models.ACCOUNT_TYPES:
            fail(
                "BankAccountType must be 1 (ChequeAccount), 2 (CashAccount), 3 (SavingsAccount) or 4 (CurrencyAccount)",
                "Kies een type rekening.",
                "BankAccountType",
            )
        iban = None
        if data.iban and data.iban.strip():
            text = "".join(data.iban.split()).upper()
            try:
                iban = str(IBAN(text))
            except ValueError as exc:
                fail(f"Iban is not valid: {exc}", "Dit IBAN is niet geldig.", "Iban")
        elif data.account_type == models.CHEQUE:
            fail("Iban is required for a ChequeAccount", "Vul het IBAN van de rekening-courant in.", "Iban")
        if data.account_type == models.CASH and iban is not None:
            fail("a CashAccount has no Iban", "Een kasrekening heeft geen IBAN.", "Iban")
        currency = (data.currency or "EUR").strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            fail("CurrencyCode must be an ISO 4217 code", "Kies een geldige valuta.", "CurrencyCode")
        elif data.account_type == models.CURRENCY and currency == "EUR":
            fail(
                "a CurrencyAccount is in a foreign currency",
                "Een vreemdevalutarekening heeft een andere valuta dan EUR.",
                "CurrencyCode",
            )
        elif data.account_type != models.CURRENCY and currency != "EUR":
            fail(
                "only a CurrencyAccount has a currency other than EUR",
                "Gebruik een vreemdevalutarekening voor een andere valuta dan EUR.",
                "CurrencyCode",
            )
        others = [
            a
            for a in session.scalars(
                select(models.BankAccount).where(models.BankAccount.administration_id == administration_id)
            )
            if current is None or a.id != current.id
        ]
        if iban and any(a.iban == iban for a in others):
            fail("another bank account has this Iban", "Er is al een rekening met dit IBAN.", "Iban")
        taken = {a.ledger_account for a in others}
        ledger = data.ledger_account
        if ledger is None:
            if current is not None:
                ledger = current.ledger_account
            elif data.account_type in models.ACCOUNT_TYPES:
                ledger = self._ledger_default(data.account_type, taken)
        if ledger is not None and (isinstance(ledger, bool) or not isinstance(ledger, int) or ledger <= 0):
            fail(
                "LedgerAccountNumber must be a positive integer",
                "Vul een geldig grootboekrekeningnummer in.",
                "LedgerAccountNumber",
            )
        elif ledger in taken:
            fail(
                f"ledger account {ledger} is used by another bank account",
                f"Grootboekrekening {ledger} hoort al bij een andere rekening.",
                "LedgerAccountNumber",
            )
        if problems:
            raise errors.ValidationFailed.of(problems)
        if current is not None and current.connection_state != models.CONNECTION_NONE:
            if data.account_type != current.account_type or iban != current.iban:
                raise errors.Conflict(
                    "BankAccountType and Iban cannot change once the bank connection is enabled",
                    message="De bankkoppeling is ingeschakeld: het type en het IBAN kunnen niet meer worden gewijzigd.",
                )
        return name, iban, currency, ledger

    def create_account(self, administration_id: int, data: AccountInput) -> models.BankAccount:
        """Add a rekening-courant, kasrekening, spaarrekening or vreemdevalutarekening."""
        self.administration(administration_id)
        with self.db.transaction() as session:
            uid = self._insert_account(session, administration_id, data, self.clock.now()).uid
        return self.account(administration_id, uid)

    def _insert_account(self, session, administration_id: int, data: AccountInput, now) -> models.BankAccount:
        name, iban, currency, ledger = self._checked(session, administration_id, data, current=None)
        account = models.BankAccount(
            uid=self.ids.uuid(),
            administration_id=administration_id,
            name=name,
            account_type=data.account_type,
            iban=iban,
            currency=currency,
            ledger_account=ledger,
            is_active=data.is_active,
            holder_name=data.holder_name,
            created_at=now,
            modified_at=now,
        )
        session.add(account)
        session.flush()
        return account

    @staticmethod
    def _owned(session, administration_id: int, uid: str) -> models.BankAccount:
        """The administration's account ``uid`` in ``session``, or ``NotFound``."""
        account = session.scalar(
            select(models.BankAccount).where(
                models.BankAccount.uid == uid, models.BankAccount.administration_id == administration_id
            )
        )
        if account is None:
            raise errors.NotFound(f"no bank account {uid}", message="Deze rekening bestaat niet.")
        return account

    def replace_account(self, administration_id: int, uid: str, data: AccountInput) -> models.BankAccount:
        """Replace an account's fields (PUT)."""
        with self.db.transaction() as session:
            account = self._owned(session, administration_id, uid)
            name, iban, currency, ledger = self._checked(session, administration_id, data, current=account)
            account.name = name
            account.account_type = data.account_type
            account.iban = iban
            account.currency = currency
            account.ledger_account = ledger
            account.is_active = data.is_active
            account.holder_name = data.holder_name
            account.modified_at = self.clock.now()
        return self.account(administration_id, uid)

    def delete_account(self, administration_id: int, uid: str) -> None:
        """Delete an account: not the administration's only Kasrekening, nor one with a bank connection."""
        with self.db.transaction() as session:
            account = self._owned(session, administration_id, uid)
            if account.connection_state != models.CONNECTION_NONE:
                raise errors.Conflict(
                    "the bank connection is enabled for this account",
                    message="Deze rekening heeft een bankkoppeling en kan niet worden verwijderd.",
                )
            if account.account_type == models.CASH:
                cash = session.scalars(
                    select(models.BankAccount.id).where(
                        models.BankAccount.administration_id == administration_id,
                        models.BankAccount.account_type == models.CASH,
                    )
                ).all()
                if len(cash) == 1:
                    raise errors.Conflict(
                        "every administration keeps a CashAccount",
                        message="Elke administratie heeft een kasrekening; deze kan niet worden verwijderd.",
                    )
            session.delete(account)
