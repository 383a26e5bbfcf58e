"""What ABN AMRO allows for consents: the scopes and their combinations, and the consent's state machine.

``received → valid → expired | revokedByPsu | terminatedByTpp``, or ``received → rejected``. One
more edge exists because the bank-initiated registration grants its consents before the accounting
software has answered: when the software then refuses, ``valid → rejected``.
"""

from __future__ import annotations

from mockbank import errors

RECEIVED = "received"
VALID = "valid"
REJECTED = "rejected"
EXPIRED = "expired"
REVOKED_BY_PSU = "revokedByPsu"
TERMINATED_BY_TPP = "terminatedByTpp"
CONSENT_STATUSES = (RECEIVED, VALID, REJECTED, EXPIRED, REVOKED_BY_PSU, TERMINATED_BY_TPP)

# Status -> the statuses it may change to. Ended consents change no more.
TRANSITIONS: dict[str, frozenset[str]] = {
    RECEIVED: frozenset({VALID, REJECTED}),
    VALID: frozenset({EXPIRED, REVOKED_BY_PSU, TERMINATED_BY_TPP, REJECTED}),
    REJECTED: frozenset(),
    EXPIRED: frozenset(),
    REVOKED_BY_PSU: frozenset(),
    TERMINATED_BY_TPP: frozenset(),
}


def check_transition(current: str, new: str, *, consent_id: int | None = None) -> None:
    """Nothing when a consent may go from ``current`` to ``new``; else ``IllegalTransition`` saying which change."""
    if new not in TRANSITIONS:
        raise errors.IllegalTransition(f"unknown consent status {new!r}")
    if new not in TRANSITIONS.get(current, frozenset()):
        name = f"consent {consent_id}" if consent_id is not None else "a consent"
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "nothing: it has ended"
        raise errors.IllegalTransition(f"{name} cannot go from {current} to {new} (from {current}: {allowed})")


AIS_SCOPES = (
    "psd2:account:details:read",
    "psd2:account:balance:read",
    "psd2:account:transaction:read",
    "psd2:account:funds:read",
)
PIS_SCOPES = (
    "psd2:payment:sepa:write",
    "psd2:payment:sepa:read",
    "psd2:payment:xborder:write",
    "psd2:payment:recurrent:sepa:write",
    "psd2:payment:recurrent:sepa:delete",
    "psd2:payment:batchsct:write",
    "psd2:payment:batchsdd:write",
)
ALL_SCOPES = AIS_SCOPES + PIS_SCOPES
# The scope that executes one registered payment: its consent names the payment by ``transactionId``.
PAYMENT_EXECUTE_SCOPE = "psd2:payment:sepa:write"


class ScopeError(ValueError):
    """A scope set ABN AMRO refuses (unknown scope, or a forbidden combination)."""


def check_scopes(scopes: list[str] | str) -> list[str]:
    """The scopes as a list, or ``ScopeError`` for unknown scopes and ABN AMRO's forbidden combinations."""
    items = scopes.split() if isinstance(scopes, str) else list(scopes)
    if not all(isinstance(item, str) for item in items):
        raise ScopeError("every scope is a string, such as psd2:account:balance:read")
    items = list(dict.fromkeys(items))
    if not items:
        raise ScopeError("no scope requested")
    unknown = [s for s in items if s not in ALL_SCOPES]
    if unknown:
        raise ScopeError(f"unknown scope: {' '.join(unknown)}")
    ais = [s for s in items if s in AIS_SCOPES]
    pis = [s for s in items if s in PIS_SCOPES]
    if ais and pis:
        raise ScopeError("account information and payment scopes cannot be combined")
    writes = [s for s in items if s.endswith(":write")]
    deletes = [s for s in items if s.endswith(":delete")]
    if len(writes) > 1:
        raise ScopeError("two write scopes cannot be combined")
    if deletes and len(items) > 1:
        raise ScopeError("a delete scope must be requested alone")
    return items
