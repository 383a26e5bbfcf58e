"""What the rehearsal dashboard shows, read from the apps' service objects (never over HTTP to itself).

Every function takes the ``World`` and answers plain dataclasses the templates render; nothing here
changes state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field

from consent_server import models as pm
from consent_server.services.billing import month_of
from consent_server.services.connections import LINK_LABELS
from consent_server.services.connections import PREPARE_JOB
from consent_server.services.links import ACTIVATION_EXPIRE_JOB
from consent_server.services.links import ACTIVATION_SEND_JOB
from consent_server.services.links import BILLING_JOB
from consent_server.services.links import CONSENT_EXPIRY_JOB as LINK_CONSENT_EXPIRY_JOB
from consent_server.services.links import IMPORT_JOB
from consent_server.services.mail import RETRY_JOB
from consent_server.services.read_models import Expectation
from mockbank import models as bm
from mockbank.services.consents import CONSENT_EXPIRY_JOB as BANK_CONSENT_EXPIRY_JOB
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.clock import FROZEN
from mockbank.sim.dutch import DUTCH_MONTHS
from mockbank.sim.dutch import DUTCH_WEEKDAYS
from mockbank.sim.dutch import dutch_moment
from mockbank.sim.jobs import PENDING
from scenarios.dashboard.chart import Chart
from scenarios.dashboard.chart import onboarding_chart

BANK = "ABN AMRO"
PORTAL = "Visma"

REGISTRATION_LABELS = {
    pm.REG_PREPARED: "Serienummer uitgegeven",
    pm.REG_DETAILS: "Gegevens ingevuld",
    pm.REG_CONTACT: "Koppeling ingevuld",
    pm.REG_BANK_CONSENT: "Toestemming van de bank ontvangen",
    pm.REG_ACCOUNTS: "Rekeningen bevestigd",
    pm.REG_DONE: "Klaar",
}
CONSENT_LABELS = {
    "received": "Aangevraagd",
    "valid": "Geldig",
    "rejected": "Geweigerd",
    "expired": "Verlopen",
    "revokedByPsu": "Ingetrokken door de klant",
    "terminatedByTpp": "Beëindigd door de partij",
}
PRODUCT_LABELS = {bm.CURRENT: "Betaalrekening", bm.SAVINGS: "Spaarrekening"}
MAGIC_BEHAVIOUR = {
    "approve": "Keurt elke toestemming direct goed met de eerste rekening die gekoppeld kan worden (geen scherm).",
    "cancel": "Annuleert elke toestemming (error=server_error).",
    "blocked": "Elk inlogmiddel is geblokkeerd, tot de sandbox het deblokkeert.",
    "no_accounts": "Heeft geen rekening die gekoppeld kan worden (error=access_denied).",
    "slow_app": "De app bevestigt het inloggen pas na 30 gesimuleerde seconden.",
}


# --- the clock and its due jobs ------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockView:
    """The simulated time in Amsterdam, in words, and its mode."""

    now: dt.datetime
    mode: str
    words: str
    stamp: str
    mode_words: str
    local_input: str


def clock_view(world) -> ClockView:
    """The world's clock as the dashboard shows it."""
    now = world.clock.now()
    local = now.astimezone(AMSTERDAM)
    words = f"{DUTCH_WEEKDAYS[local.weekday()]} {local.day} {DUTCH_MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"
    if world.clock.mode == FROZEN:
        mode_words = "bevroren: de tijd staat stil tot je hem verzet"
    else:
        mode_words = "lopend: de tijd loopt mee met de echte klok"
    return ClockView(
        now=now,
        mode=world.clock.mode,
        words=words,
        stamp=f"{local:%Y-%m-%d %H:%M:%S} (Amsterdam, {local:%Z})",
        mode_words=mode_words,
        local_input=f"{local:%Y-%m-%dT%H:%M}",
    )


@dataclass(frozen=True)
class DueJob:
    """A pending due job of one of the servers, named in Dutch."""

    server: str
    kind: str
    due_at: dt.datetime
    what: str

    @property
    def when(self) -> str:
        """``ma 12 januari 09:03`` (Amsterdam)."""
        return dutch_moment(self.due_at, year=False)

    @property
    def title(self) -> str:
        """``activatiemail voor NL13… op ma 12 januari 09:03``."""
        return f"{self.what} op {self.when}"


class _Names:
    """Looks up what a job's payload refers to, once per page."""

    def __init__(self, world):
        self.portal = world.portal_backend
        self._links = None
        self._accounts = None

    def _by_id(self) -> dict[int, pm.AccountLink]:
        if self._links is None:
            self._links = {link.id: link for r in self.portal.registrations.all() for link in r.links}
        return self._links

    def all_links(self) -> list[pm.AccountLink]:
        return list(self._by_id().values())

    def link(self, link_id) -> pm.AccountLink | None:
        return self._by_id().get(link_id)

    def account(self, uid) -> tuple[pm.BankAccount, pm.Administration] | None:
        if self._accounts is None:
            self._accounts = {}
            for listed in self.portal.eaccounting.administrations():
                administration = self.portal.eaccounting.administration(listed.id)
                for account in administration.accounts:
                    self._accounts[account.uid] = (account, administration)
        return self._accounts.get(uid)

    def linked(self) -> list[pm.AccountLink]:
        return [link for link in self.all_links() if link.state in pm.LINKED_STATES]

    def expiring(self, due: dt.datetime) -> list[str]:
        """IBANs whose activation link expires at ``due``."""
        found = []
        for link in self.all_links():
            if link.state == pm.LINK_ACTIVATION_SENT:
                expected = self.portal.read_models.expectation(link)
                if expected is not None and expected.at == due:
                    found.append(link.iban)
        return found


def _portal_job(names: _Names, kind: str, payload: dict, due: dt.datetime) -> str:
    if kind == PREPARE_JOB:
        found = names.account(payload.get("account"))
        return f"serienummer voor {found[0].name} ({found[1].company_name})" if found else "serienummer"
    if kind == ACTIVATION_SEND_JOB:
        link = names.link(payload.get("link"))
        return f"activatiemail voor {link.iban}" if link else "activatiemail"
    if kind == ACTIVATION_EXPIRE_JOB:
        expiring = names.expiring(due)
        if expiring:
            return f"activatielink van {', '.join(expiring)} verloopt"
        return "een gebruikte of vervangen activatielink verloopt (er verandert niets)"
    if kind == LINK_CONSENT_EXPIRY_JOB:
        link = names.link(payload.get("link"))
        return f"toestemming van de bank voor {link.iban} loopt af" if link else "toestemming loopt af"
    if kind == IMPORT_JOB:
        linked = names.linked()
        first = [link.iban for link in linked if link.first_import_at == due]
        taking = [link for link in linked if link.first_import_at is None or link.first_import_at <= due]
        if first:
            return f"eerste import voor {', '.join(first)}"
        if taking:
            return f"dagelijkse import ({len(taking)} {'rekening' if len(taking) == 1 else 'rekeningen'})"
        return "dagelijkse import (nog geen rekening aan de beurt)"
    if kind == BILLING_JOB:
        month = month_of(due - dt.timedelta(days=1))
        year, number = month.split("-")
        return f"facturatie van {DUTCH_MONTHS[int(number) - 1]} {year}"
    if kind == RETRY_JOB:
        return "nieuwe bezorgpoging van een e-mail (SMTP)"
    return kind


def _bank_job(world, kind: str, payload: dict) -> str:
    if kind == BANK_CONSENT_EXPIRY_JOB:
        consent = next((c for c in world.bank_backend.consents.consents() if c.id == payload.get("consent_id")), None)
        iban = f" voor {consent.account.iban}" if consent is not None and consent.account else ""
        return f"toestemming {payload.get('consent_id')}{iban} loopt af bij de bank"
    return kind


def due_jobs(world) -> list[DueJob]:
    """Every pending due job of both servers, earliest first, each named in Dutch."""
    found = [
        DueJob(BANK, job.kind, job.due_at, _bank_job(world, job.kind, job.payload))
        for job in world.bank_backend.jobs.jobs(status=PENDING)
    ]
    if world.portal_backend is not None:
        names = _Names(world)
        found += [
            DueJob(PORTAL, job.kind, job.due_at, _portal_job(names, job.kind, job.payload, job.due_at))
            for job in world.portal_backend.jobs.jobs(status=PENDING)
        ]
    return sorted(found, key=lambda job: job.due_at)


def next_event(world) -> DueJob | None:
    """The earliest pending due job of either server (what "naar de volgende gebeurtenis" moves to)."""
    jobs = due_jobs(world)
    return jobs[0] if jobs else None


# --- onboardings --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkRow:
    """One account link: its state, what it waits for, its imports."""

    iban: str
    account_name: str | None
    state: str
    label: str
    flow: str
    expected: Expectation | None
    last_import_at: dt.datetime | None
    next_import_at: dt.datetime | None
    imported: int
    consent_valid_until: dt.datetime | None


@dataclass(frozen=True)
class TimelineEvent:
    """One event of an onboarding's timeline."""

    at: dt.datetime
    subject: str
    state: str
    detail: str
    iban: str | None = None


@dataclass(frozen=True)
class Billing:
    """What the administration is billed: past lines and this month so far."""

    lines: list
    month: str
    linked_now: int
    billed_now: int
    amount_now_cents: int


@dataclass(frozen=True)
class RegistrationRow:
    """One serial number's onboarding as the dashboard shows it."""

    serial: str
    state: str
    label: str
    company: str
    kvk_number: str | None
    administration_id: int
    accounting_firm: str | None
    contact: str | None
    links: list[LinkRow]
    events: list[TimelineEvent]
    billing: Billing
    chart: Chart
    portal_link: str


def registrations(world) -> list[RegistrationRow]:
    """Every registration with its links, timeline, billing and chart, newest first."""
    portal = world.portal_backend
    if portal is None:
        return []
    now = world.clock.now()
    month = month_of(now)
    this_month = portal.billing.accounts_in(month)
    rows = []
    for registration in portal.registrations.all():
        serial = registration.serial
        administration = serial.administration
        timeline = portal.read_models.timeline(serial.number)
        events = [
            TimelineEvent(
                at=dt.datetime.fromisoformat(e["at"]),
                subject=e["subject"],
                state=e["state"],
                detail=e.get("detail") or "",
                iban=e.get("iban"),
            )
            for e in timeline["events"]
        ]
        links = [
            LinkRow(
                iban=link.iban,
                account_name=link.bank_account.name if link.bank_account else None,
                state=link.state,
                label=LINK_LABELS.get(link.state, link.state),
                flow=link.flow,
                expected=portal.read_models.expectation(link),
                last_import_at=link.last_import_at,
                next_import_at=portal.read_models.next_import(link),
                imported=len(portal.imports.transactions(link.bank_account_id)) if link.bank_account_id else 0,
                consent_valid_until=link.consent_valid_until,
            )
            for link in registration.links
        ]
        linked_now = this_month.get(administration.id, [])
        billed_now = max(0, len(linked_now) - portal.billing.free)
        rows.append(
            RegistrationRow(
                serial=serial.number,
                state=registration.state,
                label=REGISTRATION_LABELS.get(registration.state, registration.state),
                company=registration.company_name or administration.company_name,
                kvk_number=registration.kvk_number or administration.kvk_number,
                administration_id=administration.id,
                accounting_firm=administration.accounting_firm,
                contact=(
                    f"{registration.contact_name} <{registration.contact_email}>"
                    if registration.contact_email
                    else None
                ),
                links=links,
                events=events,
                billing=Billing(
                    lines=portal.billing.lines(administration_id=administration.id),
                    month=month,
                    linked_now=len(linked_now),
                    billed_now=billed_now,
                    amount_now_cents=billed_now * portal.billing.unit_price_cents,
                ),
                chart=onboarding_chart(events, links, now=now, key=serial.number),
                portal_link=f"{world.urls.portal}/?licentienummer={serial.number}",
            )
        )
    return list(reversed(rows))


@dataclass(frozen=True)
class AdministrationRow:
    """An eAccounting administration with its accounts."""

    id: int
    company: str
    kvk_number: str | None
    accounting_firm: str | None
    accounts: list[tuple[str, str, str | None, str]]


def administrations(world) -> list[AdministrationRow]:
    """Every administration with its kas- en bankrekeningen and their bank connection, newest first."""
    portal = world.portal_backend
    if portal is None:
        return []
    rows = []
    for listed in portal.eaccounting.administrations():
        administration = portal.eaccounting.administration(listed.id)
        states = portal.connections.link_states(administration.id)
        accounts = [
            (a.name, pm.ACCOUNT_TYPES[a.account_type][1], a.iban, portal.connections.connection_label(a, states))
            for a in administration.accounts
        ]
        rows.append(
            AdministrationRow(
                administration.id,
                administration.company_name,
                administration.kvk_number,
                administration.accounting_firm,
                accounts,
            )
        )
    return list(reversed(rows))


# --- mail and consents -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailRow:
    """A mail in the portal's outbox, with its address in the outbox pages and its links."""

    id: int
    sent_at: dt.datetime
    to: str
    subject: str
    kind: str
    url: str
    links: list[dict]


def newest_mails(world, limit: int = 6) -> list[MailRow]:
    """The newest mails of the outbox."""
    if world.portal_backend is None:
        return []
    outbox = world.urls.outbox
    return [
        MailRow(m.id, m.sent_at, m.recipient, m.subject, m.kind, f"{outbox}/{m.id}", list(m.links or []))
        for m in world.portal_backend.outbox.mails()[:limit]
    ]


@dataclass(frozen=True)
class ConsentRow:
    """A consent at the bank."""

    id: int
    client: str
    iban: str | None
    status: str
    label: str
    valid_until: dt.datetime | None


def consents(world) -> list[ConsentRow]:
    """Every consent at the bank, newest first."""
    service = world.bank_backend.consents
    names = {c.client_id: c.software_name or c.name for c in service.clients()}
    return [
        ConsentRow(
            c.id,
            names.get(c.client_id, c.client_id),
            c.account.iban if c.account else None,
            c.status,
            CONSENT_LABELS.get(c.status, c.status),
            c.valid_until,
        )
        for c in reversed(service.consents())
    ]


# --- test users -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountLine:
    """One account of a customer."""

    iban: str
    product: str
    own_iban: bool
    balance_cents: int


@dataclass
class TestUser:
    """A user with the login means a tester types, and the accounts of the user's customer."""

    name: str
    email: str | None
    customer: str
    kind: str
    kvk_number: str | None
    behaviour: str | None
    edentifier: dict | None = None
    access_online: dict | None = None
    app: bool = False
    blocked: bool = False
    accounts: list[AccountLine] = field(default_factory=list)

    @property
    def magic(self) -> str | None:
        """What a magic user always does (None for an ordinary user)."""
        return MAGIC_BEHAVIOUR.get(self.behaviour or "")


def test_users(world) -> list[TestUser]:
    """Every online-banking user of the bank: business customers first, then households, then the magic users."""
    bank = world.bank_backend.bank
    customers = {c.id: c for c in bank.customers()}
    users = []
    for user in bank.users():
        customer = customers[user.customer_id]
        row = TestUser(
            name=user.name,
            email=user.email,
            customer=customer.trade_name or customer.name,
            kind=customer.kind,
            kvk_number=customer.kvk_number,
            behaviour=user.behaviour,
            accounts=[
                AccountLine(a.iban, PRODUCT_LABELS.get(a.product, a.product), a.has_own_iban, a.balance_cents)
                for a in customer.accounts
            ],
        )
        for means in user.login_means:
            row.blocked = row.blocked or means.blocked_at is not None
            if means.kind == bm.EDENTIFIER:
                row.edentifier = {
                    "account": means.account_number,
                    "card": means.card_number,
                    "response": means.response_code,
                    "blocked": means.blocked_at is not None,
                }
            elif means.kind == bm.ACCESS_ONLINE:
                row.access_online = {
                    "user": means.access_online_user_id,
                    "card": means.card_number,
                    "response": means.response_code,
                    "blocked": means.blocked_at is not None,
                }
            elif means.kind == bm.MOBILE_APP:
                row.app = True
        users.append(row)
    order = {bm.BUSINESS: 0, bm.RETAIL: 1}
    return sorted(users, key=lambda u: (u.magic is not None, order.get(u.kind, 2)))


@dataclass(frozen=True)
class WorldSummary:
    """What the world holds: what a reset or a scenario would replace."""

    seed: int | None
    customers: int
    administrations: int
    registrations: int
    consents: int
    mails: int

    @property
    def holds_work(self) -> bool:
        """Whether anything beyond the freshly seeded bank is there (someone's rehearsal)."""
        return bool(self.administrations or self.registrations or self.consents or self.mails)


def world_summary(world) -> WorldSummary:
    """Counts of what the world holds now."""
    portal = world.portal_backend
    return WorldSummary(
        seed=world.seed,
        customers=len(world.bank_backend.bank.customers()),
        administrations=len(portal.eaccounting.administrations()) if portal else 0,
        registrations=len(portal.registrations.all()) if portal else 0,
        consents=len(world.bank_backend.consents.consents()),
        mails=len(portal.outbox.mails()) if portal else 0,
    )


def business_customers(world) -> list:
    """The bank's business customers with a KvK number (the seed's businesses), by name."""
    found = [c for c in world.bank_backend.bank.customers() if c.kind == bm.BUSINESS and c.kvk_number]
    return sorted(found, key=lambda c: (c.trade_name or c.name).lower())
