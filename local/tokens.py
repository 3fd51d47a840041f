"""Local-stage tokens: HS256 with the dev secret and issuer `remixery-local`.

    python -m local.tokens --sub alice --groups producer,admin
"""
from __future__ import annotations

import argparse
import os
import time

from chalicelib.config import LOCAL_DEV_JWT_SECRET, LOCAL_ISSUER


def mint(sub: str, groups: list[str] | None = None, ttl_seconds: int = 12 * 3600,
         secret: str | None = None, issuer: str = LOCAL_ISSUER, **extra_claims) -> str:
    import jwt

    now = int(time.time())
    claims = {"sub": sub, "iss": issuer, "iat": now, "exp": now + ttl_seconds, "token_use": "id"}
    if groups:
        claims["cognito:groups"] = list(groups)
    claims.update(extra_claims)
    secret = secret or os.environ.get("REMIXERY_DEV_JWT_SECRET") or LOCAL_DEV_JWT_SECRET
    return jwt.encode(claims, secret, algorithm="HS256")


def main() -> None:
    parser = argparse.ArgumentParser(description="Print a local-stage bearer token.")
    parser.add_argument("--sub", default="alice", help="the identity (default: alice)")
    parser.add_argument("--groups", default="", help="comma-separated: producer, moderator, admin")
    parser.add_argument("--ttl", type=int, default=12 * 3600, help="lifetime in seconds")
    args = parser.parse_args()
    groups = [g.strip() for g in args.groups.split(",") if g.strip()]
    print(mint(args.sub, groups, args.ttl))


if __name__ == "__main__":
    main()
