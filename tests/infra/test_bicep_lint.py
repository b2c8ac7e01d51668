"""Our stand-in for `bicep build`: the templates parse, every name resolves, nothing secret is written.

Each rule is also shown to fire on a copy of the templates with one mistake put in.
"""

from __future__ import annotations

import pytest

from tests.infra._bicep_eval import BicepTree, load_tree
from tests.infra._bicep_lint import lint_tree
from tests.infra._bicep_tokens import BicepSyntaxError
from tests.infra.conftest import edited, line_of

MAIN = "main.bicep"
STORAGE = "modules/storage.bicep"
DEV = "parameters/dev.bicepparam"


def test_templates_pass_the_lint(tree: BicepTree) -> None:
    assert lint_tree(tree) == []


def test_every_template_and_parameter_file_is_parsed(tree: BicepTree) -> None:
    names = {path.relative_to(tree.root).as_posix() for path in tree.files}
    assert {MAIN, STORAGE, DEV, "parameters/prod.bicepparam", "modules/servicebus.bicep"} <= names
    assert all(file.declarations for file in tree.files.values())


def test_an_unknown_identifier_is_reported() -> None:
    tree = edited(STORAGE, "  location: location\n", "  location: locaton\n")
    assert lint_tree(tree) == [
        f"storage.bicep:{line_of(STORAGE, '  location: location')}: unknown identifier 'locaton'",
        f"storage.bicep:{line_of(STORAGE, 'param location')}: param 'location' is never used",
    ]


def test_an_unknown_identifier_inside_an_interpolation_is_reported() -> None:
    tree = edited(STORAGE, "${deploymentContainer.name}", "${deploymentContaner.name}")
    line = line_of(STORAGE, "${deploymentContainer.name}")
    assert lint_tree(tree) == [f"storage.bicep:{line}: unknown identifier 'deploymentContaner'"]


def test_an_unused_parameter_is_reported() -> None:
    tree = edited(
        STORAGE,
        "param deploymentContainerName string\n",
        "param deploymentContainerName string\nparam spare int = 1\n",
    )
    line = line_of(STORAGE, "param deploymentContainerName string") + 1
    assert lint_tree(tree) == [f"storage.bicep:{line}: param 'spare' is never used"]


def test_a_resource_without_a_name_is_reported() -> None:
    tree = edited(STORAGE, "  parent: storage\n  name: 'default'\n", "  parent: storage\n")
    line = line_of(STORAGE, "resource blobService")
    assert lint_tree(tree) == [f"storage.bicep:{line}: resource blobService has no name"]


@pytest.mark.parametrize(
    "literal",
    [
        "DefaultEndpointsProtocol=https;AccountName=st;AccountKey=bm90IGEgcmVhbCBrZXk=",
        "Endpoint=sb://sb-x.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey=b",
        "c2VjcmV0LWtleS12YWx1ZS10aGF0LWlzLWxvbmctZW5vdWdoLXRvLWJlLXJlYWw=",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl",
    ],
)
def test_a_secret_written_as_a_literal_is_reported(literal: str) -> None:
    tree = edited(STORAGE, "    accessTier: 'Hot'\n", f"    accessTier: '{literal}'\n")
    problems = lint_tree(tree)
    assert len(problems) == 1
    line = line_of(STORAGE, "    accessTier: 'Hot'")
    assert problems[0].startswith(f"storage.bicep:{line}: literal looks like a secret")
    assert literal not in problems[0]


def test_reading_keys_with_list_functions_is_reported() -> None:
    tree = edited(
        STORAGE,
        "output storageAccountName string = storage.name\n",
        "output storageAccountName string = storage.listKeys().keys[0].value\n",
    )
    assert lint_tree(tree) == [
        "storage.bicep: uses a list*() function; access is by identity, keys never flow"
    ]


def test_a_module_call_missing_a_required_parameter_is_reported() -> None:
    tree = edited(MAIN, "    deploymentContainerName: names.deploymentContainer\n", "")
    assert lint_tree(tree) == [
        "main.bicep: module storage: required parameter 'deploymentContainerName' of storage.bicep "
        "is not given"
    ]


def test_a_module_call_with_an_unknown_parameter_is_reported() -> None:
    tree = edited(
        MAIN, "    pythonVersion: '3.11'\n", "    pythonVersion: '3.11'\n    pythonVersoin: '3.11'\n"
    )
    assert lint_tree(tree) == [
        "main.bicep: module functionApp: functionapp.bicep has no parameter 'pythonVersoin'"
    ]


def test_a_module_argument_outside_the_allowed_values_is_reported() -> None:
    tree = edited(MAIN, "    pythonVersion: '3.11'\n", "    pythonVersion: '3.9'\n")
    assert lint_tree(tree) == ["main.bicep: module functionApp: pythonVersion: '3.9' is not one of ['3.11']"]


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "param environmentName = 'dev'\n",
            "param environmentName = 'qa'\n",
            "environmentName: 'qa' is not one of",
        ),
        (
            "param maximumInstanceCount = 2\n",
            "param maximumInstanceCount = 0\n",
            "maximumInstanceCount: 0 is below 1",
        ),
        ("param maximumInstanceCount = 2\n", "param maximumInstanceCount = '2'\n", "'2' is not a int"),
        ("param dataverseUrl = ", "param dataverseUri = ", "main.bicep has no parameter 'dataverseUri'"),
    ],
)
def test_a_parameter_file_value_is_checked_against_the_template(old: str, new: str, problem: str) -> None:
    problems = lint_tree(edited(DEV, old, new))
    assert any(problem in p for p in problems), problems


def test_a_parameter_file_must_use_an_existing_template() -> None:
    tree = edited(DEV, "using '../main.bicep'\n", "using '../mian.bicep'\n")
    assert lint_tree(tree) == ["dev.bicepparam: needs exactly one `using` naming a template in the tree"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("  kind: 'StorageV2'\n", "  kind: 'StorageV2\n"),
        ("  sku: {\n    name: 'Standard_LRS'\n  }\n", "  sku: {\n    name: 'Standard_LRS'\n"),
        ("    name: 'Standard_LRS'\n", "    name: 'Standard_LRS'\n    name: 'Premium_LRS'\n"),
        ("resource storage 'Microsoft", "resorce storage 'Microsoft"),
    ],
)
def test_malformed_templates_fail_to_parse_with_file_and_line(old: str, new: str) -> None:
    with pytest.raises(BicepSyntaxError, match=r"storage\.bicep:\d+: "):
        edited(STORAGE, old, new)


def test_overriding_a_missing_template_is_an_error() -> None:
    with pytest.raises(FileNotFoundError):
        load_tree(overrides={"modules/nothing.bicep": ""})
