"""The official OCF JSON schemas (vendored, `schemas/`, OCF 1.2.0) and validation against them.

Every `$ref` is resolved to the vendored files: nothing is fetched. An object is validated against the schema
of its own `object_type` (a file's `items` against the `oneOf` of every type gives no useful message), a file's
envelope against its file type's schema with its items set aside."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

OCF_VERSION = "1.2.0"
SCHEMA_BASE = f"https://schema.opencaptablecoalition.com/v/{OCF_VERSION}/"
SCHEMA_COMMIT = "9f987b48e288703ff2cd6c4534f7769bb04e724a"  # the tag v1.2.0 of Open-Cap-Format-OCF

# each file type, the schema of its file, and its manifest key (the manifest's own has none)
FILE_TYPES: dict[str, tuple[str, str | None]] = {
    "OCF_MANIFEST_FILE": ("files/OCFManifestFile", None),
    "OCF_STAKEHOLDERS_FILE": ("files/StakeholdersFile", "stakeholders_files"),
    "OCF_STOCK_CLASSES_FILE": ("files/StockClassesFile", "stock_classes_files"),
    "OCF_STOCK_PLANS_FILE": ("files/StockPlansFile", "stock_plans_files"),
    "OCF_STOCK_LEGEND_TEMPLATES_FILE": ("files/StockLegendTemplatesFile", "stock_legend_templates_files"),
    "OCF_TRANSACTIONS_FILE": ("files/TransactionsFile", "transactions_files"),
    "OCF_VALUATIONS_FILE": ("files/ValuationsFile", "valuations_files"),
    "OCF_VESTING_TERMS_FILE": ("files/VestingTermsFile", "vesting_terms_files"),
    "OCF_FINANCINGS_FILE": ("files/FinancingsFile", "financings_files"),
    "OCF_DOCUMENTS_FILE": ("files/DocumentsFile", "documents_files"),
}
MANIFEST_LISTS = {key: file_type for file_type, (_, key) in FILE_TYPES.items() if key is not None}


def _files() -> Iterator[tuple[str, Any]]:
    """Each vendored schema file: its path under `schema/` and its JSON."""
    pending = [resources.files("optionrules.ocf").joinpath("schemas").joinpath("schema")]
    while pending:
        folder = pending.pop()
        for entry in folder.iterdir():
            if entry.is_dir():
                pending.append(entry)
            elif entry.name.endswith(".schema.json"):
                yield entry.name, json.loads(entry.read_text(encoding="utf-8"))


@cache
def _schemas() -> dict[str, Any]:
    """Every vendored schema by its `$id`."""
    return {schema["$id"]: schema for _, schema in _files()}


@cache
def object_schemas() -> dict[str, str]:
    """Each `object_type` and the `$id` of the schema of its objects."""
    found: dict[str, str] = {}
    for schema_id, schema in sorted(_schemas().items()):
        declared = schema.get("properties", {}).get("object_type", {})
        if "/objects/" in schema_id and "const" in declared:
            found[declared["const"]] = schema_id
    for schema_id, schema in sorted(_schemas().items()):  # TX_PLAN_SECURITY_* and TX_EQUITY_COMPENSATION_*
        for value in schema.get("properties", {}).get("object_type", {}).get("enum", ()):
            found.setdefault(value, schema_id)
    return found


@cache
def _validator(schema_id: str) -> Any:
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    registry: Registry[Any] = Registry().with_resources(
        (sid, Resource.from_contents(schema, default_specification=DRAFT7)) for sid, schema in _schemas().items())
    return Draft7Validator(_schemas()[schema_id], registry=registry)


def schema_id(name: str) -> str:
    return f"{SCHEMA_BASE}{name}.schema.json"


def errors(instance: Any, schema: str) -> list[tuple[str, str]]:
    """The schema's complaints about the instance, each as (JSON path relative to it, message), in path order;
    for a `oneOf` (a trigger, a period) the complaints of the branch that came closest."""
    found: list[tuple[str, str]] = []
    for error in sorted(_validator(schema).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        error = _deepest(error)
        found.append((_path(error.absolute_path), _message(error)))
    return found


def _deepest(error: Any) -> Any:
    """Within a `oneOf`, the branch whose `type` (or `object_type`) constant the instance has, else the best."""
    from jsonschema.exceptions import best_match

    while error.context:
        branches: dict[Any, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
        fitting = [subs for subs in branches.values() if not any(_wrong_kind(sub) for sub in subs)]
        error = best_match(fitting[0] if len(fitting) == 1 else error.context)
    return error


def _wrong_kind(error: Any) -> bool:
    return error.validator == "const" and bool(error.path) and error.path[-1] in ("type", "object_type")


def _message(error: Any) -> str:
    text = str(error.message)
    return text if len(text) <= 300 else text[:300] + "..."


def _path(parts: Any) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def object_errors(item: Mapping[str, Any]) -> list[tuple[str, str]] | None:
    """An object's complaints against the schema of its object_type (None: no such object_type)."""
    schema = object_schemas().get(str(item.get("object_type")))
    return None if schema is None else errors(item, schema)
