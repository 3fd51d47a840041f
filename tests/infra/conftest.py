"""The stack, synthesized once per session for each stage, as `make synth` does it: the CDK CLI
pinned in infra/package.json runs infra/app.py in a process of its own.

A process of its own matters: packaging imports `app.py` with the stage's environment (its
SQS event sources are wired by queue name at import) and Chalice writes that environment into
`os.environ`, neither of which may leak into the other tests.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CDK = ROOT / "infra" / "node_modules" / ".bin" / "cdk"
STAGES = ("dev", "prod")

# No credentials, nothing to discover: synthesis must not need AWS.
SYNTH_ENV = {
    "CDK_DISABLE_CLI_TELEMETRY": "true",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
DROPPED_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
               "AWS_ENDPOINT_URL", "CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION")


def synthesize(stage: str, workdir: Path) -> dict:
    if not CDK.exists():
        pytest.fail(f"{CDK} is missing: `make test` installs it (npm ci in infra/)")
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV and not k.startswith("REMIXERY_")}
    env.update(SYNTH_ENV)
    out = workdir / "cdk.out"
    command = [str(CDK), "synth", "--quiet", "--no-notices", "--app", f"{sys.executable} {ROOT / 'infra' / 'app.py'}",
               "--output", str(out), "-c", f"stage={stage}"]
    # cwd: the Chalice construct writes its packages to ./chalice.out
    result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.fail(f"cdk synth ({stage}) failed:\n{result.stdout}\n{result.stderr}")
    return json.loads((out / f"{stage}.template.json").read_text())


@pytest.fixture(scope="session")
def templates(tmp_path_factory) -> dict[str, dict]:
    """stage → the synthesized CloudFormation template (a dict). One after the other: both
    stages share Chalice's dependency cache in .chalice/deployments, written under a fixed
    temporary name."""
    return {stage: synthesize(stage, tmp_path_factory.mktemp(f"synth-{stage}")) for stage in STAGES}


@pytest.fixture(scope="session", params=STAGES)
def stage(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def template(templates, stage) -> dict:
    return templates[stage]


@pytest.fixture(scope="session")
def assertions(template):
    """The same template, for `aws_cdk.assertions`."""
    from aws_cdk.assertions import Template

    return Template.from_json(template)
