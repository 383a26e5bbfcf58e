"""The portal's errors. The eAccounting API and the sandbox answer them in Visma's error shape (``wire.error_body``)."""

from __future__ import annotations


class PortalError(Exception):
    """An error with an HTTP status, a Visma-style numeric code, a Dutch message and a developer message."""

    status = 400
    code = 4000
    message = "Het verzoek is ongeldig."

    def __init__(self, developer_message: str | None = None, *, message: str | None = None, field: str | None = None):
        if message is not None:
            self.message = message
        self.developer_message = developer_message or self.message
        self.field = field
        super().__init__(self.developer_message)


class ValidationFailed(PortalError):
    """Input that breaks a rule; ``field`` names the offending field, ``problems`` every broken rule (this first).

    The API answers the first; a form shows them all at once.
    """

    status = 400
    code = 4000

    def __init__(self, developer_message: str | None = None, *, message: str | None = None, field: str | None = None):
        super().__init__(developer_message, message=message, field=field)
        self.problems: list[ValidationFailed] = [self]

    @classmethod
    def of(cls, problems: list[ValidationFailed]) -> ValidationFailed:
        """The first problem, carrying all of them."""
        first = problems[0]
        first.problems = list(problems)
        return first


class Unauthorized(PortalError):
    """No valid bearer token for an administration."""

    status = 401
    code = 4010
    message = "Je bent niet ingelogd bij een administratie."


class NotFound(PortalError):
    """The thing asked for does not exist (for this administration)."""

    status = 404
    code = 4004
    message = "Niet gevonden."


class Conflict(PortalError):
    """A rule about the current state refuses the change (not eligible, already linked...)."""

    status = 409
    code = 4009


class SandboxError(PortalError):
    """Bad input to the sandbox API."""

    status = 400
    code = 4000


class SandboxUnauthorized(PortalError):
    """A sandbox request without the host's sandbox token (``SANDBOX_TOKEN``)."""

    status = 401
    code = 4010
    message = "Deze sandbox vraagt om zijn token."

    def __init__(self):
        super().__init__("This sandbox needs its token: Authorization: Bearer <SANDBOX_TOKEN>")


class BankError(PortalError):
    """A bank answer the portal cannot use; ``cause`` says why in a few Dutch words (for the mails)."""

    cause = "een technische fout bij de bank"

    def __init__(self, developer_message: str | None = None, *, message: str | None = None, cause: str | None = None):
        if cause is not None:
            self.cause = cause
        super().__init__(developer_message, message=message)


class BankUnavailable(BankError):
    """The bank did not answer as expected (network, token endpoint, consent info)."""

    status = 502
    code = 5020
    message = "De bank is op dit moment niet bereikbaar. Probeer het later opnieuw."


class BankAccessEnded(BankError):
    """The bank no longer accepts the link's tokens (consent expired or withdrawn, refresh token dead)."""

    status = 409
    code = 4009
    message = "De bank geeft geen toegang meer tot deze rekening."
    cause = "de bank weigert de toegang"


class ActivationRefused(PortalError):
    """An activation link that cannot be used: ``reason`` is ``unknown``, ``used``, ``expired`` or ``superseded``."""

    status = 410
    code = 4100

    def __init__(self, reason: str, message: str, *, status: int = 410):
        self.reason = reason
        self.status = status
        super().__init__(f"activation link {reason}", message=message)


class CallbackRefused(PortalError):
    """A bank-initiated registration the portal refuses; ``reason`` is a short machine code for the bank."""

    status = 400
    code = 4000

    def __init__(self, reason: str, message: str, *, status: int = 400, developer_message: str | None = None):
        self.reason = reason
        self.status = status
        super().__init__(developer_message or message, message=message)


class DetailsInvalid(Exception):
    """The wizard's input broke rules: one Dutch message per field; nothing was stored."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
