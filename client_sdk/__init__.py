"""Python SDK for ABN AMRO's account information API and the mock bank's sandbox.

Depends on ``requests`` (and MechanicalSoup for ``HeadlessUser``) only, so it works the same
against the real ABN AMRO sandbox, ``mockbank serve`` and the in-process world: only base URLs change.
"""

from client_sdk import pkce
from client_sdk.abnamro import AbnAmroClient
from client_sdk.errors import AccessDeniedError
from client_sdk.errors import APIConnectionError
from client_sdk.errors import AuthenticationError
from client_sdk.errors import AuthorizationRedirectError
from client_sdk.errors import BankApiError
from client_sdk.errors import InsufficientScopeError
from client_sdk.errors import InvalidClientError
from client_sdk.errors import InvalidGrantError
from client_sdk.errors import InvalidRequestError
from client_sdk.errors import InvalidRequestOAuthError
from client_sdk.errors import InvalidScopeError
from client_sdk.errors import NotFoundError
from client_sdk.errors import OAuthError
from client_sdk.errors import OAuthServerError
from client_sdk.errors import PermissionDeniedError
from client_sdk.errors import RateLimitError
from client_sdk.errors import ServerError
from client_sdk.errors import UnauthorizedClientError
from client_sdk.errors import UnsupportedGrantTypeError
from client_sdk.errors import error_from_response
from client_sdk.headless import AuthorizationResult
from client_sdk.headless import HeadlessUser
from client_sdk.headless import HeadlessUserError
from client_sdk.http import RetryPolicy
from client_sdk.models import AccountDetails
from client_sdk.models import Balance
from client_sdk.models import BatchProblem
from client_sdk.models import BatchReceipt
from client_sdk.models import ConsentInfo
from client_sdk.models import Funds
from client_sdk.models import PaymentStatus
from client_sdk.models import TokenSet
from client_sdk.models import Transaction
from client_sdk.models import TransactionPage
from client_sdk.sandbox import BankSandbox

__all__ = [
    "APIConnectionError",
    "AbnAmroClient",
    "AccessDeniedError",
    "AccountDetails",
    "AuthenticationError",
    "AuthorizationRedirectError",
    "AuthorizationResult",
    "Balance",
    "BankApiError",
    "BankSandbox",
    "BatchProblem",
    "BatchReceipt",
    "ConsentInfo",
    "Funds",
    "HeadlessUser",
    "HeadlessUserError",
    "InsufficientScopeError",
    "InvalidClientError",
    "InvalidGrantError",
    "InvalidRequestError",
    "InvalidRequestOAuthError",
    "InvalidScopeError",
    "NotFoundError",
    "OAuthError",
    "OAuthServerError",
    "PaymentStatus",
    "PermissionDeniedError",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "TokenSet",
    "Transaction",
    "TransactionPage",
    "UnauthorizedClientError",
    "UnsupportedGrantTypeError",
    "error_from_response",
    "pkce",
]
