"""The two state machines of the portal as tables: which change of state is legal, and the check that refuses others.

An account link: ``requested → consented → activation_scheduled → activation_sent → activated →
active``, with ``failing`` beside ``activated``/``active`` (and back once an import works again),
the exits ``rejected``, ``expired`` and ``revoked``, and renewal: a new consent moves any link back
to ``consented``, from where it resumes (``activated``/``active`` when it was activated before, its
activation phase when it was in one, else a new activation mail). An expired activation link can be
replaced while the consent holds: ``expired`` (or ``activation_sent``) → ``activation_sent``.

A registration only moves forward, one step at a time: ``prepared → details → contact →
bank_consent → accounts → done``.
"""

from __future__ import annotations

from consent_server import errors
from consent_server import models as m

_RENEW = {m.LINK_CONSENTED}
_END = {m.LINK_EXPIRED, m.LINK_REVOKED}

LINK_TRANSITIONS: dict[str, frozenset[str]] = {
    state: frozenset(targets)
    for state, targets in {
        m.LINK_REQUESTED: {m.LINK_CONSENTED, m.LINK_REJECTED, m.LINK_REVOKED},
        # Consented is passed through: the same call moves on to the activation or back to where the link was.
        m.LINK_CONSENTED: _RENEW
        | _END
        | {m.LINK_ACTIVATION_SCHEDULED, m.LINK_ACTIVATION_SENT, m.LINK_ACTIVATED, m.LINK_ACTIVE},
        m.LINK_ACTIVATION_SCHEDULED: _RENEW | _END | {m.LINK_ACTIVATION_SENT},
        # A new activation link (the old one expired) is sent again, also after the link expired for want of use.
        m.LINK_ACTIVATION_SENT: _RENEW | _END | {m.LINK_ACTIVATED, m.LINK_ACTIVATION_SENT},
        m.LINK_ACTIVATED: _RENEW | _END | {m.LINK_ACTIVE, m.LINK_FAILING},
        m.LINK_ACTIVE: _RENEW | _END | {m.LINK_FAILING},
        m.LINK_FAILING: _RENEW | _END | {m.LINK_ACTIVE, m.LINK_ACTIVATED},
        # Ended links come back only with a new consent at the bank.
        m.LINK_REJECTED: _RENEW,
        m.LINK_EXPIRED: _RENEW | {m.LINK_ACTIVATION_SENT},
        m.LINK_REVOKED: _RENEW,
    }.items()
}

REGISTRATION_TRANSITIONS: dict[str, frozenset[str]] = {
    m.REG_PREPARED: frozenset({m.REG_DETAILS}),
    m.REG_DETAILS: frozenset({m.REG_CONTACT}),
    m.REG_CONTACT: frozenset({m.REG_BANK_CONSENT}),
    m.REG_BANK_CONSENT: frozenset({m.REG_ACCOUNTS}),
    m.REG_ACCOUNTS: frozenset({m.REG_DONE}),
    m.REG_DONE: frozenset(),
}


class IllegalTransition(errors.Conflict):
    """A change of state its machine does not have; raised before anything is changed or stored."""

    message = "Deze stap kan nu niet."


def check(table: dict[str, frozenset[str]], what: str, current: str, target: str) -> None:
    """Refuse ``current → target`` unless ``table`` allows it."""
    if target not in table.get(current, frozenset()):
        raise IllegalTransition(f"{what}: {current} → {target} is not a legal change of state")
