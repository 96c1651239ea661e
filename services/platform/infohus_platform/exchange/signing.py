"""Signatures of cross-organisation messages: a detached JWS (EdDSA, Ed25519) over the body and its attributes.

The signing input is the canonical JSON of every CloudEvents attribute and exchange header the message carries
(``SIGNED_HEADERS``) and the SHA-256 of the body, so neither the body nor who it claims to be from, for whom, or
under which decision can change in transit. The JWS header names the key (``kid``); the recipient looks the key up
in the district document under the sending organisation, so a key of one organisation never vouches for another.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from infohus_contracts.base.district import District
from infohus_contracts.base.exchange import (
    DECISION_HEADER,
    POLICY_VERSION_HEADER,
    RECIPIENT_HEADER,
    SENDER_HEADER,
    SIGNATURE_HEADER,
)

SIGNED_HEADERS = ("ce_id", "ce_source", "ce_type", "ce_specversion", "ce_time", "ce_subject", "content-type",
                  SENDER_HEADER, RECIPIENT_HEADER, DECISION_HEADER, POLICY_VERSION_HEADER)
ALGORITHM = "EdDSA"


class SignatureRefused(Exception):
    """The message is not signed by its sender: ``code`` is what the refusal is counted as."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def signing_input(headers: dict[str, str], body: bytes) -> bytes:
    attributes = {name: headers[name] for name in SIGNED_HEADERS if name in headers}
    document = {"attributes": attributes, "body_sha256": hashlib.sha256(body).hexdigest()}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Signer:
    """This organisation's private signing key."""

    kid: str
    key: Any

    @classmethod
    def from_file(cls, path: Path) -> "Signer":
        jwk = json.loads(Path(path).read_text("utf-8"))
        return cls(kid=str(jwk["kid"]), key=OKPAlgorithm.from_jwk(jwk))

    def sign(self, headers: dict[str, str], body: bytes) -> str:
        return jwt.PyJWS().encode(signing_input(headers, body), self.key, algorithm=ALGORITHM,
                                  headers={"kid": self.kid}, is_payload_detached=True)


def verify(district: District, sender: str, headers: dict[str, str], body: bytes) -> None:
    """Raise ``SignatureRefused`` unless ``sender`` signed exactly these headers and this body."""
    token = headers.get(SIGNATURE_HEADER)
    if not token:
        raise SignatureRefused("unsigned", "the message carries no signature")
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        raise SignatureRefused("signature", "the signature is not a JWS") from None
    key = district.signing_key(sender, str(kid)) if kid else None
    if key is None:
        raise SignatureRefused("signature", "the signature's key is not one of the sender's in the trust list")
    try:
        jwt.PyJWS().decode_complete(token, key=jwt.PyJWK(dict(key.jwk), ALGORITHM), algorithms=[ALGORITHM],
                                    detached_payload=signing_input(headers, body))
    except (jwt.PyJWTError, ValueError):
        raise SignatureRefused("signature", "the signature does not match the message") from None


def generate_key(kid: str) -> tuple[dict[str, str], dict[str, str]]:
    """A new Ed25519 key pair as (private, public) JWKs, each with ``kid``."""
    private = json.loads(OKPAlgorithm.to_jwk(Ed25519PrivateKey.generate()))
    public = {k: v for k, v in private.items() if k != "d"}
    return private | {"kid": kid}, public | {"kid": kid}
