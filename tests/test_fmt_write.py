"""`fmt --write` changes nothing that was not asked: the text means the same, and the file stays the file.

Properties (hypothesis), on generated texts that parse, with NULs and other control characters in strings
and comments and with LF, CRLF or mixed line ends: the formatted text has the same syntax tree
(`format.same_tree`) and the same comments in the same order; written with `files.write_text` (what
`fmt --write` does), the file holds exactly the formatted text. Then the file itself: a link is written
through and stays a link, hard links all see the new text, the mode and the owner are kept, a read-only
file is refused, and a file changed since it was read is not overwritten; through the command line too.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optionrules import ast
from optionrules.errors import line_and_column
from optionrules.files import FileError, write_text
from optionrules.format import format_text, same_tree
from optionrules.parse import parse
from tests.test_fmt import contract_texts

ROOT = Path(__file__).resolve().parent.parent
CONTROLS = ["\0", "\x01", "\x1b", "\x7f", "\u202e", "\t", "\r"]


def offsets(text: str) -> list[int]:
    """Where a character may be put into the text's strings and comments without changing its shape: just
    after each string's opening quote(s) and each comment's #."""
    module, _ = parse(text, "g.contract")
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    places = []
    for node in ast.walk(*module.items):
        if isinstance(node, ast.StringLit):
            at = starts[node.span.line - 1] + node.span.column - 1
            if text.startswith('"', at):  # a string literal (not a citation's name)
                places.append(at + (3 if text.startswith('"""', at) else 1))
    places += [starts[c.span.line - 1] + c.span.column for c in module.comments]
    return places


@st.composite
def hostile_texts(draw: st.DrawFn) -> str:
    """A generated contract text, with control characters in its strings and comments, and its line ends
    made LF, CRLF or a mix of them."""
    text = draw(contract_texts())
    for at in sorted(set(offsets(text)), reverse=True):
        if draw(st.booleans()):
            text = text[:at] + draw(st.text(st.sampled_from(CONTROLS), min_size=1, max_size=3)) + text[at:]
    ends = draw(st.sampled_from(["lf", "crlf", "mixed"]))
    if ends == "crlf":
        text = text.replace("\n", "\r\n")
    elif ends == "mixed":
        lines = text.split("\n")
        text = "".join(line + draw(st.sampled_from(["\n", "\r\n"])) for line in lines[:-1]) + lines[-1]
    return text


def comment_texts(module: ast.Module) -> list[str]:
    return [c.text for c in module.comments]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                 HealthCheck.filter_too_much,
                                                                 HealthCheck.function_scoped_fixture])
@given(text=hostile_texts())
def test_fmt_write_keeps_the_tree_and_the_comments_in_order(tmp_path_factory, text):
    module, diagnostics = parse(text, "g.contract")
    assume(not diagnostics)
    formatted = format_text(module, text)
    again, problems = parse(formatted, "g.contract")
    assert problems == [], formatted
    assert same_tree(module.items, again.items), f"--- input\n{text!r}\n--- formatted\n{formatted!r}"
    assert comment_texts(again) == comment_texts(module), f"--- input\n{text!r}\n--- formatted\n{formatted!r}"
    path = tmp_path_factory.mktemp("fmt") / "g.contract"
    path.write_bytes(text.encode("utf-8"))
    write_text(path, formatted, "contract", expected=text)
    assert path.read_bytes() == formatted.encode("utf-8")


def test_a_nul_in_a_string_and_in_a_comment_is_kept():
    text = 'x {\n  a: "one\0two"  # trailing \0 comment\n}\n# full-line\0comment\n'
    module, _ = parse(text, "g.contract")
    formatted = format_text(module, text)
    assert '"one\0two"' in formatted and "# trailing \0 comment" in formatted and "# full-line\0comment" in formatted
    assert line_and_column(formatted, formatted.index("\0")) == (2, 10)


# ---- the file itself -------------------------------------------------------------------------------------

MESSY = "x {\n    a:   1   # one\n}\n"
CANONICAL = "x {\n  a: 1  # one\n}\n"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("OPTIONRULES_DEBUG", None)
    result = subprocess.run([sys.executable, "-m", "optionrules", *map(str, args)], cwd=ROOT, env=env,
                            capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert "Traceback" not in result.stdout + result.stderr and result.returncode != 70, result.stderr
    return result


def test_a_link_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "real.contract"
    real.write_text(MESSY)
    link = tmp_path / "link.contract"
    link.symlink_to("real.contract")
    result = run("fmt", "--write", link)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == "real.contract"
    assert real.read_text() == CANONICAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.contract", "real.contract"]  # no temporary left


def test_every_hard_link_sees_the_new_text(tmp_path):
    first = tmp_path / "first.contract"
    first.write_text(MESSY)
    second = tmp_path / "second.contract"
    os.link(first, second)
    inode = first.stat().st_ino
    assert run("fmt", "--write", first).returncode == 0
    assert first.read_text() == second.read_text() == CANONICAL
    assert first.stat().st_ino == second.stat().st_ino == inode and first.stat().st_nlink == 2


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664, 0o755])
def test_the_mode_is_kept(tmp_path, mode):
    path = tmp_path / "m.contract"
    path.write_text(MESSY)
    path.chmod(mode)
    write_text(path, CANONICAL, "contract", expected=MESSY)
    assert stat.S_IMODE(path.stat().st_mode) == mode and path.read_text() == CANONICAL


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_the_owner_is_kept_when_run_as_root(tmp_path):
    path = tmp_path / "o.contract"
    path.write_text(MESSY)
    os.chown(path, 65534, 65534)
    assert run("fmt", "--write", path).returncode == 0
    assert (path.stat().st_uid, path.stat().st_gid) == (65534, 65534) and path.read_text() == CANONICAL


def test_a_read_only_file_is_refused_and_left_as_it_was(tmp_path):
    path = tmp_path / "r.contract"
    path.write_text(MESSY)
    path.chmod(0o444)
    result = run("fmt", "--write", path)
    assert result.returncode == 2
    assert f"{path}: error: the contract is read-only: not written" in result.stderr
    assert path.read_text() == MESSY and stat.S_IMODE(path.stat().st_mode) == 0o444


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path):
    path = tmp_path / "c.contract"
    path.write_text(MESSY)
    path.write_text(MESSY + "# an edit made while fmt ran\n")
    with pytest.raises(FileError, match="changed since it was read"):
        write_text(path, CANONICAL, "contract", expected=MESSY)
    assert path.read_text() == MESSY + "# an edit made while fmt ran\n"
    linked = tmp_path / "linked.contract"  # the same for a hard-linked file, rewritten in place
    os.link(path, linked)
    with pytest.raises(FileError, match="changed since it was read"):
        write_text(linked, CANONICAL, "contract", expected=MESSY)
    assert linked.read_text() == MESSY + "# an edit made while fmt ran\n"
