"""The JSON Schemas of the JSON outputs (`eval`, `explain`, `whatif`, `schedule`, `portfolio`), shipped with the
package; each output says the version of its shape at its top, `schema_version`.

A change to a shape that could break a reader (a key removed, renamed or retyped) raises SCHEMA_VERSION.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

SCHEMA_VERSION = 2  # 1: the shapes before schema_version (a violation's "clause" its citation, lists at the top)
OUTPUTS = ("eval", "explain", "whatif", "schedule", "portfolio")


def schema(output: str) -> dict[str, Any]:
    """The JSON Schema of an output (one of OUTPUTS)."""
    if output not in OUTPUTS:
        raise ValueError(f"no JSON output {output!r} (one of: {', '.join(OUTPUTS)})")
    loaded: dict[str, Any] = json.loads(files(__name__).joinpath(f"{output}.json").read_text(encoding="utf-8"))
    return loaded


def versioned(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with the version of its shape first."""
    return {"schema_version": SCHEMA_VERSION, **payload}
