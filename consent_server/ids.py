"""The portal's one seedable source of ids, tokens and serial numbers."""

from __future__ import annotations

import random
import string
import threading
import uuid


class Ids:
    """Seeded randomness, so one seed gives one world."""

    def __init__(self, seed: int | None = 0):
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def reseed(self, seed: int | None) -> None:
        """Start the sequence again from ``seed``."""
        with self._lock:
            self._random.seed(seed)

    def token(self, length: int = 40) -> str:
        """A random alphanumeric string."""
        alphabet = string.ascii_letters + string.digits
        with self._lock:
            return "".join(self._random.choice(alphabet) for _ in range(length))

    def serial_number(self) -> str:
        """Seven digits, never starting with 0 (the seed's example is "4759724")."""
        with self._lock:
            return str(self._random.randint(1_000_000, 9_999_999))

    def uuid(self) -> str:
        """A random UUID (Visma's ``Id`` values, ``ErrorId``)."""
        with self._lock:
            return str(uuid.UUID(int=self._random.getrandbits(128), version=4))
