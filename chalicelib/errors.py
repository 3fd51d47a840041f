"""Domain exceptions and the one place that turns them into problem+json (RFC 9457).

Every layer raises these; only `to_problem` decides what a client sees. Anything else that
escapes a handler becomes a bare 500 without details (the traceback goes to the logs).
"""
from __future__ import annotations

from dataclasses import dataclass, field

PROBLEM_BASE = "https://remixery.org/problems/"
RETRY_AFTER_SECONDS = 1  # what a 503 asks a client to wait (the AWS SDK has already backed off)



@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class Problem(Exception):
    status = 500
    slug = "internal-error"
    title = "Internal server error"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None,
                 headers: dict[str, str] | None = None, extensions: dict | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        self.extensions = extensions or {}  # extra members of the problem document


class BadRequest(Problem):
    status, slug, title = 400, "bad-request", "Bad request"


class ValidationFailed(Problem):
    status, slug, title = 400, "validation-error", "The request is not valid"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Missing or invalid credentials"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotRegistered(Forbidden):
    slug, title = "register-first", "Register a member profile first"


class Suspended(Forbidden):
    slug, title = "suspended", "Your account is suspended"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class RuleViolation(Problem):
    status, slug, title = 422, "rule-violation", "The request breaks a rule"


class TooManyRequests(Problem):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str, *, retry_after_seconds: int, **kwargs) -> None:
        super().__init__(detail, **kwargs)
        self.headers = {"Retry-After": str(retry_after_seconds), **self.headers}


class UnavailableForLegalReasons(Problem):
    status, slug, title = 451, "unavailable-for-legal-reasons", "Unavailable for legal reasons"


class ServiceUnavailable(Problem):
    status, slug, title = 503, "service-unavailable", "Service temporarily unavailable"

    def __init__(self, detail: str, *, retry_after_seconds: int = RETRY_AFTER_SECONDS, **kwargs) -> None:
        super().__init__(detail, **kwargs)
        self.headers = {"Retry-After": str(retry_after_seconds), **self.headers}


@dataclass(frozen=True)
class ProblemDocument:
    status: int
    body: dict
    headers: dict[str, str] = field(default_factory=dict)


def to_problem(exc: Problem) -> ProblemDocument:
    body: dict = {
        "type": PROBLEM_BASE + exc.slug,
        "title": exc.title,
        "status": exc.status,
        "detail": exc.detail,
    }
    if exc.errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in exc.errors]
    body.update(exc.extensions)
    return ProblemDocument(exc.status, body, dict(exc.headers))


def internal_error() -> ProblemDocument:
    return to_problem(Problem("Something went wrong on our side. It has been logged."))


def domain_problem(exc: Exception) -> Problem | None:
    """What a client sees of an exception the domain raises (the domain knows no HTTP); None for
    anything that is not a domain refusal."""
    from chalicelib.domain.money import MoneyError

    if isinstance(exc, MoneyError):
        return BadRequest(f"An amount cannot be taken exactly: {exc}.")
    return None
