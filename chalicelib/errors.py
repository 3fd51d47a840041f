"""Domain exceptions and the one place that turns them into problem+json (RFC 9457).

Every layer raises these; only `to_problem` decides what a client sees. Anything else that
escapes a handler becomes a bare 500 without details (the traceback goes to the logs).
"""
from __future__ import annotations

from dataclasses import dataclass, field

PROBLEM_BASE = "https://remixery.org/problems/"
RETRY_AFTER_SECONDS = 1  # what a 503 asks a client to wait (the AWS SDK has already backed off)

# Error codes the AWS SDK retries with backoff (botocore's standard retry mode, which PynamoDB
# uses: 4 attempts); when they still come back, the store is busy, not broken: 503, not 500.
THROTTLING_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "ThrottledException",
    "RequestThrottledException", "TooManyRequestsException", "RequestLimitExceeded", "RequestThrottled",
    "LimitExceededException", "TransactionInProgressException", "SlowDown",
})
TRANSIENT_CODES = frozenset({
    "InternalServerError", "InternalFailure", "ServiceUnavailable", "RequestTimeout", "RequestTimeoutException",
    "PriorRequestNotComplete",
})
# Reasons DynamoDB gives for cancelling a transaction that a later attempt may get through.
BUSY_CANCELLATION_CODES = frozenset({"ThrottlingError", "TransactionConflict"})


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


def busy_problem(exc: BaseException) -> ProblemDocument | None:
    """A 503 (with Retry-After) when `exc` is AWS still throttling, failing transiently or
    unreachable after the SDK's retries, wherever it was wrapped (PynamoDB exceptions keep the
    botocore error as `cause`); None for anything else, which stays a 500."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        if _is_busy(error):
            return to_problem(ServiceUnavailable(
                "The service is busy right now (its database is throttling or briefly unavailable); "
                "retry after the time in Retry-After."))
        pending += [getattr(error, "cause", None), error.__cause__]  # not __context__: a bug raised
        # while handling a throttled call is still a bug
    return None


def _is_busy(error: BaseException) -> bool:
    response = getattr(error, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    if code in THROTTLING_CODES or code in TRANSIENT_CODES:
        return True
    reasons = getattr(error, "cancellation_reasons", None) or []
    if any(reason is not None and getattr(reason, "code", None) in BUSY_CANCELLATION_CODES for reason in reasons):
        return True
    import botocore.exceptions  # only on this error path: never paid at cold start

    return isinstance(error, (botocore.exceptions.ConnectionError, botocore.exceptions.ConnectionClosedError,
                              botocore.exceptions.ReadTimeoutError))
