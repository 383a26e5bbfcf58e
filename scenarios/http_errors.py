"""Errors the HTTP server of ``mockbank serve`` answers itself, before any app sees the request.

A request line longer than the server reads (64 KiB) is a 414 and an overlong or excess header a 431;
Python's ``http.server`` would answer an HTML page. Here they are JSON in the envelope of the app the
path leads to (the bank's ABN AMRO envelope, the portal's Visma envelope), as the apps answer their own
413 and 414.
"""

from __future__ import annotations

import json

from werkzeug.serving import WSGIRequestHandler

from consent_server import errors as portal_errors
from consent_server import wire as portal_wire
from mockbank import errors as bank_errors
from mockbank import wire as bank_wire


class ServerErrors:
    """The JSON body of a server-level error for a path, in the envelope of the app mounted there."""

    def __init__(self, world):
        self.world = world

    def body(self, status: int, path: str) -> bytes:
        """The error body for ``status`` on ``path`` (a path under no app gets a plain ``{"error", "status"}``)."""
        reason = bank_errors.reason_phrase(status)
        for prefix, app in self.world.mounts().items():
            if path != prefix and not path.startswith(prefix + "/"):
                continue
            if app is self.world.bank_app:
                error = bank_errors.for_status(status)
                payload = bank_wire.error_body(error, self.world.bank_backend.trace_ids.uuid())
            else:
                error = portal_errors.PortalError(reason, message=reason)
                error.status, error.code = status, status * 10
                payload = portal_wire.error_body(error, self.world.portal_backend.ids.uuid())
            return json.dumps(payload).encode()
        return json.dumps({"error": reason, "status": status}).encode()


class JsonErrorRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler, answering the server's own errors as JSON (``server.error_bodies``)."""

    def send_error(self, code, message=None, explain=None):
        """Send an error the server found itself: JSON in the envelope the path leads to."""
        errors = getattr(self.server, "error_bodies", None)
        if errors is None or code < 400:
            return super().send_error(code, message, explain)
        # The request line may be cut off (that is why it is a 414): its path still starts right.
        parts = bytes(getattr(self, "raw_requestline", b"") or b"").split(b" ")
        path = parts[1].decode("latin-1") if len(parts) > 1 else ""
        body = errors.body(code, path.split("?", 1)[0])
        self.log_error("code %d, message %s", code, message or "")
        self.send_response(code, message)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None
