"""streamt.artifacts: versioned on-disk contracts (`manifest.json`, `plan.json`) + JSON Schemas.

Writes only into the target directory. Public: `write_artifacts`, `render_artifacts`,
`Manifest`, `manifest_json_schema`, and the plan file contract in `plan_file`.
"""

from streamt.artifacts.manifest import MANIFEST_SCHEMA_VERSION, Manifest, manifest_json_schema
from streamt.artifacts.write import render_artifacts, write_artifacts

__all__ = [
    "MANIFEST_SCHEMA_VERSION",
    "Manifest",
    "manifest_json_schema",
    "render_artifacts",
    "write_artifacts",
]
