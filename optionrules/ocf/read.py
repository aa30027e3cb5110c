"""Reading an OCF package: a folder holding a manifest, or a zip of one; every file the manifest lists, each
validated against the vendored OCF schemas, and the references the import follows checked.

Bad input raises `OcfError` with every problem located (file, object id, JSON path); nothing is mapped. Files
are read through `optionrules.files` (regular files only, inside the package's folder, within a size)."""

from __future__ import annotations

import json
import posixpath
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from optionrules.errors import Diagnostic, OptionRulesError
from optionrules.files import FileError, inside_root, no_link_out, read_bytes
from optionrules.limits import MiB
from optionrules.ocf.schemas import FILE_TYPES, MANIFEST_LISTS, OCF_VERSION, errors, object_errors, schema_id
from optionrules.records import record

OCF_FILE_BYTES = 64 * MiB  # one file of a package
OCF_PACKAGE_BYTES = 256 * MiB  # every file of a package, together (a zip's files uncompressed)
MAX_OCF_FILES = 1_000  # files a manifest lists, or a zip holds
MAX_PROBLEMS = 200  # problems reported before the rest are counted

ISSUANCES = ("TX_EQUITY_COMPENSATION_ISSUANCE", "TX_STOCK_ISSUANCE")


class OcfError(OptionRulesError):
    """An OCF package that cannot be read: invalid against the schemas, or with references that lead nowhere."""


@record
class Item:
    """One OCF object: the file it is in, its place there, and its JSON."""

    file: str
    path: str  # its JSON path in the file: `$.items[3]`, or `$.issuer` in the manifest
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.data.get("id", ""))

    @property
    def type(self) -> str:
        """The object type; the deprecated TX_PLAN_SECURITY_* read as the TX_EQUITY_COMPENSATION_* they alias."""
        found = str(self.data.get("object_type", ""))
        return found.replace("TX_PLAN_SECURITY_", "TX_EQUITY_COMPENSATION_", 1)

    def where(self, path: str = "$") -> str:
        """`file, object ID, $.path` (the path inside the object)."""
        return f"{self.file}, object {self.id}, {self.path}{path[1:]}"


@record
class Package:
    """The objects of a package, in the order of its files."""

    name: str
    manifest: Item
    items: tuple[Item, ...]  # every object of every file (the issuer first)

    def of_type(self, *types: str) -> list[Item]:
        return [item for item in self.items if item.type in types]

    @property
    def vesting_terms(self) -> dict[str, Item]:
        return {item.id: item for item in self.of_type("VESTING_TERMS")}

    @property
    def transactions(self) -> list[Item]:
        return [item for item in self.items if item.type.startswith("TX_")]


class _Problems:
    def __init__(self) -> None:
        self.found: list[Diagnostic] = []
        self.total = 0

    def add(self, message: str, where: str) -> None:
        self.total += 1
        if len(self.found) < MAX_PROBLEMS:
            self.found.append(Diagnostic(message, where=where))

    def raise_any(self) -> None:
        if self.total:
            rest = self.total - len(self.found)
            more = [Diagnostic(f"{rest:,} more problems", where="ocf", stands_for=rest)] if rest else []
            raise OcfError(self.found + more)


def read(path: str | Path) -> Package:
    """The package at `path` (a folder holding one manifest, the manifest file itself, or a zip), validated;
    raises OcfError naming every problem."""
    files = _zip_files(path) if str(path).lower().endswith(".zip") else _folder_files(path)
    return _read(files, str(path))


def read_files(contents: Mapping[str, bytes], name: str = "<package>") -> Package:
    """A package given as its files' bytes by name (what an export is about to write), validated as `read`."""
    return _read(_Files(sorted(contents), lambda file: contents[file], lambda file: file), name)


def _read(files: _Files, path: str) -> Package:
    problems = _Problems()
    manifest_name = _find_manifest(files, problems)
    problems.raise_any()
    manifest = _load(files, manifest_name, problems)
    problems.raise_any()
    _validate_file(manifest, "OCF_MANIFEST_FILE", manifest_name, problems)
    problems.raise_any()
    if manifest.get("ocf_version") != OCF_VERSION:
        problems.add(f"ocf_version {manifest.get('ocf_version')!r}: this import reads OCF {OCF_VERSION}",
                     f"{manifest_name}, $.ocf_version")
    issuer = Item(manifest_name, "$.issuer", manifest["issuer"])
    items = [issuer]
    for key, file_type in MANIFEST_LISTS.items():
        for n, listed in enumerate(manifest.get(key, [])):
            name = _listed(manifest_name, listed["filepath"], files, f"{manifest_name}, $.{key}[{n}].filepath",
                           problems)
            if name is None:
                continue
            data = _load(files, name, problems)
            if data is not None and _validate_file(data, file_type, name, problems):
                items.extend(_objects(data, name, problems))
    problems.raise_any()
    package = Package(path, Item(manifest_name, "$", manifest), tuple(items))
    check_references(package, problems)
    problems.raise_any()
    return package


# ---- files ------------------------------------------------------------------------------------------------


class _Files:
    """The files of a package by their name inside it (a posix path), and how to read one."""

    def __init__(self, names: list[str], reader: Any, display: Any):
        self.names = names
        self._read = reader
        self._display = display
        self.read_so_far = 0

    def read(self, name: str) -> bytes:
        data: bytes = self._read(name)
        self.read_so_far += len(data)
        if self.read_so_far > OCF_PACKAGE_BYTES:
            raise FileError(f"the package's files are larger than {OCF_PACKAGE_BYTES // MiB} MiB together: not "
                            "read", self.display(name))
        return data

    def display(self, name: str) -> str:
        return str(self._display(name))


def _folder_files(path: str | Path) -> _Files:
    path = Path(path)
    no_link_out(path, "OCF package")
    folder = path if path.is_dir() else path.parent
    if not folder.is_dir():
        raise FileError("no such folder or file: name a folder holding an OCF manifest, the manifest, or a zip",
                        str(path))
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".json") and not p.name.startswith("."))
    if not path.is_dir():
        names = [path.name]  # the manifest named: the files it lists are found from it

    def reader(name: str) -> bytes:
        target = folder / name
        inside_root(target, folder, "OCF file", remedy="a manifest lists files inside its package")
        return read_bytes(target, OCF_FILE_BYTES, "OCF file")

    files = _Files(names[:MAX_OCF_FILES + 1], reader, lambda name: folder / name)
    if len(names) > MAX_OCF_FILES:
        raise FileError(f"more than {MAX_OCF_FILES:,} JSON files: not read", str(path))
    return files


def _zip_files(path: str | Path) -> _Files:
    no_link_out(path, "OCF package")
    raw = read_bytes(path, OCF_PACKAGE_BYTES, "OCF package")
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = {info.filename: info for info in archive.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, ValueError) as error:
        raise FileError(f"not a readable zip file: {error}", str(path)) from None
    if len(infos) > MAX_OCF_FILES:
        raise FileError(f"more than {MAX_OCF_FILES:,} files in the zip: not read", str(path))

    def reader(name: str) -> bytes:
        info = infos.get(name)
        if info is None:
            raise FileError("no such file in the zip", f"{path}!{name}")
        if info.file_size > OCF_FILE_BYTES:
            raise FileError(f"larger than {OCF_FILE_BYTES // MiB} MiB: not read", f"{path}!{name}")
        with archive.open(info) as member:
            data = member.read(OCF_FILE_BYTES + 1)
        if len(data) > OCF_FILE_BYTES:
            raise FileError(f"larger than {OCF_FILE_BYTES // MiB} MiB: not read", f"{path}!{name}")
        return data

    return _Files(sorted(infos), reader, lambda name: f"{path}!{name}")


def _find_manifest(files: _Files, problems: _Problems) -> str:
    """The one file whose file_type is OCF_MANIFEST_FILE (a file named *anifest* is looked at first)."""
    candidates = [n for n in files.names if n.endswith(".json")]
    found = [n for n in candidates if _file_type(files, n) == "OCF_MANIFEST_FILE"]
    if len(found) != 1:
        where = files.display(".").rstrip("./") or "."
        problems.add("no OCF manifest (a JSON file with file_type OCF_MANIFEST_FILE)" if not found else
                     f"{len(found)} OCF manifests ({', '.join(found[:5])}): a package has one", where)
        return ""
    return found[0]


def _file_type(files: _Files, name: str) -> str | None:
    try:
        data = json.loads(files.read(name))
    except (ValueError, FileError, RecursionError):  # told when the manifest lists the file
        return None
    return data.get("file_type") if isinstance(data, dict) else None


def _listed(manifest: str, filepath: str, files: _Files, where: str, problems: _Problems) -> str | None:
    """The name inside the package of a file the manifest lists (relative to the manifest's folder)."""
    name = posixpath.normpath(posixpath.join(posixpath.dirname(manifest), filepath.replace("\\", "/")))
    if name.startswith("../") or name == ".." or posixpath.isabs(name):
        problems.add(f"the file {filepath!r} is outside the package: not read", where)
        return None
    if name not in files.names and "/" not in name:
        problems.add(f"the manifest lists {filepath!r}, which is not in the package", where)
        return None
    return name


def _load(files: _Files, name: str, problems: _Problems) -> Any:
    try:
        raw = files.read(name)
    except FileError as error:
        problems.add(error.message, files.display(name))
        return None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        problems.add("not UTF-8 text", files.display(name))
    except json.JSONDecodeError as error:
        problems.add(f"not JSON: {error.msg}", f"{files.display(name)}:{error.lineno}:{error.colno}")
    except RecursionError:
        problems.add("JSON nested too deeply to read", files.display(name))
    return None


def _validate_file(data: Any, file_type: str, name: str, problems: _Problems) -> bool:
    """The file's envelope against its file type's schema (its items are validated one by one)."""
    if not isinstance(data, dict):
        problems.add("an OCF file is a JSON object", f"{name}, $")
        return False
    if data.get("file_type") != file_type:
        problems.add(f"file_type {data.get('file_type')!r}: the manifest lists it as a {file_type}",
                     f"{name}, $.file_type")
        return False
    envelope = {**data, "items": []} if "items" in data and isinstance(data["items"], list) else data
    if file_type == "OCF_MANIFEST_FILE":
        envelope = data
    before = problems.total
    for path, message in errors(envelope, schema_id(FILE_TYPES[file_type][0])):
        problems.add(message, f"{name}, {path}")
    return problems.total == before


def _objects(data: Mapping[str, Any], name: str, problems: _Problems) -> Iterator[Item]:
    for n, item in enumerate(data["items"]):
        located = Item(name, f"$.items[{n}]", item if isinstance(item, dict) else {})
        if not isinstance(item, dict):
            problems.add("an item is a JSON object", f"{name}, $.items[{n}]")
            continue
        found = object_errors(item)
        if found is None:
            problems.add(f"unknown object_type {item.get('object_type')!r}", located.where("$.object_type"))
            continue
        for path, message in found:
            problems.add(message, located.where(path))
        if not found:
            yield located


# ---- references -------------------------------------------------------------------------------------------

# the transactions the import maps, whose security must be issued in the package
SECURITY_TRANSACTIONS = ("TX_EQUITY_COMPENSATION_EXERCISE", "TX_EQUITY_COMPENSATION_CANCELLATION",
                         "TX_STOCK_REPURCHASE", "TX_VESTING_START", "TX_VESTING_EVENT", "TX_VESTING_ACCELERATION")


def check_references(package: Package, problems: _Problems) -> None:
    """The references the import follows lead somewhere: ids are unique, an issuance's vesting terms exist, a
    condition's next and relative conditions are conditions of its terms, a mapped transaction's security is
    issued, a vesting transaction's condition is a condition of that security's terms."""
    seen: dict[tuple[str, str], Item] = {}
    for item in package.items[1:]:
        kind = "TX" if item.type.startswith("TX_") else item.type
        first = seen.setdefault((kind, item.id), item)
        if first is not item:
            problems.add(f"the id {item.id!r} is also the id of {first.where()}", item.where("$.id"))
    terms = package.vesting_terms
    for item in terms.values():
        conditions = {c["id"] for c in item.data["vesting_conditions"]}
        for n, condition in enumerate(item.data["vesting_conditions"]):
            for m, next_id in enumerate(condition["next_condition_ids"]):
                if next_id not in conditions:
                    problems.add(f"no condition {next_id!r} in these vesting terms",
                                 item.where(f"$.vesting_conditions[{n}].next_condition_ids[{m}]"))
            relative = condition["trigger"].get("relative_to_condition_id")
            if relative is not None and relative not in conditions:
                problems.add(f"no condition {relative!r} in these vesting terms",
                             item.where(f"$.vesting_conditions[{n}].trigger.relative_to_condition_id"))
    issued: dict[str, Item] = {}  # every security issued (a warrant's too), by its first issuance
    for item in package.transactions:
        if item.type.endswith("_ISSUANCE"):
            issued.setdefault(str(item.data["security_id"]), item)
    for item in package.of_type(*ISSUANCES):  # the references of the issuances not mapped are not followed
        terms_id = item.data.get("vesting_terms_id")
        if terms_id is not None and terms_id not in terms:
            problems.add(f"no vesting terms {terms_id!r} in the package", item.where("$.vesting_terms_id"))
    for item in package.of_type(*SECURITY_TRANSACTIONS):
        security = str(item.data["security_id"])
        issuance = issued.get(security)
        if issuance is None:
            problems.add(f"a {item.type} for the security {security!r}, which no issuance of the package issues",
                         item.where("$.security_id"))
            continue
        condition = item.data.get("vesting_condition_id")
        terms_id = issuance.data.get("vesting_terms_id")
        if condition is not None and issuance.type in ISSUANCES and terms_id in terms:
            known = {c["id"] for c in terms[terms_id].data["vesting_conditions"]}
            if condition not in known:
                problems.add(f"no condition {condition!r} in the vesting terms {terms_id!r} of the security "
                             f"{security!r}", item.where("$.vesting_condition_id"))
        elif condition is not None and issuance.type in ISSUANCES:
            problems.add(f"the security {security!r} has no vesting terms, so no condition {condition!r}",
                         item.where("$.vesting_condition_id"))
