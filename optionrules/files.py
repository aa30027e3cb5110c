"""Files: reading contracts (as UTF-8, with located errors), finding them, writing atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from optionrules.errors import Diagnostic, Span

SUFFIX = ".contract"


def read_source(path: str | Path) -> tuple[str | None, list[Diagnostic]]:
    """A contract file's text, or a located diagnostic saying why it cannot be read."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except (OSError, ValueError) as error:  # ValueError: a NUL character in the path
        return None, [Diagnostic(f"cannot read the file: {getattr(error, 'strerror', None) or error}", where=name)]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return None, [Diagnostic("the file is not valid UTF-8 text", Span(name, line, column, line, column + 1))]


def contract_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The files named, and the `.contract` files under the directories named, in a stable order."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(p for p in path.rglob(f"*{SUFFIX}")
                              if not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            yield path


def write_atomically(path: str | Path, text: str) -> None:
    """Write to a temporary file beside the target, then rename it over the target: never half a file."""
    target = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        if target.exists():
            os.chmod(temporary, target.stat().st_mode & 0o7777)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
