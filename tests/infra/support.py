"""Reading a synthesized template: resources by type, intrinsic values as text, policy statements,
and the functions the Chalice app defines."""
from __future__ import annotations

import json
from collections.abc import Iterator


def resources(template: dict, resource_type: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def render(value) -> str:
    """An intrinsic value as readable text: `{Ref}`, `{Resource.Attribute}`, joins joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (function, argument), = value.items()
        if function == "Ref":
            return "{" + argument + "}"
        if function == "Fn::GetAtt":
            return "{" + (".".join(argument) if isinstance(argument, list) else argument) + "}"
        if function == "Fn::Join":
            separator, parts = argument
            return separator.join(render(part) for part in parts)
        if function == "Fn::Sub":
            return argument if isinstance(argument, str) else argument[0]
    return json.dumps(value, sort_keys=True)


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def policy_statements(node, path: str = "") -> Iterator[tuple[str, dict]]:
    """Every statement of every policy document anywhere in `node` (roles' inline policies,
    managed policies, queue, bucket and topic policies alike), with where it was found."""
    if isinstance(node, dict):
        if "Statement" in node and isinstance(node["Statement"], (list, dict)):
            for n, statement in enumerate(as_list(node["Statement"])):
                yield f"{path}/Statement/{n}", statement
        for key, value in node.items():
            if key != "Statement":
                yield from policy_statements(value, f"{path}/{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from policy_statements(value, f"{path}/{n}")


def functions(template: dict) -> dict[str, dict]:
    """Chalice function name → its `AWS::Serverless::Function` resource."""
    from infra.stack import chalice_name

    return {chalice_name(resource["Properties"]["Handler"]): resource
            for resource in resources(template, "AWS::Serverless::Function").values()}


def role_of(template: dict, function: dict) -> dict:
    role = function["Properties"]["Role"]
    assert set(role) == {"Fn::GetAtt"}, f"the role is not one of the stack's: {role}"
    return template["Resources"][role["Fn::GetAtt"][0]]


def grants(template: dict, function: dict) -> list[tuple[set[str], list[str]]]:
    """(actions, resources as text) for each Allow statement of the function's role."""
    role = role_of(template, function)
    return [
        (set(as_list(statement["Action"])), [render(r) for r in as_list(statement["Resource"])])
        for _, statement in policy_statements(role["Properties"].get("Policies", []))
        if statement["Effect"] == "Allow"
    ]


def granted(template: dict, function: dict, action: str) -> list[str]:
    """The resources the function's role may call `action` on."""
    return [r for actions, res in grants(template, function) if action in actions for r in res]


def app_functions() -> dict[str, object]:
    """What the Chalice app defines: function name → its event source (None for the API)."""
    from app import app

    defined: dict[str, object] = {"api_handler": None} if app.routes else {}
    for event in app.event_sources:
        defined[event.name] = event
    for function in app.pure_lambda_functions:
        defined[function.name] = function
    return defined
