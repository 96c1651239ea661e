"""A development identity provider: an RSA key set, demo users and signed tokens.

Production reads the JWKS URL of the municipality's identity provider (``OIDC_JWKS_URL``); this
module exists so ``make run``, ``make token`` and the tests have real RS256 tokens to verify.

    python -m infohus_tools.devidp token ssp_coordinator      # a token for the demo SSP coordinator
    python -m infohus_tools.devidp users                      # the demo users

One development identity provider per organisation (sign-in across organisations, issue 13): each has its
own key directory (``org_idp_dir``) and issuer name (``org_issuer``); ``public_jwks`` is its key set as the
district document carries it inline. Keys are generated on first use.
"""

import base64
import json
import os
import time
from pathlib import Path
from uuid import uuid4

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "infohus-dev-idp"
AUDIENCE = "infohus"
KEY_ID = "infohus-dev-1"
DEFAULT_DIR = Path("var/dev-idp")

# One demo user per role, in Vesthimmerland (820) and Nordjyllands Politi, plus a neighbour
# municipality's coordinator and a second authority's caseworker for need-to-know tests.
DEMO_USERS: dict[str, dict] = {
    "ssp_coordinator": {"sub": "u-ssp-820", "name": "Sanne Sørensen", "roles": ["ssp_coordinator"]},
    "police_coordinator": {"sub": "u-pol-nj", "name": "Peter Østergaard", "roles": ["police_coordinator"],
                           "org": "politikreds-nordjylland", "municipality_code": None},
    "registration_coordinator": {"sub": "u-reg-820", "name": "Rikke Ærø", "roles": ["registration_coordinator"]},
    "leadership": {"sub": "u-lead-820", "name": "Lars Løkke Ledelse", "roles": ["leadership"]},
    "authority_caseworker": {"sub": "u-soc-820", "name": "Karen Kløvedal", "roles": ["authority_caseworker"],
                             "authority": "social_services_u18"},
    "authority_caseworker_jobcenter": {"sub": "u-job-820", "name": "Jens Jobcenter", "roles": ["authority_caseworker"],
                                       "authority": "employment_education"},
    "network_member": {"sub": "u-net-851", "name": "Nina Netværk", "roles": ["network_member"],
                       "org": "kommune-851", "municipality_code": "851"},
    "compliance_officer": {"sub": "u-dpo-820", "name": "Dorte Databeskyttelse", "roles": ["compliance_officer"]},
    "partner_system": {"sub": "partner-sbsys", "name": "SBSYS", "roles": ["partner_system"]},
    "admin": {"sub": "u-ops-820", "name": "Ole Drift", "roles": ["admin"]},
    "ssp_coordinator_851": {"sub": "u-ssp-851", "name": "Søren Aalborg", "roles": ["ssp_coordinator"],
                            "org": "kommune-851", "municipality_code": "851"},
}


def key_dir(directory: Path | None = None) -> Path:
    return directory or DEFAULT_DIR


def org_idp_dir(org: str, base: Path | None = None) -> Path:
    """The key directory of one organisation's development identity provider (under ``base``)."""
    return key_dir(base) / org


def org_issuer(org: str) -> str:
    """The issuer name of one organisation's development identity provider."""
    return f"{ISSUER}/{org}"


def ensure_keys(directory: Path | None = None) -> Path:
    """Create the key pair and JWKS once; returns the JWKS file."""
    folder = key_dir(directory)
    private_path, jwks_path = folder / "private.pem", folder / "jwks.json"
    if private_path.exists() and jwks_path.exists():
        return jwks_path
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    public_jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    public_jwk |= {"kid": KEY_ID, "use": "sig", "alg": "RS256"}
    tmp = private_path.with_suffix(".tmp")
    tmp.write_bytes(pem)
    tmp.chmod(0o600)
    tmp.replace(private_path)
    jwks_path.write_text(json.dumps({"keys": [public_jwk]}))
    return jwks_path


def public_jwks(directory: Path | None = None) -> dict:
    """The identity provider's public key set (JWKS), to put inline in a district document."""
    return json.loads(ensure_keys(directory).read_text())


def dev_addressing_key(directory: Path | None = None) -> str:
    """A development key for sealing citizens' addresses to notify (production sets INFOHUS_ADDRESSING_KEY)."""
    path = key_dir(directory) / "addressing.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode())
        path.chmod(0o600)
    return path.read_text().strip()


def issue_token(user: str | dict, directory: Path | None = None, ttl_seconds: int = 8 * 3600, *,
                issuer: str = ISSUER, **claims) -> str:
    """Sign a token for a demo user (by name) or for explicit claims, with the key in ``directory`` (one
    per organisation's identity provider) as ``issuer``."""
    ensure_keys(directory)
    base = DEMO_USERS[user] if isinstance(user, str) else user
    now = int(time.time())
    payload = {
        "iss": issuer, "aud": AUDIENCE, "iat": now, "exp": now + ttl_seconds, "jti": str(uuid4()),
        "org": "kommune-820", "municipality_code": "820", "police_district": "nordjylland",
    } | base | claims
    private = (key_dir(directory) / "private.pem").read_bytes()
    return jwt.encode(payload, private, algorithm="RS256", headers={"kid": KEY_ID})
