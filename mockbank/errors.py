"""The bank's errors, one class per ABN AMRO error code; ``wire.error_body`` renders them."""

from __future__ import annotations

from werkzeug.http import HTTP_STATUS_CODES

REFERENCE = "https://developer.abnamro.com/get-started#authentication"


class BankError(Exception):
    """An error the bank answers in ABN AMRO's ``{"errors":[...]}`` envelope."""

    status = 500
    code = "MESSAGE_BAI560_0005"
    category = "BACKEND_ERROR"
    message = "Technical error"
    reference = REFERENCE

    def __init__(self, message: str | None = None):
        if message is not None:
            self.message = message
        super().__init__(self.message)


class InvalidRequest(BankError):
    status = 400
    code = "ERR_1100_004"
    category = "BAD_REQUEST"
    message = "One of the input paramater is invalid"


class InvalidIban(InvalidRequest):
    code = "MESSAGE_RST560_0007"
    message = "Invalid IBAN"


class InvalidToDate(InvalidRequest):
    code = "MESSAGE_RST560_0008"
    message = "Invalid to date"


class InvalidFromDate(InvalidRequest):
    code = "MESSAGE_RST560_0009"
    message = "Invalid from date"


class FromAfterTo(InvalidRequest):
    code = "MESSAGE_RST560_0011"
    message = "From date is after to date"


class FromDateInFuture(InvalidRequest):
    code = "MESSAGE_RST560_0012"
    message = "From date is in the future"


class ToDateInFuture(InvalidRequest):
    code = "MESSAGE_RST560_0013"
    message = "To date is in the future"


class TooFarBack(InvalidRequest):
    code = "MESSAGE_BAI560_0029"
    message = "From date is more than 18 months in the past"


class InvalidNextPageKey(InvalidRequest):
    message = "One of the input paramater is invalid: nextPageKey"


class InvalidAmount(InvalidRequest):
    message = "One of the input paramater is invalid: amount"


class InvalidCurrency(InvalidRequest):
    message = "One of the input paramater is invalid: currency"


class InvalidAccessToken(BankError):
    status = 401
    code = "ERR_2002_002"
    category = "INVALID_ACCESS_TOKEN"
    message = "The presented access token is not valid or expired"


class InvalidApiKey(BankError):
    # Not in ABN AMRO's published list: the mock's own code for a missing or unknown API-Key.
    status = 401
    code = "ERR_2001_001"
    category = "INVALID_API_KEY"
    message = "The API-Key header is missing or not valid"


class InsufficientScope(BankError):
    status = 403
    code = "ERR_3002_003"
    category = "INSUFFICIENT_SCOPE"
    message = "Insufficient scope of the token"


class NoAccessToAccount(BankError):
    status = 403
    code = "MESSAGE_RST560_0016"
    category = "FORBIDDEN"
    message = "No access to account"


class NotFound(BankError):
    status = 404
    code = "ERR_4001_001"
    category = "NOT_FOUND"
    message = "requested resource was not found, or a disallowed method was used"


class RateLimited(BankError):
    status = 429
    code = "ERR_7002_001"
    category = "TOO_MANY_REQUESTS"
    message = "Rate limit violation"


class BackendError(BankError):
    """A technical error (also what a fault injected through the sandbox answers)."""


class SandboxError(BankError):
    """A bad request to the sandbox control API (same envelope, own code)."""

    status = 400
    code = "SANDBOX_400"
    category = "BAD_REQUEST"
    message = "Bad sandbox request"


class SandboxNotFound(SandboxError):
    status = 404
    code = "SANDBOX_404"
    category = "NOT_FOUND"
    message = "No such object in the sandbox"


class InsufficientFunds(SandboxError):
    status = 422
    code = "SANDBOX_422"
    category = "INSUFFICIENT_FUNDS"
    message = "Insufficient funds"


class IllegalTransition(SandboxError):
    """A consent status change its state machine does not allow; nothing is stored."""

    status = 409
    code = "SANDBOX_409"
    category = "CONFLICT"
    message = "This consent cannot change to that status"


# ABN AMRO's own error per status where it has one; other 5xx are its technical error.
_BY_STATUS: dict[int, type[BankError]] = {
    400: InvalidRequest,
    401: InvalidAccessToken,
    403: InsufficientScope,
    404: NotFound,
    429: RateLimited,
}


def reason_phrase(status: int) -> str:
    """The HTTP reason phrase of ``status`` (``Payload Too Large``), or a generic one."""
    return HTTP_STATUS_CODES.get(status) or ("Server Error" if status >= 500 else "Client Error")


def for_status(status: int, message: str | None = None) -> BankError:
    """The bank's error for an HTTP status: ABN AMRO's own where it has one, else the mock's ``HTTP_<status>``."""
    cls = _BY_STATUS.get(status) or (BackendError if status >= 500 else None)
    if cls is None:
        # No ABN AMRO code for this status: the mock's own, named after it (``HTTP_413``, ``PAYLOAD_TOO_LARGE``).
        error = BankError(message or reason_phrase(status))
        error.code = f"HTTP_{status}"
        error.category = reason_phrase(status).upper().replace(" ", "_").replace("-", "_")
    else:
        error = cls(message) if message else cls()
    error.status = status
    return error
