"""What an error answer of each app looks like: the bank's ABN AMRO envelope, RFC 6749 JSON, the portal's envelope."""

from __future__ import annotations

BANK_ERROR_FIELDS = {"code", "message", "reference", "traceId", "status", "category"}
PORTAL_ERROR_FIELDS = {"ErrorCode", "ErrorMessage", "DeveloperErrorMessage", "ErrorId"}
OAUTH_PATHS = ("/as/token.oauth2", "/as/revoke_token.oauth2", "/as/introspect.oauth2")


def bank_error(response, status: int | None = None) -> dict:
    """The one error of a bank answer in ABN AMRO's ``{"errors": [...]}`` envelope (asserting its shape)."""
    if status is not None:
        assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"errors"}, body
    [error] = body["errors"]
    assert set(error) == BANK_ERROR_FIELDS, error
    assert error["status"] == response.status_code
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    return error


def oauth_error(response, status: int | None = None) -> dict:
    """An RFC 6749 error answer of the bank's token, revoke or introspect endpoint."""
    if status is not None:
        assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    assert set(body) <= {"error", "error_description", "error_uri", "state"}, body
    return body


def portal_error(response, status: int | None = None) -> dict:
    """A portal answer in its ``{"ErrorCode", "ErrorMessage", "DeveloperErrorMessage", "ErrorId"}`` envelope."""
    if status is not None:
        assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert isinstance(body, dict) and PORTAL_ERROR_FIELDS <= set(body), body
    assert set(body) <= PORTAL_ERROR_FIELDS | {"ErrorField", "Reason"}, body
    assert isinstance(body["ErrorCode"], int) and isinstance(body["ErrorMessage"], str)
    return body


def kvk_error(response) -> dict:
    """KvK Zoeken's ``{"fout": [{"code", "omschrijving"}]}``, which the portal's KvK register answers."""
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"fout"}, body
    [error] = body["fout"]
    assert set(error) == {"code", "omschrijving"} and error["code"].startswith("IPD"), error
    return error


def in_envelope(app_name: str, path: str, response) -> dict:
    """The error of ``response`` in the envelope its app answers on ``path`` (``bank`` or ``portal``).

    The portal's KvK register answers KvK's own errors; what it refuses before the register's view (a NUL,
    a path that is not there) comes in the portal's envelope.
    """
    if app_name == "portal":
        if path.startswith("/api/") and "fout" in (response.get_json(silent=True) or {}):
            return kvk_error(response)
        return portal_error(response)
    if path in OAUTH_PATHS:
        return oauth_error(response)
    return bank_error(response)
