"""Reading response headers both the transport and the errors need (below both, so neither imports the other)."""

from __future__ import annotations

import datetime as dt
import email.utils


def parse_retry_after(headers) -> float | None:
    """``Retry-After`` in seconds (a number, or an HTTP date measured against the response's ``Date``)."""
    value = (headers or {}).get("Retry-After")
    if value is None:
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
        # The server's own Date header is the reference, not this machine's clock.
        sent = email.utils.parsedate_to_datetime(headers.get("Date", ""))
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or sent is None:
        return None
    return max(0.0, (when - sent) / dt.timedelta(seconds=1))
