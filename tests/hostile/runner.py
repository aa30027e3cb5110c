"""The hostile-input corpus's machinery: a case's files, its child process, and what is checked of its outcome.

Every case runs `python -m optionrules ...` (or a Python API call) in a child process of its own, in a folder of
its own laid out as a CI runner's checkout next to what an attacker would like to read:

    <case>/tree/      the contract's folder, the working folder of the child: the pull request's files
    <case>/outside/   secrets outside the tree: a plan and a form that check, a text, a timeline, a CSV file,
                      each carrying SECRET; the child's environment carries it too (/proc/self/environ)
    <case>/tmp/       the child's TMPDIR, holding a pickle at every path Lark's old cache read
                      (tests/test_parser_tables.py): loading one would create <case>/the payload ran

The child runs under RLIMIT_AS (1 GiB) and RLIMIT_FSIZE, without root's power to read or write past file modes,
and is killed (its whole process group) past its time bound. Cases run several at a time from this thread (no
thread is started: preexec_fn stays safe), their output going to files. Compiled modules are kept beside the
cases (PYTHONPYCACHEPREFIX), as an installed package has them.

Of every case, whatever it is: the exit code is the one expected; the expected messages are shown; the
output is UTF-8 and shows no control character, bidirectional override or lone surrogate raw; it has no
"Traceback" and no "internal error"; no ten characters of SECRET appear in it or in any file of the tree; the
planted pickle did not run; the files said to be left alone are byte for byte and mode for mode as they were;
and it ended within its time bound.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import re
import resource
import secrets
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from optionrules.errors import _INVISIBLE
from tests.test_parser_tables import _old_cache_files, _Payload

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SECRET = "SECRET" + secrets.token_hex(16)  # a fresh one each session: never in a fixture
MEMORY = 1 << 30  # RLIMIT_AS of a case
WRITTEN = 64 << 20  # RLIMIT_FSIZE of a case: the largest file it may write
SECONDS = 20.0  # a case's default time bound


# ---- a case's files ---------------------------------------------------------------------------------------

Maker = Callable[[Path, Path], None]  # makes one file (or link, FIFO, folder) at a path, given the outside folder


def text(content: str | Callable[[], str]) -> Maker:
    """A UTF-8 file; `content` may be a function, for a large one made only when the case runs."""
    return lambda path, _: path.write_text(content() if callable(content) else content, encoding="utf-8")


def data(content: bytes | Callable[[], bytes]) -> Maker:
    return lambda path, _: path.write_bytes(content() if callable(content) else content)


def fixture(name: str, *edits: tuple[str, str]) -> Maker:
    """A fixture (tests/hostile/fixtures, or a path from the repository's root), each (old, new) replaced once."""
    source = FIXTURES / name if (FIXTURES / name).exists() else ROOT / name

    def make(path: Path, _: Path) -> None:
        content = source.read_text(encoding="utf-8")
        for old, new in edits:
            assert content.count(old) == 1, (name, old)
            content = content.replace(old, new)
        path.write_text(content, encoding="utf-8")

    return make


def link(target: str) -> Maker:
    """A symbolic link; `{outside}` in its target is the case's outside folder."""
    return lambda path, outside: path.symlink_to(target.format(outside=outside))


def fifo() -> Maker:
    return lambda path, _: os.mkfifo(path)


def folder() -> Maker:
    return lambda path, _: path.mkdir()


def listening_socket() -> Maker:
    def make(path: Path, _: Path) -> None:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))  # the file stays after the socket is closed
        server.close()

    return make


def mode(bits: int) -> Maker:
    """The mode of a file or folder made before it in the case's `files` (a folder's files first, then it)."""
    return lambda path, _: path.chmod(bits)


@dataclass(frozen=True)
class Case:
    """One hostile input: what it runs, and how it must end.

    `run`: the command line after `optionrules`, or `api`: Python statements run after `import optionrules`
    in the tree, which must raise `raises` (an OptionRulesError). `{outside}` in either is the outside folder.
    `shows`: regular expressions the output (stdout and stderr together) must match; the first names the place
    the problem is at (file:line:col, an event's index and field, a CSV line and column, a folder, a flag).
    """

    id: str
    exit: int = 0
    run: Sequence[str] = ()
    api: str | None = None
    raises: str | None = None
    files: dict[str, Maker] = field(default_factory=dict)
    shows: Sequence[str] = ()
    hides: Sequence[str] = ()  # regular expressions the output must not match
    untouched: Sequence[str] = ()  # files (from the tree) the command must leave as they were
    stdin: str | None = None  # a file of the tree, or a device, as standard input
    lines: int | None = None  # read this many lines of stdout, then close it (`| head -N`)
    seconds: float = SECONDS

    @property
    def located(self) -> bool:
        """A case that ends in a message naming where the problem is (not an input accepted as it should be)."""
        return bool(self.shows) and (self.exit != 0 or self.raises is not None)


# ---- running --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    case: Case
    exit: int | None  # None: killed at its time bound
    stdout: bytes
    stderr: bytes
    seconds: float
    problems: list[str]  # what did not hold; empty: the case passed

    @property
    def text(self) -> str:
        return (self.stdout + b"\n" + self.stderr).decode("utf-8", "replace")


def lay_out(case: Case, where: Path) -> Path:
    """The case's folders and files; returns the tree."""
    tree, outside, tmp = where / "tree", where / "outside", where / "tmp"
    for made in (tree, outside, tmp):
        made.mkdir(parents=True)
    _plant_secrets(outside)
    for planted in _old_cache_files(tmp):
        planted.write_bytes(b"x" * 64 + b"\n" + 2 * pickle.dumps(_Payload(where / "the payload ran")))
    for name, make in case.files.items():
        path = tree / name.split("#")[0]  # `name#mode`: a second entry for the same path
        path.parent.mkdir(parents=True, exist_ok=True)
        make(path, outside)
    return tree


def _plant_secrets(outside: Path) -> None:
    """What must never be read: files that would check or parse, so that reading them would show them."""
    fixture("plan.contract", ('"A small equity plan"', f'"{SECRET}"'), ("Example, Inc.", SECRET))(
        outside / "plan.contract", outside)
    fixture("form.contract", ('"A small option form"', f'"{SECRET}"'))(outside / "form.contract", outside)
    (outside / "secret.txt").write_text(f"{SECRET}\n", encoding="utf-8")
    (outside / "events.json").write_text(f'{{"events": [{{"date": "2021-01-01", "event": "{SECRET}"}}]}}\n',
                                         encoding="utf-8")
    (outside / "grants.csv").write_text(f"id,{SECRET}\nG-1,{SECRET}\n", encoding="utf-8")


def command(case: Case, tree: Path) -> list[str]:
    outside = str(tree.parent / "outside")
    if case.api is None:
        return [sys.executable, "-m", "optionrules", *(arg.format(outside=outside) for arg in case.run)]
    program = (f"import optionrules\ntry:\n    {case.api.format(outside=outside)}\n"
               "except optionrules.OptionRulesError as error:\n"
               "    print('raised', type(error).__name__)\n    print(error)\nelse:\n    print('returned')\n")
    return [sys.executable, "-c", program]


def environment(tree: Path) -> dict[str, str]:
    """The child's: its own TMPDIR, the secret, and compiled modules kept beside the cases, not in the
    repository."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("OPTIONRULES_", "PYTEST_")) and key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "TMPDIR": str(tree.parent / "tmp"), "PYTHONIOENCODING": "utf-8", "HOSTILE_SECRET": SECRET,
            "PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": str(tree.parent.parent / "pycache")}


_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER = 1, 2, 3


def _confine() -> None:
    """In the child, before it runs the command: the memory and file-size bounds; and, as root, no power to
    read or write past file modes (dropped from the capabilities the command will have), so that a
    read-only or unreadable file is what it is for a CI runner."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_FSIZE, (WRITTEN, WRITTEN))
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER):
            if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                os._exit(125)


@dataclass
class _Running:
    case: Case
    tree: Path
    process: subprocess.Popen[bytes]
    started: float
    before: dict[str, tuple[bytes, int]]
    files: contextlib.ExitStack  # the files given to the child (and to `head`), closed when it ends
    head: subprocess.Popen[bytes] | None = None  # the reader of `| head -N`


def run_all(cases: Sequence[Case], where: Path, jobs: int) -> dict[str, Outcome]:
    """Run the cases, `jobs` at a time, each in `where/<its id>`; their outcomes by id."""
    pending, running, outcomes = list(reversed(cases)), [], {}
    while pending or running:
        while pending and len(running) < jobs:
            running.append(_start(pending.pop(), where))
        for job in list(running):
            if job.process.poll() is None and time.monotonic() - job.started < job.case.seconds:
                continue
            outcomes[job.case.id] = _finish(job)
            running.remove(job)
        time.sleep(0.02)
    return outcomes


def _start(case: Case, where: Path) -> _Running:
    tree = lay_out(case, where / re.sub(r"\W", "_", case.id))
    before = {name: _state(tree / name) for name in case.untouched}
    files = contextlib.ExitStack()  # open while the child runs, past this function: closed by _finish
    stdin = files.enter_context(open(tree / case.stdin if case.stdin else os.devnull, "rb"))  # noqa: SIM115
    stdout = files.enter_context(open(tree.parent / "stdout", "wb"))  # noqa: SIM115
    stderr = files.enter_context(open(tree.parent / "stderr", "wb"))  # noqa: SIM115
    process = subprocess.Popen(command(case, tree), cwd=tree, env=environment(tree), stdin=stdin,
                               stdout=stdout if case.lines is None else subprocess.PIPE, stderr=stderr,
                               preexec_fn=_confine, start_new_session=True)
    job = _Running(case, tree, process, time.monotonic(), before, files)
    if case.lines is not None:  # `optionrules ... | head -N`: the reader goes away after N lines
        assert process.stdout is not None
        job.head = subprocess.Popen(["head", f"-{case.lines}"], stdin=process.stdout, stdout=stdout)
        process.stdout.close()
    return job


def _finish(job: _Running) -> Outcome:
    seconds = time.monotonic() - job.started
    code = job.process.poll()
    if code is None:
        os.killpg(job.process.pid, signal.SIGKILL)
        job.process.wait()
    if job.head is not None:
        job.head.wait()
    job.files.close()
    stdout, stderr = ((job.tree.parent / name).read_bytes() for name in ("stdout", "stderr"))
    outcome = Outcome(job.case, code, stdout, stderr, seconds, [])
    outcome.problems = _problems(outcome, job)
    _make_removable(job.tree.parent)
    return outcome


# ---- checking -------------------------------------------------------------------------------------------

_SECRET_PIECES = re.compile("|".join(re.escape(SECRET[i:i + 10]) for i in range(len(SECRET) - 9)))


def _problems(outcome: Outcome, job: _Running) -> list[str]:
    case, found = outcome.case, []
    if outcome.exit is None:
        return [f"not finished within {case.seconds} s (killed)"]
    if outcome.seconds > case.seconds:
        found.append(f"took {outcome.seconds:.1f} s, more than its bound of {case.seconds} s")
    if outcome.exit != case.exit:
        found.append(f"exit code {outcome.exit}, not {case.exit}")
    found += _output_problems(outcome)
    if case.raises is not None and f"raised {case.raises}\n" not in outcome.stdout.decode("utf-8", "replace"):
        found.append(f"did not raise {case.raises}")
    found += [f"does not show {pattern!r}" for pattern in case.shows
              if not re.search(pattern, outcome.text, re.MULTILINE)]
    found += [f"shows {pattern!r}" for pattern in case.hides if re.search(pattern, outcome.text, re.MULTILINE)]
    found += [f"a piece of the secret is in {name}" for name in _secret_holders(outcome, job.tree)]
    if (job.tree.parent / "the payload ran").exists():
        found.append("a planted Lark cache file was unpickled")
    found += [f"{name} was changed" for name, state in job.before.items() if _state(job.tree / name) != state]
    return found


def _output_problems(outcome: Outcome) -> list[str]:
    found = []
    for name, stream in (("stdout", outcome.stdout), ("stderr", outcome.stderr)):
        try:
            shown = stream.decode("utf-8")
        except UnicodeDecodeError as error:
            found.append(f"{name} is not UTF-8 (at byte {error.start})")
            continue
        raw = _INVISIBLE.search(shown)
        if raw:
            found.append(f"{name} shows {raw[0]!r} raw: {shown[max(0, raw.start() - 60):raw.end()]!r}")
        for word in ("Traceback", "internal error"):
            if word in shown:
                found.append(f"{name} has {word!r}")
    return found


def _secret_holders(outcome: Outcome, tree: Path) -> list[str]:
    holders = [name for name, stream in (("stdout", outcome.stdout), ("stderr", outcome.stderr))
               if _SECRET_PIECES.search(stream.decode("utf-8", "replace"))]
    for path in _walk(tree):
        if not path.is_symlink() and path.is_file() and os.access(path, os.R_OK) and \
                path.stat().st_size < WRITTEN and _SECRET_PIECES.search(path.read_bytes().decode("utf-8", "replace")):
            holders.append(str(path.relative_to(tree)))
    return holders


def _walk(top: Path) -> list[Path]:
    """Every path under `top`, a folder before what it holds, links not followed (a tree of any depth)."""
    found, pending = [], [top]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            found.append(Path(entry.path))
            if entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))
    return found


def _state(path: Path) -> tuple[bytes, int]:
    """A file's bytes and mode (of the link itself, for a link)."""
    found = os.lstat(path)
    return (os.readlink(path).encode() if stat.S_ISLNK(found.st_mode) else path.read_bytes(), found.st_mode)


def _make_removable(where: Path) -> None:
    """Give back the modes a case took away, so that its folder can be removed."""
    where.chmod(stat.S_IRWXU)
    pending = [where]
    while pending:  # a folder made readable before it is walked
        folder = pending.pop()
        for entry in os.scandir(folder):
            if entry.is_dir(follow_symlinks=False) or (entry.is_file(follow_symlinks=False)):
                os.chmod(entry.path, stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode) | stat.S_IRWXU)
            if entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))


def remove(where: Path) -> None:
    """Remove the cases' folders (of any depth: shutil.rmtree recurses)."""
    for path in reversed(_walk(where)):
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink()
    where.rmdir()


SUMMARY: list[str] = []  # the summaries of the runs of this session, for the terminal's summary (conftest.py)


def summary(outcomes: dict[str, Outcome]) -> str:
    """How many cases, how many end in a located message within their bounds, the slowest."""
    located = [o for o in outcomes.values() if o.case.located]
    good = [o for o in located if not o.problems]
    accepted = [o for o in outcomes.values() if not o.case.located and not o.problems]
    slowest = max(outcomes.values(), key=lambda o: o.seconds, default=None)
    slow = f"; the slowest: {slowest.case.id} ({slowest.seconds:.1f} s)" if slowest else ""
    return (f"hostile inputs: {len(outcomes)} cases; {len(good)} of {len(located)} end in a located message "
            f"within their bounds, {len(accepted)} are accepted as they should be{slow}")


