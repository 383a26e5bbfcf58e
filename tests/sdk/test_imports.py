"""The SDK stands alone: importing it pulls in none of the servers or the world."""

from __future__ import annotations

import subprocess
import sys

import client_sdk

FORBIDDEN = ("mockbank", "consent_server", "scenarios")


def test_a_fresh_interpreter_imports_the_sdk_without_the_servers():
    script = (
        "import sys\n"
        "import client_sdk, client_sdk.headless, client_sdk.sandbox, client_sdk.abnamro\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == ""
    assert result.stderr == ""


def test_the_public_names_other_code_relies_on():
    for name in (
        "AbnAmroClient",
        "BankSandbox",
        "HeadlessUser",
        "AuthorizationResult",
        "RetryPolicy",
        "TokenSet",
        "ConsentInfo",
        "AccountDetails",
        "Balance",
        "Transaction",
        "TransactionPage",
        "Funds",
        "BankApiError",
        "OAuthError",
        "AuthorizationRedirectError",
        "error_from_response",
        "pkce",
    ):
        assert hasattr(client_sdk, name), name
    assert set(client_sdk.__all__) <= set(dir(client_sdk))
