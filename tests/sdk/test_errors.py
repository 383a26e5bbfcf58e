"""``error_from_response``: every class, from bodies shaped like ABN AMRO's and the token endpoint's."""

from __future__ import annotations

import json

import pytest
import requests

from client_sdk import errors


def _response(status: int, body, *, headers: dict | None = None, reason: str = "") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = reason
    if isinstance(body, dict):
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
    else:
        response._content = body.encode() if isinstance(body, str) else body
    response.headers.update(headers or {})
    return response


def _envelope(status: int, code: str, category: str, message: str = "msg") -> dict:
    return {
        "errors": [
            {
                "code": code,
                "message": message,
                "reference": "https://developer.abnamro.com/get-started#authentication",
                "traceId": "36fa4309-fd51-4e6c-b8bc-9e1843b47cf8",
                "status": status,
                "category": category,
            }
        ]
    }


@pytest.mark.parametrize(
    ("status", "code", "category", "expected"),
    [
        (400, "ERR_1100_004", "BAD_REQUEST", errors.InvalidRequestError),
        (400, "MESSAGE_RST560_0007", "BAD_REQUEST", errors.InvalidRequestError),
        (401, "ERR_2002_002", "INVALID_ACCESS_TOKEN", errors.AuthenticationError),
        (403, "ERR_3002_003", "INSUFFICIENT_SCOPE", errors.InsufficientScopeError),
        (403, "MESSAGE_RST560_0016", "FORBIDDEN", errors.PermissionDeniedError),
        (404, "ERR_4001_001", "NOT_FOUND", errors.NotFoundError),
        (422, "SANDBOX_422", "INSUFFICIENT_FUNDS", errors.InvalidRequestError),
        (429, "ERR_7002_001", "TOO_MANY_REQUESTS", errors.RateLimitError),
        (500, "MESSAGE_BAI560_0005", "BACKEND_ERROR", errors.ServerError),
        (503, "MESSAGE_BAI560_0005", "BACKEND_ERROR", errors.ServerError),
    ],
)
def test_abn_amro_envelope_maps_to_its_class(status, code, category, expected):
    error = errors.error_from_response(_response(status, _envelope(status, code, category, "The message")))
    assert type(error) is expected
    assert (error.status, error.code, error.category, error.message) == (status, code, category, "The message")
    assert error.trace_id == "36fa4309-fd51-4e6c-b8bc-9e1843b47cf8"
    assert error.json_body["errors"][0]["code"] == code
    assert isinstance(error, errors.BankApiError)


def test_insufficient_scope_is_a_permission_error_too():
    error = errors.error_from_response(_response(403, _envelope(403, "ERR_3002_003", "INSUFFICIENT_SCOPE")))
    assert isinstance(error, errors.PermissionDeniedError)


def test_str_and_repr_carry_the_http_context():
    error = errors.error_from_response(
        _response(
            401, _envelope(401, "ERR_2002_002", "INVALID_ACCESS_TOKEN", "The presented access token is not valid")
        )
    )
    assert str(error) == (
        "401 ERR_2002_002 INVALID_ACCESS_TOKEN: The presented access token is not valid "
        "(Trace-Id 36fa4309-fd51-4e6c-b8bc-9e1843b47cf8)"
    )
    assert repr(error).startswith("AuthenticationError(message='The presented access token is not valid', status=401")
    assert "code='ERR_2002_002'" in repr(error)


def test_trace_id_and_request_id_fall_back_to_headers():
    error = errors.error_from_response(
        _response(500, "", headers={"Trace-Id": "t-1", "X-Request-ID": "r-1"}, reason="Internal Server Error")
    )
    assert type(error) is errors.ServerError
    assert (error.trace_id, error.request_id, error.message) == ("t-1", "r-1", "Internal Server Error")


@pytest.mark.parametrize(
    ("oauth_error", "expected"),
    [
        ("invalid_request", errors.InvalidRequestOAuthError),
        ("invalid_client", errors.InvalidClientError),
        ("invalid_grant", errors.InvalidGrantError),
        ("unauthorized_client", errors.UnauthorizedClientError),
        ("unsupported_grant_type", errors.UnsupportedGrantTypeError),
        ("invalid_scope", errors.InvalidScopeError),
        ("access_denied", errors.AccessDeniedError),
        ("server_error", errors.OAuthServerError),
        ("temporarily_unavailable", errors.OAuthServerError),
        ("something_new", errors.OAuthError),
    ],
)
def test_oauth_bodies_map_by_their_rfc_error(oauth_error, expected):
    status = 401 if oauth_error == "invalid_client" else 400
    body = {"error": oauth_error, "error_description": "Authorization code is invalid or expired."}
    error = errors.error_from_response(_response(status, body))
    assert type(error) is expected
    assert isinstance(error, errors.OAuthError)
    assert (error.error, error.description, error.status) == (
        oauth_error,
        "Authorization code is invalid or expired.",
        status,
    )
    assert error.code == oauth_error
    assert f"error={oauth_error!r}" in repr(error)


def test_bearer_errors_from_a_resource_server_are_api_errors():
    expired = errors.error_from_response(_response(401, {"error": "invalid_token"}))
    scope = errors.error_from_response(_response(403, {"error": "insufficient_scope"}))
    assert type(expired) is errors.AuthenticationError and expired.token_expired
    assert type(scope) is errors.InsufficientScopeError


@pytest.mark.parametrize(
    ("status", "body", "expected", "message"),
    [
        (502, "<html><body>Bad gateway</body></html>", errors.ServerError, "Bad Gateway"),
        (404, "no such thing", errors.NotFoundError, "no such thing"),
        (429, b"", errors.RateLimitError, "Too Many Requests"),
        (400, "[1, 2]", errors.InvalidRequestError, "[1, 2]"),
        (418, "{not json", errors.InvalidRequestError, "{not json"),
    ],
)
def test_non_json_and_odd_bodies_map_by_status(status, body, expected, message):
    reason = {502: "Bad Gateway", 429: "Too Many Requests"}.get(status, "")
    error = errors.error_from_response(_response(status, body, reason=reason))
    assert type(error) is expected
    assert error.message == message
    assert error.code is None


def test_rate_limit_error_reads_retry_after():
    error = errors.error_from_response(
        _response(429, _envelope(429, "ERR_7002_001", "TOO_MANY_REQUESTS"), headers={"Retry-After": "7"})
    )
    assert error.retry_after == 7.0


@pytest.mark.parametrize(
    ("url", "error", "description", "cancelled"),
    [
        ("https://localhost/auth?error=access_denied#", "access_denied", None, False),
        (
            "https://localhost/auth?error_description=Unexpected+Runtime+Authn+Adapter+Integration+Problem."
            "&error=server_error&state=s-1#",
            "server_error",
            "Unexpected Runtime Authn Adapter Integration Problem.",
            True,
        ),
        ("https://localhost/auth#error=access_denied&state=s-1", "access_denied", None, False),
    ],
)
def test_authorization_redirect_errors(url, error, description, cancelled):
    failure = errors.AuthorizationRedirectError.from_url(url)
    assert (failure.error, failure.description, failure.cancelled, failure.url) == (error, description, cancelled, url)
    assert isinstance(failure, errors.OAuthError)


def test_a_redirect_with_a_code_is_no_error():
    assert errors.AuthorizationRedirectError.from_url("https://localhost/auth?code=abc&state=s") is None


def test_connection_error_says_whether_to_retry():
    assert errors.APIConnectionError("refused", should_retry=False).should_retry is False
    assert errors.APIConnectionError("refused").status is None
