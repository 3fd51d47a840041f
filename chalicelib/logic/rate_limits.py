"""Rate limits as the use cases ask for them: the quota a request of a kind takes from its
caller's hour (storage folds it into the request's own transaction; see storage.rate_limits)."""
from __future__ import annotations

from chalicelib.config import get_settings
from chalicelib.domain.rate_limits import Quota


def quota(name: str, who: str) -> Quota:
    """`name` is a key of `domain.rate_limits.LIMITS`; `who` a member id or `ip:<address>`."""
    from chalicelib.domain.clock import utcnow
    from chalicelib.domain.rate_limits import quota as make

    return make(name, who, utcnow(), get_settings().rate_limit_scale)
