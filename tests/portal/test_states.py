"""The link's and the registration's state machines refuse a change their table does not have, storing nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlalchemy import select

from consent_server import models
from consent_server.services.links import transition
from consent_server.services.states import LINK_TRANSITIONS
from consent_server.services.states import REGISTRATION_TRANSITIONS
from consent_server.services.states import IllegalTransition
from consent_server.services.states import check
from tests.portal.conftest import EMPTY_BANK
from tests.portal.test_activation import consent_current_account

LINK_STATES = (
    models.LINK_REQUESTED,
    models.LINK_CONSENTED,
    models.LINK_ACTIVATION_SCHEDULED,
    models.LINK_ACTIVATION_SENT,
    models.LINK_ACTIVATED,
    models.LINK_ACTIVE,
    models.LINK_FAILING,
    models.LINK_REJECTED,
    models.LINK_EXPIRED,
    models.LINK_REVOKED,
)


def test_the_tables_name_every_state_and_only_known_ones():
    assert set(LINK_TRANSITIONS) == set(LINK_STATES)
    assert set().union(*LINK_TRANSITIONS.values()) <= set(LINK_STATES)
    assert set(REGISTRATION_TRANSITIONS) == set(models.REGISTRATION_STATES)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (models.LINK_REQUESTED, models.LINK_ACTIVE),
        (models.LINK_ACTIVATION_SCHEDULED, models.LINK_ACTIVATED),
        (models.LINK_REVOKED, models.LINK_ACTIVE),
        (models.LINK_EXPIRED, models.LINK_FAILING),
    ],
)
def test_illegal_link_changes_are_refused(current, target):
    with pytest.raises(IllegalTransition):
        check(LINK_TRANSITIONS, "link", current, target)


def test_the_registration_moves_one_step_at_a_time():
    check(REGISTRATION_TRANSITIONS, "registration", models.REG_CONTACT, models.REG_BANK_CONSENT)
    with pytest.raises(IllegalTransition):
        check(REGISTRATION_TRANSITIONS, "registration", models.REG_PREPARED, models.REG_DONE)


@EMPTY_BANK
def test_an_illegal_change_stores_nothing(world, at_bank_consent, company, serial):
    consent_current_account(at_bank_consent, company, serial)
    backend = world.portal_app.extensions["consent_server"]
    (link,) = backend.registrations.by_serial(serial).links
    assert link.state == models.LINK_ACTIVATION_SCHEDULED

    def events(session) -> int:
        return session.scalar(select(func.count()).where(models.LinkEvent.link_id == link.id))

    with backend.db.reading() as session:
        before = events(session)
    with pytest.raises(IllegalTransition), backend.db.transaction() as session:
        row = session.get(models.AccountLink, link.id)
        transition(session, row, models.LINK_ACTIVE, backend.clock.now(), "skipping the activation")
    with backend.db.reading() as session:
        assert session.get(models.AccountLink, link.id).state == models.LINK_ACTIVATION_SCHEDULED
        assert events(session) == before


@EMPTY_BANK
def test_a_registration_cannot_skip_steps(world, serial):
    backend = world.portal_app.extensions["consent_server"]
    registration_id = backend.registrations.by_serial(serial).id
    with pytest.raises(IllegalTransition), backend.db.transaction() as session:
        registration = session.get(models.Registration, registration_id)
        backend.registrations.move(session, registration, models.REG_DONE, "skipping the wizard")
    assert backend.registrations.get(registration_id).state == models.REG_PREPARED
