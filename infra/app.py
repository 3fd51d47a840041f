"""The CDK app: one stack, for the stage named by `-c stage=dev|prod` (default `dev`).

The CDK CLI runs this file (`infra/cdk.json`); `make synth` and `make deploy` call the CLI.
Synthesis needs no AWS credentials: the stack is environment-agnostic.
"""
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # the CLI runs this file from infra/
    sys.path.insert(0, str(PROJECT_DIR))

import aws_cdk as cdk  # noqa: E402

from infra.stack import RemixeryStack, check_every_role_assigned  # noqa: E402


def main() -> None:
    app = cdk.App()
    stage = app.node.try_get_context("stage") or "dev"
    RemixeryStack(app, stage)
    assembly = app.synth()
    for stack in assembly.stacks:
        check_every_role_assigned(stack.template)


if __name__ == "__main__":
    main()
