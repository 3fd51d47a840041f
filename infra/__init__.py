"""Remixery's infrastructure as code: one CDK v2 stack per stage (`infra/stack.py`), with the
least-privilege policies written by hand in `infra/permissions.py`. Run by `make synth` and
`make deploy STAGE=prod` through the CDK CLI (`infra/cdk.json`)."""
