"""Files: what is read (regular files inside a folder tree, within a size), finding contracts, writing safely.

A contract file is untrusted input (CI runs `optionrules check` on pull requests), so:

- contract files, and the plans and forms they use, are read only inside the *root*: the folder of the
  contract named (or of each contract found in a folder named), or the `--root` folder; a path or a link
  that leads out of it is refused before anything is opened, and a `.contract` name must lead to a
  `.contract` file (a link `x.contract -> .git/config` is refused);
- only regular files are read (never a device, a FIFO or a socket: a FIFO is opened without blocking), or
  standard input where `-` is named, and nothing over its size limit, refused before it is read whole;
- a write never leaves half a file, keeps the file's mode, owner and links, refuses a read-only file, and
  refuses to overwrite a file that changed since it was read.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from optionrules.errors import Diagnostic, OptionRulesError, Span, line_and_column
from optionrules.limits import CONTRACT_BYTES, MiB

SUFFIX = ".contract"
STDIN = "-"

_root: contextvars.ContextVar[Path | None] = contextvars.ContextVar("root", default=None)


class FileError(OptionRulesError):
    """A file that is refused or cannot be read or written: one diagnostic naming it."""

    def __init__(self, message: str, where: str, span: Span | None = None):
        super().__init__([Diagnostic(message, span, None if span else where)])
        self.message = message


@contextlib.contextmanager
def reading_root(root: str | Path | None) -> Iterator[None]:
    """Contracts, plans and forms are read inside `root` while in this block (None: each contract's folder)."""
    token = _root.set(Path(root) if root is not None else None)
    try:
        yield
    finally:
        _root.reset(token)


def root_of(contract: str | Path) -> Path:
    """The folder tree a contract and the plans and forms under it are read from."""
    named = _root.get()
    return named if named is not None else Path(contract).parent


def inside_root(path: str | Path, root: Path, what: str, remedy: str = "name a wider --root to read it") -> None:
    """Refuse a path that leads (through `..`, an absolute path or a link) out of `root`, or a `.contract` name
    that leads to a file of another name, or a name with a NUL or a line break (which would start a line of its
    own in every message naming the file); nothing is opened, so nothing is said about what lies outside."""
    if "\0" in str(path) or "\n" in str(path):
        raise FileError(f"the {what}'s name has a NUL or a line break: not read (rename it)", str(path))
    if not _within(path, root):
        raise FileError(f"the {what} is outside the folder {root} (a path or link out of it is not followed; "
                        f"{remedy})", str(path))
    if str(path).endswith(SUFFIX) and not os.path.realpath(path).endswith(SUFFIX):
        raise FileError(f"the {what} is a link to a file that is not a {SUFFIX} file: not read", str(path))


def _within(path: str | Path, folder: str | Path) -> bool:
    """Whether `path`, its links followed, leads inside `folder` (its links followed too)."""
    real, real_folder = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([real, real_folder]) == real_folder


def no_link_out(path: str | Path, what: str) -> None:
    """Refuse a path named on the command line (or found in a folder named) that goes through a link leading
    out of the folder holding the link: a committed `contracts/acme -> /home/runner` or `events.json ->
    /proc/self/environ` is not followed. The part of an absolute path down to the working folder is the
    operator's, and not looked at."""
    folder, parts = _named_parts(os.fspath(path))
    for n, part in enumerate(parts, start=1):
        step = os.path.join(folder, part)
        if part not in (".", "..") and os.path.islink(step) and not _within(step, folder):
            raise FileError(f"the {what} is reached through the link {os.path.join(*parts[:n])}, which leads out "
                            "of the folder holding it: not followed (name the place it leads to instead)", str(path))
        folder = step


def _named_parts(name: str) -> tuple[str, tuple[str, ...]]:
    """Where to start looking for links in a path, and its parts from there."""
    if not os.path.isabs(name):
        return ".", Path(name).parts
    here = os.getcwd()
    if os.path.commonpath([name, here]) == here:
        return here, Path(os.path.relpath(name, here)).parts
    return os.path.dirname(name), (os.path.basename(name),)


def read_bytes(path: str | Path, limit: int, what: str) -> bytes:
    """The bytes of a regular file (or of standard input for `-`), at most `limit` of them.

    Devices, FIFOs, sockets and directories are refused by their type before reading; a FIFO is opened
    without blocking. A file larger than `limit` is refused before it is read whole (a file of /proc says
    it is empty: at most `limit` + 1 bytes are read to find out).
    """
    name = display_name(path)
    if str(path) == STDIN:
        return _limited(sys.stdin.buffer, limit, what, name)
    try:
        _regular(os.stat(path).st_mode, what, name)  # before opening: opening some devices does something
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    except (OSError, ValueError) as error:  # ValueError: a NUL character in the path
        raise FileError(f"cannot read the {what}: {_reason(error)}", name) from None
    with os.fdopen(fd, "rb") as file:
        found = os.fstat(fd)
        _regular(found.st_mode, what, name)  # it may have been replaced since
        if found.st_size > limit:
            raise _too_large(what, limit, name)
        try:
            return _limited(file, limit, what, name)
        except OSError as error:
            raise FileError(f"cannot read the {what}: {_reason(error)}", name) from None


def _regular(mode: int, what: str, name: str) -> None:
    if stat.S_ISREG(mode):
        return
    kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "not a file")
    raise FileError(f"cannot read the {what}: {kind}, not a regular file", name)


def _limited(stream: BinaryIO, limit: int, what: str, name: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large(what, limit, name)
    return data


def _too_large(what: str, limit: int, name: str) -> FileError:
    return FileError(f"the {what} is larger than {limit // MiB} MiB: not read (the limit for a {what})", name)


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)


def display_name(path: str | Path) -> str:
    """The name a file goes by in messages: `<stdin>` for `-`."""
    return "<stdin>" if str(path) == STDIN else str(path)


def read_source(path: str | Path) -> tuple[str | None, list[Diagnostic]]:
    """A contract file's text, read inside its root (and, without a root named, through no link out of the
    folder holding it), or a located diagnostic saying why it cannot be read."""
    try:
        if _root.get() is None and str(path) != STDIN:
            no_link_out(path, "file")
        return decode(read_contract(path, root_of(path), "file"), display_name(path))
    except FileError as error:
        return None, error.diagnostics


def read_contract(path: str | Path, root: Path, what: str) -> bytes:
    """The bytes of a contract, plan or form file inside `root` (standard input for `-`)."""
    if str(path) != STDIN:
        inside_root(path, root, what)
    return read_bytes(path, CONTRACT_BYTES, what)


def decode(raw: bytes, name: str) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 text (a byte order mark is dropped), or a diagnostic at the first byte that does not decode."""
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line, column = line_and_column(raw, error.start)
        return None, [Diagnostic("the file is not valid UTF-8 text", Span(name, line, column, line, column + 1))]


def read_text(path: str | Path, limit: int, what: str) -> str:
    """The UTF-8 text (a byte order mark dropped) of a file named on the command line, or of standard input
    for `-`: a regular file of at most `limit` bytes, not reached through a link out of its own folder (a
    committed `grants.csv -> /proc/self/environ` is refused); FileError otherwise."""
    if str(path) != STDIN:
        no_link_out(path, what)
    text, problems = decode(read_bytes(path, limit, what), display_name(path))
    if text is None:
        raise FileError(problems[0].message, display_name(path), problems[0].span)
    return text


def contract_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Diagnostic]]:
    """The files named, and the `.contract` files under the directories named (hidden folders skipped, links to
    folders not followed, nor a folder named through a link out of its folder or of the root), in a stable
    order; and a diagnostic for each folder that could not be searched."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    for name in paths:
        path = Path(name)
        if str(name) == "":
            problems.append(Diagnostic("an empty path names no file or folder", where="''"))
        elif str(name) != STDIN and path.is_dir():
            try:
                _searchable(path)
            except FileError as error:
                problems.extend(error.diagnostics)
                continue
            found.extend(_search(path, problems))
        else:
            found.append(path)
    return found, problems


def _searchable(folder: Path) -> None:
    root = _root.get()
    if root is None:
        no_link_out(folder, "folder")
    else:
        inside_root(folder, root, "folder")


def _search(top: Path, problems: list[Diagnostic]) -> list[Path]:
    """The `.contract` files under `top`, folder by folder from a stack (a tree of any depth)."""
    found: list[Path] = []
    pending = [str(top)]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                listed = [(entry.name, entry.path, entry.is_dir(follow_symlinks=False)) for entry in entries]
        except OSError as error:
            problems.append(Diagnostic(f"cannot search the folder: {_reason(error)}", where=str(Path(folder))))
            continue
        for name, path, is_folder in listed:
            if name.startswith("."):
                continue
            if is_folder:
                pending.append(path)
            elif name.endswith(SUFFIX):
                found.append(Path(path))
    return sorted(found)


# ---- writing ------------------------------------------------------------------------------------------


def check_writable(path: str | Path, what: str) -> None:
    """Refuse, before any work, to write where it cannot succeed: no such folder, a folder or a device in the
    way, a read-only file or folder."""
    name = str(path)
    target = Path(os.path.realpath(path))
    if not target.parent.is_dir():
        raise FileError(f"cannot write the {what}: no folder {target.parent}", name)
    try:
        found = os.stat(target)
    except FileNotFoundError:
        found = None
    except OSError as error:
        raise FileError(f"cannot write the {what}: {_reason(error)}", name) from None
    if found is not None and not stat.S_ISREG(found.st_mode):
        raise FileError(f"cannot write the {what}: {name} is not a regular file", name)
    if found is not None and (not found.st_mode & 0o222 or not os.access(target, os.W_OK)):
        raise FileError(f"the {what} is read-only: not written", name)
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise FileError(f"cannot write the {what}: the folder {target.parent} is not writable", name)


def check_output(path: str | Path, what: str) -> None:
    """Refuse, before any work, an output file named on the command line that cannot be written, or that is
    reached through a link out of the folder holding it (a committed `report.xml -> ~/.bashrc` is not written
    through)."""
    no_link_out(path, what)
    check_writable(path, what)


def write_text(path: str | Path, text: str, what: str = "file", expected: str | None = None) -> None:
    """Write `text` as UTF-8 to the file `path` names; raises FileError saying why it could not.

    A link is followed: the file it leads to is written and the link stays. The file keeps its mode and its
    owner. With `expected` (the text the file had when it was read), a file whose text changed meanwhile is
    not written: the edit made meanwhile is kept.

    Most files are replaced atomically: a temporary file in the file's real folder, synced, then renamed
    over it, so a reader or a crash sees the old text or the new, never half a file. A file with other hard
    links cannot be replaced so (the rename would give this name a new file and leave the other names with
    the old text), and neither can one whose owner this user cannot give a new file: those are rewritten in
    place through the one open file (checked, truncated, written, synced), which every link sees but which
    is not atomic.
    """
    write_bytes(path, text.encode("utf-8"), what, expected)


def write_bytes(path: str | Path, data: bytes, what: str = "file", expected: str | None = None) -> None:
    """Write `data` to the file `path` names, as `write_text` writes a text (a Parquet file, say)."""
    check_writable(path, what)
    name = str(path)
    target = Path(os.path.realpath(path))
    try:
        found = os.stat(target) if target.exists() else None
        linked = found is not None and found.st_nlink > 1
        if linked or not _replace(target, data, found, expected, what, name):
            _rewrite_in_place(target, data, expected, what, name)
    except OSError as error:
        raise FileError(f"cannot write the {what}: {_reason(error)}", name) from None


def _replace(target: Path, data: bytes, found: os.stat_result | None, expected: str | None, what: str,
             name: str) -> bool:
    """Write a temporary file beside the target and rename it over it; False if its owner cannot be kept."""
    import tempfile  # only commands that write need it

    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if found is None:
            os.chmod(temporary, 0o666 & ~_umask())
        else:
            os.chmod(temporary, stat.S_IMODE(found.st_mode))
            if (found.st_uid, found.st_gid) != (os.geteuid(), os.getegid()):
                try:
                    os.chown(temporary, found.st_uid, found.st_gid)
                except PermissionError:
                    Path(temporary).unlink()
                    return False
            if expected is not None:
                _unchanged(target.read_bytes(), expected, what, name)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)
    return True


def _rewrite_in_place(target: Path, data: bytes, expected: str | None, what: str, name: str) -> None:
    with open(target, "r+b") as file:
        if expected is not None:
            _unchanged(file.read(), expected, what, name)
            file.seek(0)
        file.write(data)
        file.truncate()
        file.flush()
        os.fsync(file.fileno())


def _unchanged(current: bytes, expected: str, what: str, name: str) -> None:
    if current.decode("utf-8-sig", errors="replace") != expected:
        raise FileError(f"the {what} changed since it was read: not written (run again)", name)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (not every system can open a folder to sync it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
