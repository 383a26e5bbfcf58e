"""The one seedable source of tokens, ids, codes and serial numbers of an app (like moto's ``MotoRandom``).

One seed gives one sequence. With a store (the app's database), a restarted app never repeats what it handed
out before: the sequence runs in blocks, each block is reserved in the store before its first draw, and a
restart (or a second worker) continues in a block nobody has used. Block 0 is exactly ``random.Random(seed)``,
so a world that never restarts draws what it always drew; one seed and one history give one world.
"""

from __future__ import annotations

import random
import string
import threading
import uuid
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import JSON
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import select
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

ALPHANUMERIC = string.ascii_letters + string.digits
# Draws per block: a restart skips the rest of its block, so blocks are large enough never to end in a test.
BLOCK_SIZE = 1_000_000


class SequenceStore(Protocol):
    """Where an app reserves blocks of its id sequences."""

    def resume(self, name: str, seed) -> tuple[object, int]:
        """The sequence's saved seed (or ``seed`` when new) and a block nobody has drawn from."""

    def restart(self, name: str, seed, block: int = 0) -> None:
        """Record that ``block`` of ``seed`` is in use (0: the sequence starts again)."""

    def next_block(self, name: str) -> int:
        """Reserve the next unused block."""


class Ids:
    """Seeded randomness, so one seed gives one world; with a ``store``, restarts never repeat an id."""

    def __init__(
        self,
        seed: int | str | None = 0,
        *,
        store: SequenceStore | None = None,
        name: str = "ids",
        block_size: int = BLOCK_SIZE,
    ):
        self._lock = threading.Lock()
        self._store = store
        self._name = name
        self._block_size = block_size
        self._seed = seed
        self._block = 0
        if store is not None:
            self._seed, self._block = store.resume(name, seed)
        self._random = self._block_random()
        self._drawn = 0

    def _block_random(self) -> random.Random:
        if self._block == 0:
            return random.Random(self._seed)
        return random.Random(f"{self._seed}/block/{self._block}")

    def _draw(self, make: Callable[[random.Random], object]):
        with self._lock:
            if self._drawn >= self._block_size:
                self._block = self._store.next_block(self._name) if self._store else self._block + 1
                self._random = self._block_random()
                self._drawn = 0
            self._drawn += 1
            return make(self._random)

    @property
    def position(self) -> tuple[object, int, int]:
        """Seed, block and draws within the block: where the sequence stands."""
        return self._seed, self._block, self._drawn

    def reseed(self, seed: int | str | None) -> None:
        """Start the sequence again from ``seed`` (a reset world: nothing handed out before is kept)."""
        with self._lock:
            if self._store is not None:
                self._store.restart(self._name, seed)
            self._seed, self._block, self._drawn = seed, 0, 0
            self._random = self._block_random()

    def move_to_fresh_block(self) -> None:
        """Continue in a block nobody has drawn from (a forked server worker: its parent's block is shared).

        Without a store nothing can be reserved; the sequence then goes on as it is.
        """
        with self._lock:
            if self._store is None:
                return
            self._block = self._store.next_block(self._name)
            self._random = self._block_random()
            self._drawn = 0

    def keep(self) -> None:
        """Record the current block again (after the store's tables were emptied), so the sequence goes on."""
        with self._lock:
            if self._store is not None:
                self._store.restart(self._name, self._seed, self._block)

    def token(self, length: int = 40) -> str:
        """A random alphanumeric string."""
        return self._draw(lambda r: "".join(r.choice(ALPHANUMERIC) for _ in range(length)))

    def digits(self, length: int) -> str:
        """A string of random digits."""
        return self._draw(lambda r: "".join(r.choice(string.digits) for _ in range(length)))

    def uuid(self) -> str:
        """A random UUID (Trace-Id, Visma's ``Id`` values, ``ErrorId``)."""
        return self._draw(lambda r: str(uuid.UUID(int=r.getrandbits(128), version=4)))

    def serial_number(self) -> str:
        """Seven digits, never starting with 0 (the help article's example is "4759724")."""
        return self._draw(lambda r: str(r.randint(1_000_000, 9_999_999)))

    def transaction_id(self) -> str:
        """An id shaped like ABN AMRO's ``9855H1218554877S0AB``."""
        return self._draw(
            lambda r: (
                "".join(r.choice(string.digits) for _ in range(4))
                + r.choice(string.ascii_uppercase)
                + "".join(r.choice(string.digits) for _ in range(10))
                + "S0"
                + "".join(r.choice(string.ascii_uppercase) for _ in range(2))
            )
        )

    def choice(self, items):
        """One of ``items``."""
        return self._draw(lambda r: r.choice(items))

    def randint(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        return self._draw(lambda r: r.randint(low, high))


def id_sequence_model(base: type) -> type:
    """The table where an app reserves blocks of its id sequences."""

    class IdSequence(base):
        __tablename__ = "id_sequences"
        name: Mapped[str] = mapped_column(String(64), primary_key=True)
        seed: Mapped[dict] = mapped_column(JSON)
        next_block: Mapped[int] = mapped_column(Integer)

    return IdSequence


class DatabaseSequenceStore:
    """Reserves id blocks in one row per sequence of an app's ``id_sequences`` table, under a row lock."""

    def __init__(self, *, transaction: Callable, model: type):
        self._transaction = transaction
        self._model = model

    def _row(self, session, name: str):
        return session.scalars(select(self._model).where(self._model.name == name).with_for_update()).first()

    def resume(self, name: str, seed) -> tuple[object, int]:
        """The saved seed and the next free block; a new sequence starts at block 0 of ``seed``."""
        with self._transaction() as session:
            row = self._row(session, name)
            if row is None:
                session.add(self._model(name=name, seed={"seed": seed}, next_block=1))
                return seed, 0
            block = row.next_block
            row.next_block = block + 1
            return row.seed["seed"], block

    def restart(self, name: str, seed, block: int = 0) -> None:
        """``block`` of ``seed`` is in use; the next reservation is the one after it."""
        with self._transaction() as session:
            row = self._row(session, name)
            if row is None:
                session.add(self._model(name=name, seed={"seed": seed}, next_block=block + 1))
            else:
                row.seed, row.next_block = {"seed": seed}, block + 1

    def next_block(self, name: str) -> int:
        """Reserve the next block of ``name``."""
        with self._transaction() as session:
            row = self._row(session, name)
            block = row.next_block
            row.next_block = block + 1
            return block
