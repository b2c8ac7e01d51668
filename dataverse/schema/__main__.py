"""``python -m dataverse.schema [directory]``: regenerate the exported definitions (infra/dataverse/)."""

import sys

from dataverse.schema.export import DEFAULT_EXPORT_DIR, export_definitions

for written in export_definitions(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_EXPORT_DIR):
    print(written)
