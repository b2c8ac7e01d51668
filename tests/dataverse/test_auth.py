"""Credentials: no call reaches Entra here; msal's app is replaced by a recording factory."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from dataverse import (
    ClientCertificateAuth,
    ClientSecretAuth,
    CredentialError,
    DataverseClient,
    ManagedIdentityAuth,
    StaticTokenAuth,
    scope_for,
)
from local_runtime.dataverse_emulator import DataverseEmulator

SECRET = "s3cr3t-value-never-printed"


class FakeApp:
    instances: ClassVar[list[FakeApp]] = []

    def __init__(self, client_id: str, *, authority: str, client_credential: Any) -> None:
        self.client_id = client_id
        self.authority = authority
        self.client_credential = client_credential
        self.scopes: list[list[str]] = []
        self.answer: dict[str, Any] = {"access_token": "token-from-entra", "expires_in": 3599}
        FakeApp.instances.append(self)

    def acquire_token_for_client(self, *, scopes: list[str]) -> dict[str, Any]:
        self.scopes.append(scopes)
        return self.answer


@pytest.fixture(autouse=True)
def _clear_instances() -> None:
    FakeApp.instances.clear()


def test_scope_is_the_org_url_plus_default() -> None:
    assert scope_for("https://contoso.crm4.dynamics.com/") == "https://contoso.crm4.dynamics.com/.default"
    client = DataverseClient("https://contoso.crm4.dynamics.com", StaticTokenAuth("x"))
    assert client.scope == "https://contoso.crm4.dynamics.com/.default"
    assert client.api_url == "https://contoso.crm4.dynamics.com/api/data/v9.2/"


def test_client_secret_auth_builds_one_msal_app_lazily_and_reuses_it() -> None:
    auth = ClientSecretAuth("tenant-1", "client-1", SECRET, app_factory=FakeApp)
    assert FakeApp.instances == []  # nothing built (or fetched) at construction
    assert auth.get_token("https://org/.default") == "token-from-entra"
    assert auth.get_token("https://org/.default") == "token-from-entra"
    (app,) = FakeApp.instances
    assert app.authority == "https://login.microsoftonline.com/tenant-1"
    assert app.client_credential == SECRET
    assert app.scopes == [["https://org/.default"], ["https://org/.default"]]


def test_the_secret_never_appears_in_repr_str_or_errors() -> None:
    auth = ClientSecretAuth("tenant-1", "client-1", SECRET, app_factory=FakeApp)
    assert SECRET not in repr(auth) and SECRET not in str(auth)
    auth.get_token("https://org/.default")
    FakeApp.instances[0].answer = {
        "error": "invalid_client",
        "error_description": "AADSTS7000215: bad secret",
    }
    with pytest.raises(CredentialError) as raised:
        auth.get_token("https://org/.default")
    assert "invalid_client" in str(raised.value)
    assert SECRET not in str(raised.value) and SECRET not in repr(raised.value)
    assert "token" not in repr(StaticTokenAuth("abc")).replace("token=***", "")


def _certificate() -> tuple[str, str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smart-connectors")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return (
        key_pem,
        certificate.public_bytes(serialization.Encoding.PEM).decode(),
        certificate.fingerprint(
            hashes.SHA1()  # noqa: S303
        )
        .hex()
        .upper(),
    )


def test_certificate_auth_hands_msal_the_key_and_the_certificate_thumbprint() -> None:
    key_pem, cert_pem, thumbprint = _certificate()
    auth = ClientCertificateAuth(
        "tenant-1", "client-1", private_key_pem=key_pem, certificate_pem=cert_pem, app_factory=FakeApp
    )
    assert auth.get_token("https://org/.default") == "token-from-entra"
    credential = FakeApp.instances[0].client_credential
    assert credential["thumbprint"] == thumbprint
    assert credential["private_key"] == key_pem
    assert "PRIVATE KEY" not in repr(auth)


def test_managed_identity_is_built_without_touching_the_network() -> None:
    auth = ManagedIdentityAuth(client_id="11111111-2222-3333-4444-555555555555")
    assert "ManagedIdentityAuth" in repr(auth)
    assert auth._credential is None  # azure-identity is imported and built only on first get_token


class RecordingCredential:
    def __init__(self) -> None:
        self.scopes: list[str] = []

    def get_token(self, scope: str) -> str:
        self.scopes.append(scope)
        return "recorded-token"


def test_the_client_asks_for_the_org_scope_and_sends_the_bearer_token() -> None:
    credential = RecordingCredential()
    with (
        DataverseEmulator(expected_token="recorded-token") as emulator,
        DataverseClient(emulator.url, credential) as client,
    ):
        assert client.who_am_i()["UserId"]
    assert credential.scopes == [f"{emulator.url}/.default"]


def test_a_failing_credential_surfaces_as_credential_error() -> None:
    class Broken:
        def get_token(self, scope: str) -> str:
            raise RuntimeError("entra unreachable")

    with (
        DataverseEmulator() as emulator,
        DataverseClient(emulator.url, Broken()) as client,
        pytest.raises(CredentialError),
    ):
        client.who_am_i()
