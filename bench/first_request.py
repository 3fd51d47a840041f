"""The cold start a visitor pays: a fresh interpreter imports the app and serves its first
requests through the Lambda entry point, against the local stack, timed to each response.

    1. GET /records?limit=20            anonymous, the first request of the container
    2. PUT /records/{id}/heart          signed in, its second (a record not hearted yet)

Each goes through `app(event, context)` with an API Gateway proxy event, as Lambda calls it.
The floor is the same work done with plain botocore in a fresh interpreter: the libraries any
version of this service needs to serve these two requests — `cold_start`'s floor (chalice,
botocore, PynamoDB, pydantic), with one pydantic model defined and used, since `import pydantic`
alone loads almost nothing of it (its first model loads the rest: 5x the import here); Powertools,
which the stack logs every request with; PyJWT, whose import brings `cryptography`, which a
deployed stage verifies the signed-in request's RS256 token with — then a client per service the
requests reach and exactly the calls they made, replayed. The
calls are recorded from one unmeasured run of the app (every `BaseClient._make_api_call`, the
parameters as the SDK got them); the heart's are replayed on a record of their own, with a new
idempotency token. So the ratio is what the app adds to the unavoidable: imports of its own,
routing, validation, authentication, building its PynamoDB connection — not the store's work.

Floor and app runs alternate, after one unmeasured warm-up each (bytecode caches written);
medians. Budget: the app's time to the second response ≤ 1.3 × the floor's. The bare floor
(plain botocore only, no framework imported) is printed beside it for scale.

Runs in a fresh interpreter (`python -m bench.first_request`), as `record_round_trips`.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass

from bench.support import app_output_held_back, run_fresh

MAX_RATIO = 1.3
MIN_RUNS = 5
PAGE_SIZE = 20
SEEDED_RECORDS = 25
FLOOR_LIBRARIES = ("import chalice, botocore.session, pynamodb.models, aws_lambda_powertools, jwt\n"
                   "from pydantic import BaseModel\n"
                   "class Floor(BaseModel):\n    n: int\n"
                   "Floor.model_validate_json(b'{\"n\": 1}')")
RESULT = "first-request-result "


def run(runs: int = 9) -> bool:
    """Measures in a fresh interpreter (see the module's doc)."""
    return run_fresh("bench.first_request", str(max(runs, MIN_RUNS)))


@dataclass(frozen=True)
class Timing:
    """Seconds from the interpreter's first line to the first response, then to the second."""

    first: float
    second: float

    @property
    def total(self) -> float:
        return self.first + self.second


@dataclass(frozen=True)
class Result:
    app: Timing  # medians
    floor: Timing
    bare: Timing

    @property
    def ratio(self) -> float:
        return self.app.total / self.floor.total

    @property
    def passed(self) -> bool:
        return self.ratio <= MAX_RATIO


def median_timing(timings: list[Timing]) -> Timing:
    return Timing(statistics.median(t.first for t in timings), statistics.median(t.second for t in timings))


# What a child runs: nothing is imported before the clock starts but `time`.
_APP_CHILD = """
import time; started = time.perf_counter()
import json, sys
plan = json.loads(sys.argv[1])
calls = []
if plan.get("record"):
    import botocore.client
    made = botocore.client.BaseClient._make_api_call
    def recording(self, operation, params):
        calls.append([self.meta.service_model.service_name, operation, params])
        return made(self, operation, params)
    botocore.client.BaseClient._make_api_call = recording
from app import app
class Context:
    function_name, function_version, memory_limit_in_mb = "remixery-api", "$LATEST", 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:remixery-api"
    aws_request_id, log_group_name, log_stream_name = "bench", "/aws/lambda/remixery-api", "bench"
    def get_remaining_time_in_millis(self):
        return 900000
answers, marks = [], []
for event in plan["events"]:
    answers.append(app(event, Context())["statusCode"])
    marks.append(time.perf_counter())
    calls.append(None)
print(%(marker)r + json.dumps({"first": marks[0] - started, "second": marks[1] - marks[0], "statuses": answers,
                               "calls": calls}, default=lambda b: {"__bytes__": b.hex()}))
"""

_FLOOR_CHILD = """
import time; started = time.perf_counter()
import json, sys
plan = json.loads(sys.argv[1])
exec(plan["libraries"])
import botocore.session
from botocore import xform_name
session, clients, marks = botocore.session.get_session(), {}, []
def value(v):
    return bytes.fromhex(v["__bytes__"]) if isinstance(v, dict) and set(v) == {"__bytes__"} else v
for request in plan["requests"]:
    for service, operation, params in request:
        client = clients.get(service) or clients.setdefault(service, session.create_client(service))
        getattr(client, xform_name(operation))(**json.loads(json.dumps(params), object_hook=value))
    marks.append(time.perf_counter())
print(%(marker)r + json.dumps({"first": marks[0] - started, "second": marks[1] - marks[0]}))
"""


def proxy_event(method: str, resource: str, path: str, query: dict[str, str] | None = None,
                parameters: dict[str, str] | None = None, token: str | None = None) -> dict:
    """An API Gateway REST (proxy integration) event, as Lambda hands it to the function."""
    headers = {"accept": "application/json", "host": "api.remixery.local", "user-agent": "bench"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return {
        "resource": resource, "path": path, "httpMethod": method, "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query, "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()}
        or None, "pathParameters": parameters, "stageVariables": None, "body": None, "isBase64Encoded": False,
        "requestContext": {"resourcePath": resource, "httpMethod": method, "path": f"/api{path}", "stage": "api",
                           "apiId": "bench", "requestId": "bench", "identity": {"sourceIp": "127.0.0.1"}},
    }


def requests_of(calls: list) -> list[list]:
    """The recorded calls grouped by the request that made them (a None ends each request)."""
    grouped: list[list] = [[]]
    for call in calls:
        if call is None:
            grouped.append([])
        else:
            grouped[-1].append(call)
    return grouped[:-1]


def retargeted(request: list[list], record_id: str, other_record_id: str) -> list[list]:
    """The heart's calls made on another record, each transaction with a token of its own."""
    calls = json.loads(json.dumps(request).replace(record_id, other_record_id))
    for _, _, params in calls:
        params.pop("ClientRequestToken", None)
    return calls


def _child(code: str, plan: dict, env: dict[str, str]) -> dict:
    from local.aws import PROJECT_DIR

    child = subprocess.run([sys.executable, "-c", code % {"marker": RESULT}, json.dumps(plan)], cwd=PROJECT_DIR,
                           env=env, capture_output=True, text=True)
    said = [line for line in child.stdout.splitlines() if line.startswith(RESULT)]
    if child.returncode != 0 or not said:
        raise RuntimeError(f"the child failed (exit {child.returncode}):\n{child.stderr[-5000:]}{child.stdout[-2000:]}")
    return json.loads(said[-1][len(RESULT):])


def _seed(client, count: int) -> tuple[str, list[str]]:
    """An owner's ready text records and a visitor; returns the visitor's token and the records."""
    from bench.support import expect, requester
    from local.tokens import mint

    request = requester(client)
    owner, visitor = mint("sub-first-owner"), mint("sub-first-visitor")
    expect(request("POST", "/members", owner, {"handle": "firstowner", "display_name": "Owner"}), 201)
    expect(request("POST", "/members", visitor, {"handle": "firstvisitor", "display_name": "Visitor"}), 201)
    ids = [expect(request("POST", "/records", owner, {"kind": "text", "title": f"Story {n}", "body": "Once."}),
                  201)["record"]["id"] for n in range(count)]
    return visitor, ids


def measure(runs: int) -> Result:
    from chalice.test import Client

    from bench.cold_start import child_environment
    from bench.support import forget_endpoints
    from local.aws import PROJECT_DIR, EmbeddedAws, use_endpoint

    forget_endpoints()
    aws = EmbeddedAws()
    use_endpoint(aws.start())
    try:
        from app import app
        from chalicelib.config import get_settings
        from chalicelib.storage.bootstrap import create_all

        create_all(get_settings())
        with Client(app, stage_name="local", project_dir=str(PROJECT_DIR)) as client:
            token, ids = _seed(client, max(SEEDED_RECORDS, PAGE_SIZE + 2 * (runs + 2)))
        env = {**child_environment(), "AWS_ENDPOINT_URL": aws.endpoint}
        hearts = iter(ids)

        def app_plan(record: bool = False) -> dict:
            record_id = next(hearts)
            return {"record": record, "heart": record_id, "events": [
                proxy_event("GET", "/records", "/records", {"limit": str(PAGE_SIZE)}),
                proxy_event("PUT", "/records/{record_id}/heart", f"/records/{record_id}/heart",
                            parameters={"record_id": record_id}, token=token)]}

        warm = app_plan(record=True)
        recorded = _child(_APP_CHILD, warm, env)
        if recorded["statuses"] != [200, 200]:
            raise RuntimeError(f"the app answered {recorded['statuses']}, not 200 and 200")
        first, heart = requests_of(recorded["calls"])

        def floor_plan(libraries: str) -> dict:
            return {"libraries": libraries, "requests": [first, retargeted(heart, warm["heart"], next(hearts))]}

        _child(_FLOOR_CHILD, floor_plan(FLOOR_LIBRARIES), env)  # warm-up
        apps, floors, bares = [], [], []
        for _ in range(runs):
            floors.append(_timing(_child(_FLOOR_CHILD, floor_plan(FLOOR_LIBRARIES), env)))
            answer = _child(_APP_CHILD, app_plan(), env)
            if answer["statuses"] != [200, 200]:
                raise RuntimeError(f"the app answered {answer['statuses']}, not 200 and 200")
            apps.append(_timing(answer))
            bares.append(_timing(_child(_FLOOR_CHILD, floor_plan(""), env)))
        return Result(median_timing(apps), median_timing(floors), median_timing(bares))
    finally:
        aws.stop()


def _timing(answer: dict) -> Timing:
    return Timing(answer["first"], answer["second"])


def report(result: Result, runs: int) -> bool:
    def row(label: str, timing: Timing) -> str:
        return (f"  {label:<40} first {timing.first * 1000:6.1f} ms  second {timing.second * 1000:6.1f} ms  "
                f"to the second response {timing.total * 1000:6.1f} ms")

    print(f"first requests of a fresh interpreter, through the Lambda entry point ({runs} alternating runs, medians)")
    print(f"  1. GET /records?limit={PAGE_SIZE} (anonymous)   2. PUT /records/{{id}}/heart (signed in)")
    print(row("app (import app, app(event, context))", result.app))
    print(row("floor (stack's libraries, same calls)", result.floor))
    print(row("bare botocore (same calls, nothing else)", result.bare))
    print(f"  per request: first {result.app.first / result.floor.first:.3f}x  "
          f"second {result.app.second / result.floor.second:.3f}x the floor")
    print(f"  ratio  {result.ratio:.3f}   budget <= {MAX_RATIO}  {'PASS' if result.passed else 'FAIL'}   "
          f"(to bare botocore: {result.app.total / result.bare.total:.3f}x, reported)")
    return result.passed


def main(argv: list[str]) -> int:
    runs = max(int(argv[0]) if argv else 9, MIN_RUNS)
    with app_output_held_back():
        result = measure(runs)
    return 0 if report(result, runs) else 1


if __name__ == "__main__":
    os.environ.pop("PYTHONPROFILEIMPORTTIME", None)
    sys.exit(main(sys.argv[1:]))
