"""Seeded ids: one seed gives one sequence; with a store, restarts and second workers never repeat an id."""

from __future__ import annotations

import random
import string

import pytest
from sqlalchemy.orm import DeclarativeBase

from mockbank.sim.db import Database
from mockbank.sim.ids import ALPHANUMERIC
from mockbank.sim.ids import DatabaseSequenceStore
from mockbank.sim.ids import Ids
from mockbank.sim.ids import id_sequence_model


class Base(DeclarativeBase):
    """A test app's tables."""


IdSequence = id_sequence_model(Base)


def open_store(url: str) -> tuple[Database, DatabaseSequenceStore]:
    db = Database(url, Base)
    db.create_all()
    return db, DatabaseSequenceStore(transaction=db.transaction, model=IdSequence)


@pytest.fixture
def url(storage_url):
    return storage_url


def test_block_zero_is_the_plain_seeded_sequence():
    expected = random.Random(42)
    token = "".join(expected.choice(ALPHANUMERIC) for _ in range(8))
    digits = "".join(expected.choice(string.digits) for _ in range(5))
    ids = Ids(42)
    assert (ids.token(8), ids.digits(5)) == (token, digits)


def test_a_restart_continues_where_the_world_left_off_and_never_repeats(url):
    handed_out = []
    for _restart in range(3):
        db, store = open_store(url)
        ids = Ids(7, store=store)
        handed_out += [ids.token(12) for _ in range(50)]
        db.dispose()
    assert len(set(handed_out)) == len(handed_out) == 150


def test_one_seed_and_one_history_give_the_same_ids(tmp_path):
    def history(folder):
        tokens = []
        for _restart in range(3):
            db, store = open_store(f"sqlite:///{folder / 'ids.db'}")
            ids = Ids(7, store=store)
            tokens += [ids.uuid() for _ in range(5)]
            db.dispose()
        return tokens

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert history(tmp_path / "a") == history(tmp_path / "b")


def test_two_workers_on_one_database_draw_from_different_blocks(url):
    db, store = open_store(url)
    first = Ids(3, store=store, block_size=4)
    second = Ids(3, store=store, block_size=4)
    drawn = [ids.token(16) for _ in range(10) for ids in (first, second)]
    assert len(set(drawn)) == 20
    assert first.position[1] != second.position[1]
    db.dispose()


def test_reseed_starts_again_and_a_restart_after_it_continues_the_new_seed(url):
    db, store = open_store(url)
    ids = Ids(1, store=store)
    ids.token()
    ids.reseed("after-demo")
    fresh = Ids("after-demo").token()
    assert ids.token() == fresh
    db.dispose()

    db, store = open_store(url)
    restarted = Ids(1, store=store)
    assert restarted.position[:2] == ("after-demo", 1)
    assert restarted.token() != fresh
    db.dispose()


def test_keep_records_the_block_again_after_the_tables_were_emptied(url):
    db, store = open_store(url)
    ids = Ids(5, store=store, name="trace")
    before = [ids.uuid() for _ in range(3)]
    db.drop_all()
    db.create_all()
    ids.keep()
    db.dispose()

    db, store = open_store(url)
    after = Ids(5, store=store, name="trace")
    assert after.position[:2] == (5, 1)
    assert not set(before) & {after.uuid() for _ in range(3)}
    db.dispose()
