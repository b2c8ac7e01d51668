"""Write the definitions as Web API metadata JSON for solution packaging (infra/dataverse/).

Layout: ``index.json`` (prefix, tables, files), ``choices.json`` (every choice with its option values)
and ``tables/<logical name>.json`` (entity, columns, keys, relationships). The files are generated,
never edited: regenerate with ``python -m dataverse.schema [directory]``; a test fails when the
committed files differ from what the code generates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dataverse.schema.choices import ALL_CHOICES
from dataverse.schema.metadata import LANGUAGE_CODE, table_document
from dataverse.schema.model import PREFIX, Table
from dataverse.schema.registry import TABLES

DEFAULT_EXPORT_DIR = Path(__file__).resolve().parents[2] / "infra" / "dataverse"


def render_definitions(tables: tuple[Table, ...] = TABLES) -> dict[str, str]:
    """Relative path -> file content of the whole export (deterministic)."""
    files = {f"tables/{t.name}.json": _dump(table_document(t)) for t in tables}
    index = {
        "publisherPrefix": PREFIX.rstrip("_"),
        "languageCode": LANGUAGE_CODE,
        "generatedBy": "python -m dataverse.schema",
        "tables": [
            {
                "logicalName": t.name,
                "entitySetName": t.entity_set,
                "custom": t.custom,
                "file": f"tables/{t.name}.json",
                "columns": len(t.all_columns),
                "keys": [k.name for k in t.keys],
            }
            for t in tables
        ],
        "choicesFile": "choices.json",
    }
    choices = {
        choice.__name__: [
            {"code": member.value, "value": member.option_value, "label": member.label} for member in choice
        ]
        for choice in ALL_CHOICES
    }
    files["index.json"] = _dump(index)
    files["choices.json"] = _dump(choices)
    return files


def export_definitions(
    path: str | Path = DEFAULT_EXPORT_DIR, tables: tuple[Table, ...] = TABLES
) -> list[Path]:
    """Write the export under ``path`` (created if needed) and return the files written.

    Files of an earlier export that no longer correspond to a table are removed from ``tables/``.
    """
    root = Path(path)
    files = render_definitions(tables)
    (root / "tables").mkdir(parents=True, exist_ok=True)
    for stale in (root / "tables").glob("*.json"):
        if f"tables/{stale.name}" not in files:
            stale.unlink()
    written = []
    for relative, content in sorted(files.items()):
        target = root / relative
        target.write_text(content, encoding="utf-8")
        written.append(target)
    return written


def _dump(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
