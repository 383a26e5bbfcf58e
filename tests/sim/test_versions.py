"""World versions (``mockbank.sim.versions``): counters that move with every committed write to a watched table."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import event
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from mockbank.sim.db import Database
from mockbank.sim.versions import VersionedCache
from mockbank.sim.versions import Watch
from mockbank.sim.versions import WorldVersions


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(50))


class Other(Base):
    __tablename__ = "others"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


WATCH = {"notes": Watch(tables=("notes",)), "every_note": Watch(tables=("notes",), inserts=True)}


@pytest.fixture
def db():
    database = Database("sqlite://", Base)
    database.create_all()
    yield database
    database.dispose()


@pytest.fixture
def versions(db):
    return WorldVersions(db, WATCH)


def add_note(db, text="a") -> int:
    with db.transaction() as session:
        note = Note(text=text)
        session.add(note)
        session.flush()
        return note.id


def test_a_counter_moves_when_the_write_commits_not_before(db, versions):
    note_id = add_note(db)
    before = versions.version("notes")

    with db.transaction() as session:
        session.get(Note, note_id).text = "b"
        session.flush()
        during = versions.version("notes")

    assert during == before
    assert versions.version("notes") != before


def test_a_rolled_back_write_moves_nothing(db, versions):
    note_id = add_note(db)
    before = versions.version("notes")

    with pytest.raises(RuntimeError):
        with db.transaction() as session:
            session.get(Note, note_id).text = "b"
            session.flush()
            raise RuntimeError("changed my mind")

    assert versions.version("notes") == before


def test_new_rows_move_only_the_counters_that_watch_inserts(db, versions):
    keyed, every = versions.version("notes"), versions.version("every_note")

    add_note(db)

    assert versions.version("notes") == keyed
    assert versions.version("every_note") != every


def test_core_statements_and_deletes_move_it_too(db, versions):
    note_id = add_note(db)
    before = versions.version("notes")
    with db.transaction() as session:
        session.execute(update(Note).where(Note.id == note_id).values(text="c"))
    after_update = versions.version("notes")
    with db.engine.begin() as connection:
        connection.execute(Note.__table__.delete())

    assert before != after_update != versions.version("notes")


def test_writes_to_other_tables_move_nothing(db, versions):
    before = versions.read()

    with db.transaction() as session:
        session.execute(insert(Other).values(id=1))
        session.execute(update(Other).values(id=2))

    assert versions.read() == before


def test_a_cache_refills_after_a_write_and_keeps_nothing_loaded_before_it(db, versions):
    cache = VersionedCache(versions, "notes")
    note_id = add_note(db, "first")
    loads = []

    def load():
        with db.reading() as session:
            text = session.get(Note, note_id).text
        loads.append(text)
        return text

    assert cache.get(note_id, load) == "first"
    assert cache.get(note_id, load) == "first"
    with db.transaction() as session:
        session.get(Note, note_id).text = "second"

    assert cache.get(note_id, load) == "second"
    assert loads == ["first", "second"]


def test_a_value_loaded_while_a_write_lands_is_not_kept(db, versions):
    cache = VersionedCache(versions, "notes")
    note_id = add_note(db, "old")

    def load_while_someone_writes():
        with db.reading() as session:
            text = session.get(Note, note_id).text
        with db.transaction() as session:  # lands between the read and the cache's store
            session.get(Note, note_id).text = "new"
        return text

    assert cache.get(note_id, load_while_someone_writes) == "old"

    assert cache.get(note_id, lambda: "reloaded") == "reloaded"


def test_shared_counters_are_seen_by_a_second_process_on_the_same_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first_db, second_db = Database(url, Base), Database(url, Base)
    first_db.create_all()
    first, second = WorldVersions(first_db, WATCH, shared=True), WorldVersions(second_db, WATCH, shared=True)
    try:
        note_id = add_note(first_db)
        seen = second.version("notes")

        with first_db.transaction() as session:
            session.get(Note, note_id).text = "b"

        assert second.version("notes") != seen
        assert second.read() == first.read() == {"every_note": 2, "notes": 1}
    finally:
        first_db.dispose()
        second_db.dispose()


def test_shared_counters_are_read_once_per_request_scope(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'shared.db'}", Base)
    db.create_all()
    versions = WorldVersions(db, WATCH, shared=True)
    reads = []
    event.listen(db.engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: reads.append(statement))
    try:
        with versions.request_scope():
            for _ in range(3):
                versions.version("notes")
                versions.version("every_note")
        assert len(reads) == 1

        versions.version("notes")
        assert len(reads) == 2
    finally:
        db.dispose()


def test_a_shared_counter_moves_with_its_write_or_not_at_all(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'shared.db'}", Base)
    db.create_all()
    versions = WorldVersions(db, WATCH, shared=True)
    try:
        add_note(db)
        with pytest.raises(RuntimeError):
            with db.transaction() as session:
                session.execute(update(Note).values(text="x"))
                raise RuntimeError("rolled back")
        assert versions.read()["notes"] == 0

        with db.transaction() as session:
            session.execute(update(Note).values(text="y"))
            session.execute(update(Note).values(text="z"))
        assert versions.read()["notes"] == 1
        with db.reading() as session:
            assert session.scalar(select(Note.text)) == "z"
    finally:
        db.dispose()


def test_bump_all_moves_every_counter(db, versions):
    before = versions.read()

    versions.bump_all()

    assert all(versions.read()[name] == before[name] + 1 for name in before)
