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


class SandboxUnauthorized(SandboxError):
    """A sandbox request without the host's sandbox token (``SANDBOX_TOKEN``)."""

    status = 401
    code = "SANDBOX_401"
    category = "UNAUTHORIZED"
    message = "This sandbox needs its token: Authorization: Bearer <SANDBOX_TOKEN>"


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


# --- payment initiation (PSD2 PIS 1.2.1): single payments ------------------------------------------------


class PaymentInvalid(InvalidRequest):
    """A 400 of the payment API; ABN AMRO's detailed code says which field."""

    code = "MESSAGE_BAI561_0066"
    message = "Invalid request body"


class InvalidInitiatingAccount(PaymentInvalid):
    code = "MESSAGE_BAI561_0017"
    message = "Invalid initiating party account number"


class InvalidCounterpartyAccount(PaymentInvalid):
    code = "MESSAGE_BAI561_0018"
    message = "Invalid counter party account number"


class SameAccounts(PaymentInvalid):
    code = "MESSAGE_BAI561_0019"
    message = "Initiating Party and counterparty account numbers are same"


class InvalidRemittanceCharacters(PaymentInvalid):
    code = "MESSAGE_BAI561_0022"
    message = "Remittance information has invalid character or characters"


class InvalidCounterpartyNameCharacters(PaymentInvalid):
    code = "MESSAGE_BAI561_0023"
    message = "Counter party name has invalid character or characters"


class AmountNotPositive(PaymentInvalid):
    code = "MESSAGE_BAI561_0024"
    message = "Amount is negative or zero"


class CurrencyNotEur(PaymentInvalid):
    code = "MESSAGE_BAI561_0043"
    message = "Currency is not 'EUR'"


class CounterpartyAccountBlank(PaymentInvalid):
    code = "MESSAGE_BAI561_0060"
    message = "Counterparty account number is blank"


class CounterpartyAccountTooLong(PaymentInvalid):
    code = "MESSAGE_BAI561_0061"
    message = "Counterparty account number length is greater than 34"


class CounterpartyAccountNotAlphanumeric(PaymentInvalid):
    code = "MESSAGE_BAI561_0062"
    message = "Counterparty account number is not alphanumeric"


class AmountMissing(PaymentInvalid):
    code = "MESSAGE_BAI561_0063"
    message = "Amount is mandatory"


class AmountInvalid(PaymentInvalid):
    code = "MESSAGE_BAI561_0064"
    message = "Amount is invalid"


class InvalidReference(PaymentInvalid):
    code = "MESSAGE_BAI561_0065"
    message = "Invalid reference ID"


class TransactionMismatch(PaymentInvalid):
    code = "MESSAGE_BAI561_0067"
    message = "Mismatch TransactionID call and token"


class PaymentNotExecutable(PaymentInvalid):
    code = "MESSAGE_BAI561_0068"
    message = "The status of the payment does not allow this"


class CounterpartyNameTooLong(PaymentInvalid):
    code = "MESSAGE_BAI561_0070"
    message = "Counter party name is greater than 70 characters"


class CounterpartyNameBlank(PaymentInvalid):
    code = "MESSAGE_BAI561_0071"
    message = "Counter party name is blank"


class RemittanceTooLong(PaymentInvalid):
    code = "MESSAGE_BAI561_0072"
    message = "Remittance info field length is greater than 140 characters"


class PaymentNotFound(NotFound):
    code = "MESSAGE_BAI561_0030"
    message = "No payment details found"


class PaymentForbidden(BankError):
    """A 403 of the payment API."""

    status = 403
    code = "MESSAGE_BAI561_0045"
    category = "FORBIDDEN"
    message = "Mismatch account number in call and token"


class WrongScope(PaymentForbidden):
    # The category is the AIS one, so clients that know ERR_3002_003 read this as a scope problem too.
    code = "MESSAGE_BAI561_0046"
    category = "INSUFFICIENT_SCOPE"
    message = "Wrong scope"


class WrongGrantType(PaymentForbidden):
    code = "MESSAGE_BAI561_0048"
    message = "Wrong granttype for token"


class DateOutOfRange(PaymentForbidden):
    code = "MESSAGE_DAO375_0004"
    message = "Date is out of range"


# --- payment initiation: batches ------------------------------------------------------------------------


class BatchInvalid(InvalidRequest):
    """A 400 of the batch API: the call or the file's envelope is wrong, so the file is not read at all."""


class BatchFileNameInvalid(BatchInvalid):
    code = "MESSAGE_BAI556_0002"
    message = "Batch file name provided is blank or having invalid characters"


class BatchNotXml(BatchInvalid):
    code = "MESSAGE_BAI556_0003"
    message = 'Batch file data does not start with xml definition ("<?xml")'


class BatchNotBase64(BatchInvalid):
    code = "MESSAGE_BAI556_0013"
    message = "The incoming file data is not base64 encoded"


class BatchNotGzip(BatchInvalid):
    code = "MESSAGE_BAI556_0015"
    message = "File data is not in gzipped format"


class BatchNotPain(BatchInvalid):
    code = "MESSAGE_BAI556_0016"
    message = "File Type is not in PAIN format"


class BatchForbidden(BankError):
    """A 403 of the batch API."""

    status = 403
    code = "MESSAGE_BAI556_0023"
    category = "FORBIDDEN"
    message = "Wrong account number present in authorization token"


class BatchNoAccount(BatchForbidden):
    code = "MESSAGE_BAI556_0022"
    message = "No account number present in authorization token"


class BatchWrongScope(BatchForbidden):
    code = "MESSAGE_BAI556_0024"
    category = "INSUFFICIENT_SCOPE"
    message = "Wrong scope is provided in authorization token"


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
