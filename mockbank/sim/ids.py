"""The one seedable source of tokens, ids, codes and serial numbers of an app (like moto's ``MotoRandom``)."""

from __future__ import annotations

import random
import string
import threading
import uuid

ALPHANUMERIC = string.ascii_letters + string.digits


class Ids:
    """Seeded randomness, so one seed gives one world."""

    def __init__(self, seed: int | str | None = 0):
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def reseed(self, seed: int | str | None) -> None:
        """Start the sequence again from ``seed``."""
        with self._lock:
            self._random.seed(seed)

    def token(self, length: int = 40) -> str:
        """A random alphanumeric string."""
        with self._lock:
            return "".join(self._random.choice(ALPHANUMERIC) for _ in range(length))

    def digits(self, length: int) -> str:
        """A string of random digits."""
        with self._lock:
            return "".join(self._random.choice(string.digits) for _ in range(length))

    def uuid(self) -> str:
        """A random UUID (Trace-Id, Visma's ``Id`` values, ``ErrorId``)."""
        with self._lock:
            return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def serial_number(self) -> str:
        """Seven digits, never starting with 0 (the help article's example is "4759724")."""
        with self._lock:
            return str(self._random.randint(1_000_000, 9_999_999))

    def transaction_id(self) -> str:
        """An id shaped like ABN AMRO's ``9855H1218554877S0AB``."""
        with self._lock:
            r = self._random
            return (
                "".join(r.choice(string.digits) for _ in range(4))
                + r.choice(string.ascii_uppercase)
                + "".join(r.choice(string.digits) for _ in range(10))
                + "S0"
                + "".join(r.choice(string.ascii_uppercase) for _ in range(2))
            )

    def choice(self, items):
        """One of ``items``."""
        with self._lock:
            return self._random.choice(items)

    def randint(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        with self._lock:
            return self._random.randint(low, high)
