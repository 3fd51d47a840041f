"""Helpers shared by the benchmarks that run the app against the embedded AWS."""
from __future__ import annotations

import contextlib
import functools
import glob
import io
import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable, Iterator

from local.aws import PROJECT_DIR


def run_fresh(module: str, *args: str) -> bool:
    """Runs `python -m module` in a fresh interpreter; True if it exits 0.

    The app caches its AWS clients, PynamoDB connections and settings per process, and moto
    keeps its state per process, so a benchmark that starts its own embedded AWS gets a process
    of its own: no client made for an earlier benchmark's endpoint is reused, and whatever it
    stored (hundreds of MB, for the upload benchmark) goes when it exits.
    """
    return subprocess.run([sys.executable, "-m", module, *args], cwd=PROJECT_DIR,
                          env=_environment_without_endpoints()).returncode == 0


def _environment_without_endpoints() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}


def percentile(values, p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def forget_endpoints() -> None:
    """Drops inherited `AWS_ENDPOINT_URL*` variables: the benchmark sets its own."""
    for name in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[name]


@contextlib.contextmanager
def app_output_held_back() -> Iterator[None]:
    """Keeps the app's JSON logs and metrics out of the figures.

    They are held in memory and written to stderr only if the block raises, for the diagnosis.
    Powertools binds its handler to the sys.stdout of the moment the logger is created, so the
    app's first request must happen inside this block.
    """
    held = io.StringIO()
    try:
        with contextlib.redirect_stdout(held):
            yield
    except BaseException:
        sys.stderr.write(held.getvalue()[-20_000:])
        raise


def measure_and_report(measure: Callable[[], object], report: Callable[[object], bool]) -> int:
    """A benchmark's exit status: 0 when `report` passes the result of `measure`, which runs with
    the app's output held back."""
    with app_output_held_back():
        result = measure()
    return 0 if report(result) else 1


@contextlib.contextmanager
def counted_app():
    """The embedded AWS with the DynamoDB counter in front (started before any botocore client
    exists, as clients read their endpoint when created), the stage's resources, and the app
    behind `chalice.test.Client`. Yields (app, client, counter)."""
    from local.aws import EmbeddedAws, use_endpoint

    forget_endpoints()
    aws = EmbeddedAws()
    use_endpoint(aws.start())
    try:
        from bench.dynamodb_counter import DynamoDBCounter

        with DynamoDBCounter(aws.endpoint) as counter:
            from chalice.test import Client

            from app import app
            from chalicelib.config import get_settings
            from chalicelib.storage.bootstrap import create_all

            create_all(get_settings())
            with Client(app, stage_name="local", project_dir=str(PROJECT_DIR)) as client:
                yield app, client, counter
    finally:
        aws.stop()


def emulator_cpu_seconds() -> float | None:
    """CPU seconds (user and system) the embedded AWS processes this process started have used
    so far, read from Linux's /proc; None where there is none."""
    total, found = 0.0, False
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) != os.getpid():  # the parent's pid
                continue
            with open(stat[:-4] + "cmdline", "rb") as f:
                if b"local.moto_process" not in f.read():
                    continue
        except (OSError, IndexError, ValueError):
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        found = True
    return total if found else None


@dataclass
class Sent:
    requests: int = 0
    bytes: int = 0  # request and response bodies


@contextlib.contextmanager
def aws_requests_counted() -> Iterator[Sent]:
    """Counts the AWS requests this process's botocore clients send meanwhile (any service, at
    the HTTP layer, retries included) and the bytes of their bodies both ways."""
    from botocore.endpoint import Endpoint

    sent = Sent()
    send = Endpoint._send

    def counted(endpoint, request):
        response = send(endpoint, request)
        body = request.body
        sent.requests += 1
        sent.bytes += len(body if isinstance(body, (bytes, str)) else b"") + len(response.content)
        return response

    Endpoint._send = counted
    try:
        yield sent
    finally:
        Endpoint._send = send


@contextlib.contextmanager
def aws_with_measured_function(module: str) -> Iterator[Callable[[dict, float], dict]]:
    """A function measured in a process of its own, `python -m module --serve`, then the embedded
    AWS with the stage's resources. Yields `send(job, timeout)`, which hands the waiting process
    its job (with the endpoint, credentials and stage that use_endpoint set here) and returns the
    result it printed (`print_result`).

    moto keeps S3 objects in the memory of the process that runs it, and ru_maxrss is a high-water
    mark: the measured process is started before this one holds anything big, because on Linux a
    child's ru_maxrss starts at the peak of the address space it was spawned from."""
    from local.aws import EmbeddedAws, use_endpoint

    forget_endpoints()
    function = subprocess.Popen([sys.executable, "-m", module, "--serve"], cwd=PROJECT_DIR, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    aws = EmbeddedAws()
    use_endpoint(aws.start())

    def send(job: dict, timeout: float) -> dict:
        stdout, stderr = function.communicate(json.dumps({"env": dict(os.environ), **job}) + "\n", timeout=timeout)
        result = read_result(stdout)
        if function.returncode != 0 or result is None:
            raise RuntimeError(f"the measured function's process failed ({function.returncode}):\n"
                               f"{stdout[-5000:]}\n{stderr[-5000:]}")
        return result

    try:
        from chalicelib.config import get_settings
        from chalicelib.storage.bootstrap import create_all

        create_all(get_settings())
        yield send
    finally:
        if function.poll() is None:
            function.kill()
            function.wait()
        aws.reset()  # moto holds the objects in this process; let them go before it exits
        aws.stop()


def receive_job() -> tuple[int, dict]:
    """The measured process's side of `aws_with_measured_function`: the ru_maxrss it started with
    (KiB on Linux), then its job, read from stdin, whose environment it now runs in."""
    import resource

    start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    job = json.loads(sys.stdin.readline())
    os.environ.update(job["env"])
    return start, job


def measured_function_main(module: str, doc: str, serve: Callable[[], dict], measure: Callable[[], object],
                           report: Callable[[object], bool]) -> int:
    """`python -m module` of a benchmark that measures a function in a process of its own: with
    `--serve`, be that process (`aws_with_measured_function` starts it); else measure and report."""
    import argparse

    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", action="store_true", help="be the measured function (the benchmark starts it)")
    if parser.parse_args().serve:
        print_result(serve())
        return 0
    return measure_and_report(measure, report)


RESULT_PREFIX = "bench-result "


def print_result(result: dict) -> None:
    """A benchmark process's result: one line on stdout, among the app's log lines."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def read_result(stdout: str) -> dict | None:
    """The result that `print_result` wrote in `stdout`, or None."""
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    return json.loads(lines[-1][len(RESULT_PREFIX):]) if lines else None


LOOPBACK = "127.0.0.1"


@contextlib.contextmanager
def served_app(handler: Callable[[type], type] | None = None):
    """The embedded AWS with the stage's resources, and the app served over real HTTP by Chalice's
    local server on a free loopback port. Yields (base URL, app). `handler(base)` may return a
    subclass of Chalice's request handler to serve with; by default one that logs no line per
    request."""
    import functools
    import threading

    from local.aws import EmbeddedAws, use_endpoint

    forget_endpoints()
    aws = EmbeddedAws()
    use_endpoint(aws.start())
    try:
        from chalice.cli.factory import CLIFactory
        from chalice.local import create_local_server

        from chalicelib.config import get_settings
        from chalicelib.storage.bootstrap import create_all

        create_all(get_settings())
        config = CLIFactory(str(PROJECT_DIR)).create_config_obj(chalice_stage_name="local")
        server = create_local_server(config.chalice_app, config, LOOPBACK, 0)  # port 0: a free one
        partial = server.server.RequestHandlerClass  # functools.partial(ChaliceRequestHandler, ...)
        served = (handler or _quiet)(partial.func)
        server.server.RequestHandlerClass = functools.partial(served, *partial.args, **partial.keywords)
        threading.Thread(target=server.server.serve_forever, name="chalice-local", daemon=True).start()
        try:
            host, port = server.server.server_address[:2]
            yield f"http://{host}:{port}", config.chalice_app
        finally:
            server.shutdown()
            server.server.server_close()
    finally:
        aws.stop()


@contextlib.contextmanager
def dev_stack(start_limit_seconds: float = 120) -> Iterator[str]:
    """`make dev` (`python -m local`) in a process of its own, on free loopback ports; yields its API
    URL. Its output is read as it comes (its tail is written to stderr if the block raises) and it
    is stopped as Ctrl-C stops it."""
    import collections
    import re
    import signal
    import threading

    stack = subprocess.Popen([sys.executable, "-m", "local", "--host", LOOPBACK, "--port", "0",
                              "--control-port", "0"], cwd=PROJECT_DIR, env=_environment_without_endpoints(),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tail: collections.deque[str] = collections.deque(maxlen=200)
    urls: list[str] = []
    up = threading.Event()

    def read() -> None:
        for line in stack.stdout:
            tail.append(line)
            found = re.match(r"\s*API\s+(http://\S+)", line)
            if found and not urls:
                urls.append(found.group(1))
                up.set()
        up.set()  # it ended

    threading.Thread(target=read, name="dev-stack-output", daemon=True).start()
    try:
        if not up.wait(start_limit_seconds) or not urls:
            raise RuntimeError("python -m local did not start")
        yield urls[0]
    except BaseException:
        sys.stderr.write("".join(tail)[-20_000:])
        raise
    finally:
        stack.send_signal(signal.SIGINT)
        try:
            stack.wait(30)
        except subprocess.TimeoutExpired:
            stack.kill()
            stack.wait()


def _quiet(base: type) -> type:
    class QuietRequestHandler(base):
        def log_message(self, format, *args) -> None:
            pass

    return QuietRequestHandler


def requester(client):
    """`request(method, path, token=None, body=None)` through the test client, JSON in."""
    def request(method: str, path: str, token: str | None = None, body: dict | None = None):
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        return client.http.request(method, path, headers=headers, body=json.dumps(body).encode() if body else b"")

    return request


def expect(response, status: int):
    """The JSON body of `response`, which must have `status` (else the benchmark stops)."""
    if response.status_code != status:
        raise RuntimeError(f"expected {status}, got {response.status_code}: {response.body[:500]!r}")
    return json.loads(response.body) if response.body else None


def expect_http(response, status: int):
    """As `expect`, for a `requests` response from the served app."""
    if response.status_code != status:
        raise RuntimeError(f"{response.request.method} {response.request.path_url}: expected {status}, "
                           f"got {response.status_code}: {response.text[:500]}")
    return response.json() if response.content else None


@dataclass(frozen=True)
class Case:
    """One request whose DynamoDB round trips are measured."""

    label: str
    budget: int | None  # None: reported, not held against a budget
    send: Callable[[], object]  # makes the request; returns the chalice test response
    status: int
    items: int | None = None  # a list's expected length: a short or empty page proves nothing
    check: Callable[[dict], str | None] | None = None  # how the reply is wrong, or None


@dataclass(frozen=True)
class Row:
    label: str
    budget: int | None
    worst: dict[str, int]  # operations of the most expensive measured run
    totals: tuple[int, ...]  # round trips of every measured run

    @property
    def round_trips(self) -> int:
        return max(self.totals)

    @property
    def passed(self) -> bool:
        return self.budget is None or self.round_trips <= self.budget

    @property
    def verdict(self) -> str:
        if self.budget is None:
            return "report"
        return "PASS" if self.passed else "FAIL"


def describe_operations(operations: dict[str, int]) -> str:
    """`BatchGetItem 1, Query 2`, or `-` for none."""
    return ", ".join(f"{op} {n}" for op, n in sorted(operations.items())) or "-"


def print_rows(rows: list[Row], first_column: str = "endpoint") -> bool:
    """The round-trip table: each row's worst run, its operations, budget and verdict (and every
    run's count when they differ). True when every row is within its budget."""
    operations = {row.label: describe_operations(row.worst) for row in rows}
    width, ops_width = max(len(r.label) for r in rows), max(map(len, operations.values()))
    print(f"  {first_column:<{width}}  trips  {'operations':<{ops_width}}  budget")
    for row in rows:
        budget = f"<= {row.budget}" if row.budget is not None else "-   "
        spread = "" if len(set(row.totals)) == 1 else f"  (runs: {', '.join(map(str, row.totals))})"
        print(f"  {row.label:<{width}}  {row.round_trips:5d}  {operations[row.label]:<{ops_width}}  {budget}  "
              f"{row.verdict}{spread}")
    return all(row.passed for row in rows)


def measure_case(counter, case: Case, repeats: int) -> Row:
    """Sends `case` once to warm up, then `repeats` times counted; checks every reply."""
    runs = []
    for _ in range(1 + repeats):  # the first is the warm-up, not held against the budget
        with counter.measure() as calls:
            response = case.send()
        if response.status_code != case.status:
            raise RuntimeError(f"{case.label}: expected {case.status}, got {response.status_code}: "
                               f"{response.body[:500]!r}")
        reply = json.loads(response.body) if response.body else None
        if case.items is not None and len(reply["items"]) != case.items:
            raise RuntimeError(f"{case.label}: expected {case.items} items: {response.body[:500]!r}")
        problem = case.check(reply) if case.check else None
        if problem:
            raise RuntimeError(f"{case.label}: {problem}")
        runs.append(calls.by_operation)
    measured = runs[1:]
    worst = max(measured, key=lambda ops: sum(ops.values()))
    return Row(case.label, case.budget, worst, tuple(sum(ops.values()) for ops in measured))


@functools.lru_cache(maxsize=2)
def _pump_of(app):
    import boto3

    from local.pump import EventPump

    return EventPump(app, boto3.client("sqs"))


def close_royalty_run(app, period: str, workers: int = 1, limit_seconds: float = 600) -> None:
    """What the deployed functions do with an accepted run of `period` (`begin_closing`): the run
    function queues its batches, then `workers` workers deliver them to the worker function, as
    many at once as Lambda's concurrency would (threads; one: in this thread), until the run has
    closed."""
    import threading
    import time

    from chalicelib import services
    from chalicelib.logic.royalties import run_period

    run_period(period)
    pump = _pump_of(app)  # Lambda's event source, not the functions': made once, not timed with each run
    (source,) = [s for s in pump.queues if s.name == "close_royalty_batch"]
    deadline = time.monotonic() + limit_seconds

    def work() -> None:
        while services.royalties().get_run(period).status != "closed":
            if time.monotonic() > deadline:
                raise RuntimeError(f"the run of {period} did not close within {limit_seconds:.0f} s")
            if not pump.poll_once(source, wait_seconds=0):
                time.sleep(0.01)  # the other workers hold the last batches

    if workers == 1:
        work()
        return
    failures: list[BaseException] = []

    def guarded() -> None:
        try:
            work()
        except BaseException as e:  # noqa: BLE001  (raised again below, in the caller's thread)
            failures.append(e)

    threads = [threading.Thread(target=guarded, name=f"royalty-worker-{n}") for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
