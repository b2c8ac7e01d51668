"""Test RSA keys and self-signed certificates that sign simulated webhook transmissions.

Signing follows PayPal's scheme: RSA PKCS#1 v1.5 with SHA-256 over
``{transmission_id}|{transmission_time}|{webhook_id}|{crc32(body) as unsigned decimal}``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

COMMON_NAME = "messageverificationcerts.paypal-simulator.localhost"
AUTH_ALGO = "SHA256withRSA"


def message(transmission_id: str, transmission_time: str, webhook_id: str, body: bytes) -> bytes:
    crc = binascii.crc32(body) & 0xFFFFFFFF
    return f"{transmission_id}|{transmission_time}|{webhook_id}|{crc}".encode()


@dataclass(frozen=True)
class SigningCertificate:
    name: str  # last path segment of the certificate URL
    key: rsa.RSAPrivateKey
    pem: bytes

    @classmethod
    def generate(cls, name: str, *, expired: bool = False) -> SigningCertificate:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.now(UTC)
        start, end = (
            (now - timedelta(days=30), now - timedelta(days=1))
            if expired
            else (
                now - timedelta(days=1),
                now + timedelta(days=365),
            )
        )
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "PayPal simulator (test only)"),
                x509.NameAttribute(NameOID.COMMON_NAME, COMMON_NAME),
            ]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .sign(key, hashes.SHA256())
        )
        return cls(name=name, key=key, pem=cert.public_bytes(serialization.Encoding.PEM))

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")

    def verifies(self, signature_b64: str, data: bytes) -> bool:
        try:
            signature = base64.b64decode(signature_b64, validate=True)
            self.key.public_key().verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        except (binascii.Error, ValueError, InvalidSignature):
            return False
        return True
