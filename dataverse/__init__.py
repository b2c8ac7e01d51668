"""Dataverse Web API client (msal + requests), table definitions and event parsing.

The client talks to a real environment and to ``local_runtime.dataverse_emulator`` alike; only the
base URL and the credential differ.
"""

from dataverse._transport import ClientStats
from dataverse.addressing import AlternateKey, RowRef, bind, entity_path, guid_from_entity_id, odata_literal
from dataverse.auth import (
    ClientCertificateAuth,
    ClientSecretAuth,
    ManagedIdentityAuth,
    StaticTokenAuth,
    TokenCredential,
    scope_for,
)
from dataverse.batch import MAX_BATCH_OPERATIONS, BatchOperation, BatchResult, UpsertMode
from dataverse.client import DEFAULT_BULK_CHUNK_SIZE, DEFAULT_RETRY, DataverseClient
from dataverse.errors import (
    AlreadyExistsError,
    AuthError,
    ConcurrencyError,
    CredentialError,
    DataverseApiError,
    DataverseConnectionError,
    DataverseError,
    DuplicateRecordError,
    NotFoundError,
    PreconditionFailedError,
    ThrottledError,
    ValidationError,
    error_from_parts,
)

__all__ = [
    "DEFAULT_BULK_CHUNK_SIZE",
    "DEFAULT_RETRY",
    "MAX_BATCH_OPERATIONS",
    "AlreadyExistsError",
    "AlternateKey",
    "AuthError",
    "BatchOperation",
    "BatchResult",
    "ClientCertificateAuth",
    "ClientSecretAuth",
    "ClientStats",
    "ConcurrencyError",
    "CredentialError",
    "DataverseApiError",
    "DataverseClient",
    "DataverseConnectionError",
    "DataverseError",
    "DuplicateRecordError",
    "ManagedIdentityAuth",
    "NotFoundError",
    "PreconditionFailedError",
    "RowRef",
    "StaticTokenAuth",
    "ThrottledError",
    "TokenCredential",
    "UpsertMode",
    "ValidationError",
    "bind",
    "entity_path",
    "error_from_parts",
    "guid_from_entity_id",
    "odata_literal",
    "scope_for",
]
