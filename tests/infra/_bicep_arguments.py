"""Arguments against parameters: module calls and .bicepparam files give every required parameter, only
known ones, and values within each parameter's type and decorators (@allowed, @minValue, ...)."""

from __future__ import annotations

from typing import Any

from tests.infra._bicep_eval import BicepTree, Unresolved, evaluate
from tests.infra._bicep_nodes import BicepFile, Declaration, Node, Obj


def module_parameters(tree: BicepTree) -> list[str]:
    """Every module call passes each required parameter, only known ones, within their constraints."""
    problems = []
    for file in tree.templates():
        for module in file.of_kind("module"):
            target = tree.files.get((file.path.parent / module.type).resolve())
            if target is None:
                problems.append(f"{file.path.name}: module {module.name} points at missing {module.type}")
                continue
            passed = module.value.entries.get("params") if isinstance(module.value, Obj) else None
            arguments = passed.entries if isinstance(passed, Obj) else {}
            problems += _arguments(f"{file.path.name}: module {module.name}", target, arguments, file)
    return problems


def parameter_files(tree: BicepTree) -> list[str]:
    problems = []
    for file in tree.parameter_files():
        using = file.of_kind("using")
        target = tree.files.get((file.path.parent / using[0].type).resolve()) if len(using) == 1 else None
        if target is None:
            problems.append(f"{file.path.name}: needs exactly one `using` naming a template in the tree")
            continue
        arguments = {d.name: d.value for d in file.of_kind("param") if d.value is not None}
        problems += _arguments(file.path.name, target, arguments, file)
    return problems


def _arguments(where: str, target: BicepFile, arguments: dict[str, Node], source: BicepFile) -> list[str]:
    problems = []
    params = {d.name: d for d in target.of_kind("param")}
    for name in sorted(arguments.keys() - params.keys()):
        problems.append(f"{where}: {target.path.name} has no parameter {name!r}")
    for name in sorted(params.keys() - arguments.keys()):
        if params[name].value is None:
            problems.append(f"{where}: required parameter {name!r} of {target.path.name} is not given")
    for name in sorted(arguments.keys() & params.keys()):
        try:
            value = evaluate(arguments[name], source)
        except Unresolved:
            continue
        problems += [f"{where}: {name}: {p}" for p in constraint_problems(params[name], value, target)]
    return problems


def constraint_problems(param: Declaration, value: Any, file: BicepFile) -> list[str]:
    """A value against its parameter's type and @allowed/@minValue/@maxValue/@minLength/@maxLength."""
    problems = []
    expected = {"string": str, "int": int, "bool": bool, "object": dict, "array": list}.get(param.type)
    if expected is not None and (
        not isinstance(value, expected) or (expected is int and isinstance(value, bool))
    ):
        problems.append(f"{value!r} is not a {param.type}")
        return problems
    for decorator in param.decorators:
        args = [evaluate(arg, file) for arg in decorator.args] if decorator.name != "description" else []
        if decorator.name == "allowed" and value not in args[0]:
            problems.append(f"{value!r} is not one of {args[0]}")
        elif decorator.name == "minValue" and value < args[0]:
            problems.append(f"{value!r} is below {args[0]}")
        elif decorator.name == "maxValue" and value > args[0]:
            problems.append(f"{value!r} is above {args[0]}")
        elif decorator.name == "minLength" and len(value) < args[0]:
            problems.append(f"{value!r} is shorter than {args[0]}")
        elif decorator.name == "maxLength" and len(value) > args[0]:
            problems.append(f"{value!r} is longer than {args[0]}")
    return problems


def default_constraints(file: BicepFile) -> list[str]:
    """Literal parameter defaults satisfy their own decorators."""
    problems = []
    for param in file.of_kind("param"):
        try:
            value = evaluate(param.value, file)
        except Unresolved:
            continue
        problems += [
            f"{file.path.name}: default of {param.name}: {p}" for p in constraint_problems(param, value, file)
        ]
    return problems
