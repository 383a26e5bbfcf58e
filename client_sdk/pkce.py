"""PKCE (RFC 7636) helpers: a verifier and its S256 challenge."""

from __future__ import annotations

import base64
import hashlib
import secrets
import string

_VERIFIER_ALPHABET = frozenset(string.ascii_letters + string.digits + "-._~")


def make_verifier(length: int = 64) -> str:
    """A random code verifier of ``length`` (43..128) unreserved characters."""
    if not 43 <= length <= 128:
        raise ValueError("a PKCE code verifier has 43 to 128 characters")
    return secrets.token_urlsafe(length)[:length]


def s256_challenge(verifier: str) -> str:
    """``BASE64URL(SHA256(verifier))`` without padding."""
    if not 43 <= len(verifier) <= 128 or not set(verifier) <= _VERIFIER_ALPHABET:
        raise ValueError("not a PKCE code verifier (43-128 characters of A-Z a-z 0-9 - . _ ~)")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
