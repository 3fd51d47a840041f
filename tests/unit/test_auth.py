"""Token verification: HS256 on the local stage, Cognito RS256 via JWKS on deployed stages."""
from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib import auth
from chalicelib.auth import Principal, authenticate, require_group
from chalicelib.config import settings_from
from chalicelib.errors import Forbidden, Unauthorized
from local.tokens import mint
from tests.unit.test_config import DEPLOYED, LOCAL

LOCAL_SETTINGS = settings_from(LOCAL)
POOL = "us-east-1_TestPool"
CLIENT_ID = "remixery-app-client"


def bearer(token: str) -> str:
    return f"Bearer {token}"


# --- local stage ---------------------------------------------------------------------------

def test_no_header_means_anonymous():
    assert authenticate(None, LOCAL_SETTINGS) is None


def test_a_valid_local_token_gives_its_subject_and_groups():
    principal = authenticate(bearer(mint("alice", ["producer"])), LOCAL_SETTINGS)

    assert principal == Principal(sub="alice", groups=frozenset({"producer"}))
    assert principal.is_producer and not principal.is_admin


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic abc", "Token abc", "Bearer a b"])
def test_a_malformed_authorization_header_is_401(header):
    with pytest.raises(Unauthorized):
        authenticate(header, LOCAL_SETTINGS)


def test_an_expired_token_is_refused():
    with pytest.raises(Unauthorized, match="expired"):
        authenticate(bearer(mint("alice", ttl_seconds=-61 - 5)), LOCAL_SETTINGS)


def test_a_token_expired_within_the_clock_leeway_is_accepted():
    assert authenticate(bearer(mint("alice", ttl_seconds=-30)), LOCAL_SETTINGS).sub == "alice"


def test_a_token_signed_with_another_secret_is_refused():
    with pytest.raises(Unauthorized, match="signature"):
        authenticate(bearer(mint("alice", secret="x" * 40)), LOCAL_SETTINGS)


def test_a_token_from_another_issuer_is_refused():
    with pytest.raises(Unauthorized, match="issued by someone else"):
        authenticate(bearer(mint("alice", issuer="https://evil.example")), LOCAL_SETTINGS)


def test_an_unsigned_alg_none_token_is_refused():
    claims = {"sub": "alice", "iss": "remixery-local", "exp": int(time.time()) + 60}
    token = jwt.encode(claims, None, algorithm="none")

    with pytest.raises(Unauthorized):
        authenticate(bearer(token), LOCAL_SETTINGS)


def test_a_token_without_exp_is_refused():
    token = jwt.encode({"sub": "alice", "iss": "remixery-local"}, LOCAL_SETTINGS.dev_jwt_secret.get_secret_value())

    with pytest.raises(Unauthorized, match="exp"):
        authenticate(bearer(token), LOCAL_SETTINGS)


@pytest.mark.parametrize("garbage", ["abc", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30", "é.é.é"])
def test_garbage_tokens_are_refused(garbage):
    with pytest.raises(Unauthorized):
        authenticate(bearer(garbage), LOCAL_SETTINGS)


def test_groups_that_are_not_a_list_are_refused():
    with pytest.raises(Unauthorized, match="cognito:groups"):
        authenticate(bearer(mint("alice", **{"cognito:groups": "admin"})), LOCAL_SETTINGS)


def test_roles_come_from_groups_and_admin_may_act_as_producer():
    admin = Principal("root", frozenset({"admin"}))
    member = Principal("alice", frozenset())

    require_group(admin, "producer")
    require_group(admin, "admin")
    with pytest.raises(Forbidden):
        require_group(member, "producer")
    with pytest.raises(Forbidden):
        require_group(Principal("p", frozenset({"producer"})), "admin")


# --- deployed stage (Cognito RS256 through a JWKS served on loopback) ------------------------

class Jwks:
    """A loopback JWKS endpoint whose key set can rotate; counts fetches."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                jwks.fetches += 1
                body = json.dumps({"keys": [jwks.public_jwk(kid) for kid in jwks.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"

    def add_key(self, kid: str) -> None:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def public_jwk(self, kid: str) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
        return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}

    def sign(self, kid: str, key: rsa.RSAPrivateKey | None = None, **claims) -> str:
        payload = {"sub": "alice", "iss": ISSUER, "exp": int(time.time()) + 300, "token_use": "id",
                   "aud": CLIENT_ID, **claims}
        return jwt.encode(payload, key or self.keys[kid], algorithm="RS256", headers={"kid": kid})


ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"


@pytest.fixture
def jwks():
    endpoint = Jwks()
    endpoint.add_key("k1")
    yield endpoint
    endpoint.server.shutdown()


@pytest.fixture
def deployed(jwks, monkeypatch):
    monkeypatch.setattr(auth, "JWKS_REFETCH_COOLDOWN_SECONDS", 0)
    auth._jwks_client.cache_clear()
    return settings_from({**DEPLOYED, "REMIXERY_COGNITO_USER_POOL_ID": POOL,
                          "REMIXERY_COGNITO_APP_CLIENT_ID": CLIENT_ID, "REMIXERY_JWKS_URL": jwks.url})


def test_a_cognito_id_token_is_accepted(jwks, deployed):
    principal = authenticate(bearer(jwks.sign("k1", **{"cognito:groups": ["admin"]})), deployed)

    assert principal.sub == "alice" and principal.is_admin


def test_a_cognito_access_token_is_checked_by_client_id(jwks, deployed):
    token = jwks.sign("k1", token_use="access", aud=None, client_id=CLIENT_ID)

    assert authenticate(bearer(token), deployed).sub == "alice"


@pytest.mark.parametrize("claims", [
    {"aud": "another-client"},
    {"token_use": "access", "client_id": "another-client"},
    {"token_use": "refresh"},
    {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"},
    {"exp": int(time.time()) - 120},
])
def test_cognito_tokens_for_another_client_pool_or_time_are_refused(jwks, deployed, claims):
    with pytest.raises(Unauthorized):
        authenticate(bearer(jwks.sign("k1", **claims)), deployed)


def test_an_hs256_token_is_refused_on_a_deployed_stage(jwks, deployed):
    with pytest.raises(Unauthorized, match="RS256"):
        authenticate(bearer(mint("alice", issuer=ISSUER, aud=CLIENT_ID)), deployed)


def test_an_hs256_token_signed_with_the_public_key_is_refused(jwks, deployed):
    public_jwk = json.dumps(jwks.public_jwk("k1")).encode()
    forged = jwt.api_jws.PyJWS().encode(
        json.dumps({"sub": "mallory", "iss": ISSUER, "exp": int(time.time()) + 60, "token_use": "id",
                    "aud": CLIENT_ID}).encode(),
        base64.b64encode(public_jwk), algorithm="HS256", headers={"kid": "k1"})

    with pytest.raises(Unauthorized):
        authenticate(bearer(forged), deployed)


def test_a_token_signed_by_an_unknown_key_is_refused(jwks, deployed):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    with pytest.raises(Unauthorized):
        authenticate(bearer(jwks.sign("k1", key=stranger)), deployed)


def test_the_key_set_is_cached_and_refetched_once_for_an_unknown_kid(jwks, deployed):
    authenticate(bearer(jwks.sign("k1")), deployed)
    authenticate(bearer(jwks.sign("k1")), deployed)
    assert jwks.fetches == 1

    jwks.add_key("k2")  # the pool rotated its keys
    assert authenticate(bearer(jwks.sign("k2")), deployed).sub == "alice"
    assert jwks.fetches == 2

    with pytest.raises(Unauthorized):
        authenticate(bearer(jwks.sign("k3", key=jwks.keys["k1"])), deployed)


def test_unknown_kids_do_not_refetch_the_key_set_during_the_cooldown(jwks, deployed, monkeypatch):
    monkeypatch.setattr(auth, "JWKS_REFETCH_COOLDOWN_SECONDS", 30)
    auth._jwks_client.cache_clear()
    authenticate(bearer(jwks.sign("k1")), deployed)

    for n in range(5):
        with pytest.raises(Unauthorized):
            authenticate(bearer(jwks.sign(f"made-up-{n}", key=jwks.keys["k1"])), deployed)

    assert jwks.fetches == 1


@pytest.mark.parametrize("sub", ["x" * 129, "alice#admin", "ålice", "al ice", "alice\n"])
def test_a_subject_that_cannot_be_part_of_a_storage_key_is_refused(sub):
    token = jwt.encode({"sub": sub, "iss": "remixery-local", "exp": int(time.time()) + 60},
                       LOCAL_SETTINGS.dev_jwt_secret.get_secret_value())

    with pytest.raises(Unauthorized):
        authenticate(bearer(token), LOCAL_SETTINGS)


def test_a_token_with_too_many_groups_is_refused():
    with pytest.raises(Unauthorized):
        authenticate(bearer(mint("alice", groups=[f"g{n}" for n in range(26)])), LOCAL_SETTINGS)
