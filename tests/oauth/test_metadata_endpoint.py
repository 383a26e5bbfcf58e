"""RFC 8414 metadata at ``/.well-known/oauth-authorization-server``: generic clients discover the server."""

from __future__ import annotations

from authlib.oauth2.rfc8414 import AuthorizationServerMetadata


def test_metadata_names_every_endpoint_on_the_host_asked(bank_app):
    client = bank_app.test_client()

    response = client.get(
        "/.well-known/oauth-authorization-server", base_url="https://auth-sandbox.connect.abnamro.com"
    )

    assert response.status_code == 200
    data = response.get_json()
    base = "https://auth-sandbox.connect.abnamro.com"
    assert data["issuer"] == base
    assert data["authorization_endpoint"] == base + "/as/authorization.oauth2"
    assert data["token_endpoint"] == base + "/as/token.oauth2"
    assert data["revocation_endpoint"] == base + "/as/revoke_token.oauth2"
    assert data["introspection_endpoint"] == base + "/as/introspect.oauth2"
    assert "psd2:account:transaction:read" in data["scopes_supported"]
    assert "S256" in data["code_challenge_methods_supported"]
    assert set(data["grant_types_supported"]) == {"authorization_code", "refresh_token", "client_credentials"}
    AuthorizationServerMetadata(data).validate()


def test_metadata_follows_the_server_mode_prefix(bank_app):
    client = bank_app.test_client()

    data = client.get(
        "/.well-known/oauth-authorization-server",
        base_url="http://127.0.0.1:8000",
        environ_overrides={"SCRIPT_NAME": "/abnamro-auth"},
    ).get_json()

    assert data["issuer"] == "http://127.0.0.1:8000/abnamro-auth"
    assert data["token_endpoint"] == "http://127.0.0.1:8000/abnamro-auth/as/token.oauth2"
