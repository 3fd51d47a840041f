"""Powertools Logger (JSON) and Metrics (EMF), created on first use, never at import."""
from __future__ import annotations

from functools import lru_cache

SERVICE = "remixery"
NAMESPACE = "Remixery"


@lru_cache(maxsize=1)
def get_logger():
    from aws_lambda_powertools import Logger

    return Logger(service=SERVICE)


@lru_cache(maxsize=1)
def get_metrics():
    from aws_lambda_powertools import Metrics

    return Metrics(namespace=NAMESPACE, service=SERVICE)


def count(metric: str, value: int = 1) -> None:
    """Adds to a count metric, flushed once at the end of the request or event."""
    from aws_lambda_powertools.metrics import MetricUnit

    get_metrics().add_metric(name=metric, unit=MetricUnit.Count, value=value)


def flush_metrics() -> None:
    if get_metrics.cache_info().currsize == 0:
        return  # no metric was recorded: nothing to flush, and Powertools stays unimported
    metrics = get_metrics()
    if metrics.metric_set:
        metrics.flush_metrics()
