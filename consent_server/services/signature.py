"""The HMAC signature on the bank's callbacks: the portal checks it before reading a callback's body."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Mockbank-Signature"


def sign(secret: str, body: bytes) -> str:
    """The callback signature: ``sha256=`` plus the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str | None, body: bytes, header: str | None) -> bool:
    """True when ``header`` is the body's signature under ``secret`` (constant-time compare)."""
    if not secret or not header:
        return False
    # Compared as bytes: compare_digest refuses text with non-ASCII characters, which a header may hold.
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode("utf-8", "replace"))
