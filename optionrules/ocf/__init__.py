"""Open Cap Format (OCF 1.2.0): packages read as forms, grants tables and events tables, and written from them.

    imported = optionrules.ocf.read("package/")     # or a zip; validated against the vendored OCF schemas
    imported.forms, imported.unmapped                # the forms with their grants and events; what was not mapped
    imported.write("out/")                           # FORM.contract, FORM.grants.csv, FORM.events.csv, unmapped.csv
    exported = optionrules.ocf.write("form.contract", "grants.csv", events="events.csv", as_of="2026-06-30")
    exported.write("package/"), exported.not_carried

Needs the [ocf] extra (jsonschema). Bad input raises `OcfError` with every problem located (file, object id,
JSON path), and nothing is mapped.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from optionrules.ocf.imports import Imported, ImportedForm, import_package
from optionrules.ocf.mapping import Unmapped
from optionrules.ocf.read import OcfError, Package
from optionrules.ocf.schemas import OCF_VERSION, SCHEMA_COMMIT
from optionrules.ocf.write import Exported, NotCarried
from optionrules.ocf.write import write as _export

__all__ = ["OCF_VERSION", "SCHEMA_COMMIT", "Exported", "Imported", "ImportedForm", "NotCarried", "OcfError",
           "Package", "Unmapped", "read", "write"]


def read(path: str | Path) -> Imported:
    """The forms, grants and events of the OCF package at `path` (a folder holding a manifest, or a zip)."""
    return import_package(path)


def write(form: str | Path, grants: str | Path, events: str | Path | None = None,
          as_of: date | str | None = None) -> Exported:
    """The OCF package of a form's grants (a CSV file) and their events (a CSV file), as of `as_of`."""
    return _export(form, grants, events, as_of)
