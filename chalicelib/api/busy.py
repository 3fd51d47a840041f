"""AWS still throttling, failing transiently or unreachable after the SDK's retries: the store
is busy, not broken, so the API answers 503 with Retry-After instead of 500. This is botocore's
vocabulary, known only at the API's edge."""
from __future__ import annotations

from chalicelib.errors import ProblemDocument, ServiceUnavailable, to_problem

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
