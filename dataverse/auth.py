"""Credentials that hand the Dataverse client a bearer token for ``{org url}/.default``.

Every credential has one method, ``get_token(scope) -> str``. The msal ones keep ONE
``ConfidentialClientApplication`` per credential object, built on first use (msal may fetch the
authority's metadata when the app is built, and nothing here may touch the network at import or
construction time); ``acquire_token_for_client`` answers from msal's in-memory token cache until the
token nears expiry. Secrets and keys live in private attributes and never appear in ``repr``/``str``
or in error messages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from dataverse.errors import CredentialError

__all__ = [
    "ClientCertificateAuth",
    "ClientSecretAuth",
    "ManagedIdentityAuth",
    "StaticTokenAuth",
    "TokenCredential",
    "scope_for",
]

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"

AppFactory = Callable[..., Any]
"""Builds an msal-like app: ``factory(client_id, authority=..., client_credential=...)``."""


@runtime_checkable
class TokenCredential(Protocol):
    def get_token(self, scope: str) -> str: ...


def scope_for(org_url: str) -> str:
    """The client-credentials scope of a Dataverse environment: ``https://org.crm4.dynamics.com/.default``."""
    return f"{org_url.rstrip('/')}/.default"


class _MsalAuth:
    """Client credentials through msal; subclasses decide what the client credential is."""

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        *,
        authority_host: str = DEFAULT_AUTHORITY_HOST,
        app_factory: AppFactory | None = None,
    ) -> None:
        if not tenant_id or not client_id:
            raise ValueError("tenant_id and client_id are required")
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self._app_factory = app_factory
        self._app: Any = None
        self._lock = threading.Lock()

    def _client_credential(self) -> str | Mapping[str, str]:
        raise NotImplementedError

    def _application(self) -> Any:
        with self._lock:
            if self._app is None:
                factory = self._app_factory
                if factory is None:
                    import msal

                    factory = msal.ConfidentialClientApplication
                try:
                    self._app = factory(
                        self.client_id, authority=self.authority, client_credential=self._client_credential()
                    )
                except Exception as error:  # noqa: BLE001 - msal raises ValueError and requests errors alike
                    raise CredentialError(
                        f"could not build the msal application for client {self.client_id}: "
                        f"{type(error).__name__}"
                    ) from None
            return self._app

    def get_token(self, scope: str) -> str:
        app = self._application()
        try:
            result = app.acquire_token_for_client(scopes=[scope])
        except Exception as error:  # noqa: BLE001 - network errors from msal's HTTP client
            raise CredentialError(f"token request to Entra failed: {type(error).__name__}") from None
        if not isinstance(result, Mapping) or "access_token" not in result:
            detail = result if isinstance(result, Mapping) else {}
            raise CredentialError(
                f"Entra refused the token request for client {self.client_id}: "
                f"{detail.get('error', 'unknown_error')}: {str(detail.get('error_description', ''))[:300]}"
            )
        return str(result["access_token"])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(tenant_id={self.tenant_id!r}, client_id={self.client_id!r})"

    __str__ = __repr__


class ClientSecretAuth(_MsalAuth):
    """An Entra app registration's client id and secret (``DATAVERSE_CLIENT_SECRET``)."""

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        *,
        authority_host: str = DEFAULT_AUTHORITY_HOST,
        app_factory: AppFactory | None = None,
    ) -> None:
        super().__init__(tenant_id, client_id, authority_host=authority_host, app_factory=app_factory)
        if not client_secret:
            raise ValueError("client_secret is required")
        self._secret = client_secret

    def _client_credential(self) -> str:
        return self._secret


class ClientCertificateAuth(_MsalAuth):
    """An app registration's certificate: PEM private key plus the certificate (or its SHA-1 thumbprint)."""

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        *,
        private_key_pem: str,
        certificate_pem: str | None = None,
        thumbprint: str | None = None,
        authority_host: str = DEFAULT_AUTHORITY_HOST,
        app_factory: AppFactory | None = None,
    ) -> None:
        super().__init__(tenant_id, client_id, authority_host=authority_host, app_factory=app_factory)
        if not private_key_pem:
            raise ValueError("private_key_pem is required")
        if thumbprint is None and certificate_pem is None:
            raise ValueError("give certificate_pem or thumbprint")
        self._private_key = private_key_pem
        self._certificate = certificate_pem
        self.thumbprint = thumbprint or _sha1_thumbprint(certificate_pem or "")

    def _client_credential(self) -> Mapping[str, str]:
        credential = {"private_key": self._private_key, "thumbprint": self.thumbprint}
        if self._certificate:
            credential["public_certificate"] = self._certificate  # enables subject-name/issuer auth
        return credential


class ManagedIdentityAuth:
    """The Function App's managed identity via azure-identity (system-assigned, or user-assigned by id)."""

    def __init__(self, client_id: str | None = None) -> None:
        self.client_id = client_id
        self._credential: Any = None
        self._lock = threading.Lock()

    def get_token(self, scope: str) -> str:
        with self._lock:
            if self._credential is None:
                from azure.identity import ManagedIdentityCredential

                self._credential = (
                    ManagedIdentityCredential(client_id=self.client_id)
                    if self.client_id
                    else ManagedIdentityCredential()
                )
        try:
            return str(self._credential.get_token(scope).token)
        except Exception as error:  # noqa: BLE001 - azure-identity raises several unrelated types
            raise CredentialError(f"managed identity token request failed: {type(error).__name__}") from None

    def __repr__(self) -> str:
        return f"ManagedIdentityAuth(client_id={self.client_id!r})"


class StaticTokenAuth:
    """A fixed bearer token: for the local emulator (which accepts any token it is told to) and tests."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, scope: str) -> str:
        return self._token

    def __repr__(self) -> str:
        return "StaticTokenAuth(token=***)"


def _sha1_thumbprint(certificate_pem: str) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    certificate = x509.load_pem_x509_certificate(certificate_pem.encode("ascii"))
    return certificate.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - Entra's thumbprint is SHA-1
