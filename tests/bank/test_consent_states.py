"""The consent's state machine: every status change goes through its transition table; an illegal one stores nothing."""

from __future__ import annotations

import pytest

from mockbank import errors
from mockbank import models
from mockbank.services import consent_rules

from .helpers import mint


def test_the_table_allows_the_documented_changes_only():
    allowed = {(old, new) for old, targets in consent_rules.TRANSITIONS.items() for new in targets}
    assert allowed == {
        ("received", "valid"),
        ("received", "rejected"),
        ("valid", "expired"),
        ("valid", "revokedByPsu"),
        ("valid", "terminatedByTpp"),
        # The software refused a bank-initiated registration after its consents were granted.
        ("valid", "rejected"),
    }
    with pytest.raises(errors.IllegalTransition, match="from expired to valid"):
        consent_rules.check_transition("expired", "valid", consent_id=7)
    with pytest.raises(errors.IllegalTransition, match="unknown consent status"):
        consent_rules.check_transition("valid", "paused")


def test_an_illegal_change_is_refused_and_nothing_is_stored(bank, tpp, firm):
    mint(bank, tpp, firm.iban)
    consent = bank.consents.consents(client_id=tpp.client_id)[0]
    bank.consents.withdraw(consent.id, firm.customer_id)
    jobs_before = len(bank.jobs.jobs())

    with pytest.raises(errors.IllegalTransition, match=f"consent {consent.id} cannot go from revokedByPsu to valid"):
        with bank.db.transaction() as session:
            row = session.get(models.Consent, consent.id)
            bank.consents.set_status(session, row, consent_rules.VALID)

    after = bank.consents.consent(consent.id)
    assert after.status == "revokedByPsu"
    assert [e.status for e in after.events] == ["received", "valid", "revokedByPsu"]
    assert len(bank.jobs.jobs()) == jobs_before  # no expiry job for a validity that never started
