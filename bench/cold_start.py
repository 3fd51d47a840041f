"""Cold start: what `import app` costs beyond the libraries it cannot do without.

Each measurement is a fresh interpreter that times its own import (interpreter start-up is the
same for both and left out). The floor imports chalice, botocore, PynamoDB and pydantic, which
any version of this service pays for; the budget is on the ratio app/floor, so it holds on fast
and slow machines alike. Floor and app runs are interleaved so that machine noise hits both,
after one unmeasured warm-up each so that bytecode caches are written and warm.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
from dataclasses import dataclass

from local.aws import FAKE_AWS_ENV, PROJECT_DIR, stage_environment

MAX_RATIO = 1.15  # median `import app` / median floor import
MIN_RUNS = 7

FLOOR_IMPORT = "import chalice, botocore.session, pynamodb.models, pydantic"
APP_IMPORT = "import app"


@dataclass(frozen=True)
class Result:
    floor_ms: float  # medians
    app_ms: float

    @property
    def ratio(self) -> float:
        return self.app_ms / self.floor_ms

    @property
    def passed(self) -> bool:
        return self.ratio <= MAX_RATIO


def child_environment() -> dict[str, str]:
    """This environment plus the local stage's, as the function would see it when deployed."""
    env = {**os.environ, **FAKE_AWS_ENV, **stage_environment()}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the warm-up writes the bytecode caches
    env.pop("PYTHONPROFILEIMPORTTIME", None)  # same as -X importtime: it would slow imports
    return env


def time_import(statement: str, env: dict[str, str]) -> float:
    """Seconds that `statement` takes in a fresh interpreter, as timed by that interpreter."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    child = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, env=env,
                           capture_output=True, text=True)
    if child.returncode != 0:
        raise RuntimeError(f"`{statement}` failed in a fresh interpreter:\n{child.stderr}")
    return float(child.stdout.strip().splitlines()[-1])


def measure(runs: int) -> Result:
    env = child_environment()
    time_import(FLOOR_IMPORT, env)  # warm-ups, not measured
    time_import(APP_IMPORT, env)
    floor, app = [], []
    for _ in range(runs):
        floor.append(time_import(FLOOR_IMPORT, env))
        app.append(time_import(APP_IMPORT, env))
    return Result(floor_ms=statistics.median(floor) * 1000, app_ms=statistics.median(app) * 1000)


def run(runs: int = 9) -> bool:
    runs = max(runs, MIN_RUNS)
    print(f"cold start ({runs} interleaved runs each, medians)")
    result = measure(runs)
    print(f"  floor  {result.floor_ms:7.1f} ms  ({FLOOR_IMPORT})")
    print(f"  app    {result.app_ms:7.1f} ms  ({APP_IMPORT})")
    print(f"  ratio  {result.ratio:7.3f}     budget <= {MAX_RATIO}  "
          f"{'PASS' if result.passed else 'FAIL'}")
    return result.passed
