from __future__ import annotations

import pytest

from tests.infra._bicep_eval import AZURE_DIR, BicepTree, load_tree
from tests.infra._code_facts import CodeFacts, collect_code_facts


@pytest.fixture(scope="session")
def code_facts() -> CodeFacts:
    return collect_code_facts()


@pytest.fixture(scope="session")
def tree() -> BicepTree:
    return load_tree()


def edited(relative: str, old: str, new: str, *more: tuple[str, str]) -> BicepTree:
    """The real templates with edits to one file; fails if an ``old`` text is no longer in that file."""
    text = (AZURE_DIR / relative).read_text(encoding="utf-8")
    for before, after in ((old, new), *more):
        assert before in text, f"{relative} no longer contains {before!r}; update the test"
        text = text.replace(before, after, 1)
    return load_tree(overrides={relative: text})


def line_of(relative: str, text: str) -> int:
    """1-based line of the first occurrence of ``text`` in a real template."""
    source = (AZURE_DIR / relative).read_text(encoding="utf-8")
    assert text in source, f"{relative} no longer contains {text!r}; update the test"
    return source[: source.index(text)].count("\n") + 1
