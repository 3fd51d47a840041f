"""Bearer-token verification inside the app (no API Gateway authorizer).

Local stage: HS256 tokens signed with the dev secret, issuer `remixery-local`.
Deployed stages: RS256 tokens from the Cognito user pool, verified against its JWKS (fetched
lazily, cached, refetched once for an unknown `kid`); issuer and app client checked. The
algorithm list is fixed per stage, so `alg: none` and HS256-with-the-public-key are refused.
PyJWT is imported on first use: it pulls in `cryptography`, which /health does not need.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from chalicelib.config import Settings
from chalicelib.errors import Forbidden, ServiceUnavailable, Unauthorized

CLOCK_LEEWAY_SECONDS = 60
# After a fetch, an unknown kid triggers a refetch only once this many seconds have passed,
# so tokens with made-up kids cannot make us hammer the user pool's JWKS endpoint.
JWKS_REFETCH_COOLDOWN_SECONDS = 30
PRODUCER = "producer"
ADMIN = "admin"
MODERATOR = "moderator"  # acts on reports and copyright notices (an admin may too)
_SUBJECT = re.compile(r"[!-\"$-~]{1,128}")  # printable ASCII but '#'
MAX_GROUPS = 25


@dataclass(frozen=True)
class Principal:
    sub: str
    groups: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.groups

    @property
    def is_producer(self) -> bool:
        return PRODUCER in self.groups or self.is_admin

    @property
    def is_moderator(self) -> bool:
        return MODERATOR in self.groups or self.is_admin


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None when no header was sent."""
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthorized("The Authorization header must be 'Bearer <token>'.")
    return token


def authenticate(authorization: str | None, settings: Settings) -> Principal | None:
    token = bearer_token(authorization)
    if token is None:
        return None
    claims = _verify_local(token, settings) if settings.is_local else _verify_cognito(token, settings)
    return _principal_from(claims)


def require_group(principal: Principal, group: str) -> None:
    if group == ADMIN:
        allowed = principal.is_admin
    elif group == MODERATOR:
        allowed = principal.is_moderator
    else:
        allowed = principal.is_producer
    if not allowed:
        raise Forbidden(f"This action needs the '{group}' role.")


def _verify_local(token: str, settings: Settings) -> dict:
    import jwt

    try:
        return jwt.decode(
            token,
            settings.dev_jwt_secret.get_secret_value(),
            algorithms=["HS256"],
            issuer=settings.token_issuer,
            leeway=CLOCK_LEEWAY_SECONDS,
            options={"require": ["exp", "sub", "iss"], "verify_aud": False},
        )
    except jwt.PyJWTError as e:
        raise Unauthorized(_describe(e)) from e


def _verify_cognito(token: str, settings: Settings) -> dict:
    import jwt

    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != "RS256":
            raise Unauthorized("Tokens must be RS256 tokens issued by the user pool.")
        signing_key = _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            issuer=settings.token_issuer,
            leeway=CLOCK_LEEWAY_SECONDS,
            options={"require": ["exp", "sub", "iss"], "verify_aud": False},
        )
    except jwt.PyJWKClientConnectionError as e:
        raise ServiceUnavailable("The identity provider's keys could not be fetched.") from e
    except jwt.PyJWTError as e:
        raise Unauthorized(_describe(e)) from e
    _check_app_client(claims, settings.cognito_app_client_id)
    return claims


def _check_app_client(claims: dict, app_client_id: str | None) -> None:
    """ID tokens carry the app client in `aud`; access tokens in `client_id`."""
    token_use = claims.get("token_use")
    if token_use == "access":
        matches = claims.get("client_id") == app_client_id
    elif token_use == "id":
        aud = claims.get("aud")
        matches = aud == app_client_id or (isinstance(aud, list) and app_client_id in aud)
    else:
        raise Unauthorized("The token's 'token_use' must be 'id' or 'access'.")
    if not matches:
        raise Unauthorized("The token was issued for another app client.")


@lru_cache(maxsize=4)
def _jwks_client(url: str):
    import jwt

    # PyJWKClient refetches the key set once when a token names an unknown kid.
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5,
                           cooldown_duration=JWKS_REFETCH_COOLDOWN_SECONDS)


def _principal_from(claims: dict) -> Principal:
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip():
        raise Unauthorized("The token has no subject.")
    # Cognito's subjects are UUIDs; a subject is part of storage keys, so it is bounded and
    # keeps to printable ASCII without the keys' separator.
    if not _SUBJECT.fullmatch(sub):
        raise Unauthorized("The token's subject must be 1-128 printable ASCII characters without '#'.")
    groups = claims.get("cognito:groups", [])
    if not isinstance(groups, list) or len(groups) > MAX_GROUPS or not all(
            isinstance(g, str) and len(g) <= 128 for g in groups):
        raise Unauthorized(f"The token's 'cognito:groups' claim must be a list of at most {MAX_GROUPS} names.")
    return Principal(sub=sub, groups=frozenset(groups))


def _describe(error: Exception) -> str:
    import jwt

    messages = {
        jwt.ExpiredSignatureError: "The token has expired.",
        jwt.InvalidIssuerError: "The token was issued by someone else.",
        jwt.InvalidAlgorithmError: "The token's signing algorithm is not accepted.",
        jwt.InvalidSignatureError: "The token's signature is not valid.",
        jwt.MissingRequiredClaimError: f"The token lacks a required claim: {error}.",
        jwt.ImmatureSignatureError: "The token is not valid yet.",
        jwt.PyJWKClientError: "The token was not signed by a known key.",
        jwt.DecodeError: "The token is malformed.",
    }
    for kind, message in messages.items():
        if isinstance(error, kind):
            return message
    return "The token is not valid."
