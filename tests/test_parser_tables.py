"""The parser tables shipped with the package: made from this grammar, loaded without pickle, no cache read.

Lark's `cache=True` (what optionrules used before) unpickles `$TMPDIR/.lark_cache_<user>_<sha>_<py>.tmp`: a name
anyone can compute, in a folder anyone can write, so another local user who created that file first ran code as
whoever ran optionrules next. The parser is now a Python module of the package: Lark's stand-alone parser for the
grammar (grammar/parser.py, `make tables`); nothing is read from a temporary folder, and Lark itself is not
imported to parse.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import lark
from optionrules.grammar import OPTIONS, fingerprint, grammar_text

from optionrules.parse import parse

ROOT = Path(__file__).resolve().parent.parent
PARSER = ROOT / "grammar" / "parser.py"


def test_the_shipped_parser_is_made_from_this_grammar():
    from optionrules.grammar import parser as shipped

    # (Lark numbers the states differently from one run to the next: the parser is known by what it is made
    # from, the grammar's SHA-256 and Lark's version, not by its text)
    assert fingerprint() == (shipped.GRAMMAR_SHA256, shipped.LARK_VERSION), \
        "grammar/parser.py is stale: run `make tables` and commit it"
    assert hashlib.sha256(PARSER.with_name("optionrules.lark").read_bytes()).hexdigest() == shipped.GRAMMAR_SHA256


def test_parsing_does_not_import_lark():
    contract = ROOT / "contracts" / "capstone_liggett_2002.contract"
    code = (f"import sys, optionrules; optionrules.load({str(contract)!r}); "
            "print(sorted(m for m in sys.modules if m == 'lark' or m.startswith('lark.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def _shape(tree: Any) -> Any:
    """A parse tree as plain data: rule names and tokens (type and text), whichever Lark made it."""
    if hasattr(tree, "data"):
        return (str(tree.data), [_shape(child) for child in tree.children])
    return tree if tree is None else (tree.type, str(tree))


def test_the_shipped_parser_parses_as_the_grammar_does():
    from optionrules.grammar.parser import DATA, MEMO, Lark

    shipped = Lark._load_from_dict(DATA, MEMO)
    built = lark.Lark(grammar_text(), **OPTIONS)
    items = 0
    for path in sorted((ROOT / "contracts").rglob("*.contract")):
        text = path.read_text(encoding="utf-8")
        module, diagnostics = parse(text, str(path))
        assert diagnostics == []
        lines = text.split("\n")
        for item in module.items:
            chunk = "\n".join(lines[item.span.line - 1:item.span.end_line])
            assert _shape(shipped.parse(chunk)) == _shape(built.parse(chunk)), chunk
            items += 1
    assert items > 300


def _old_cache_files(tmp: Path) -> list[Path]:
    """Every file Lark's `cache=True` would have read for optionrules' parser, as the old code built it."""
    options = {"parser": "lalr", "lexer": "contextual", "maybe_placeholders": True, "cache": True}
    options_str = "".join(k + str(v) for k, v in options.items())
    digest = hashlib.sha256((grammar_text() + options_str + lark.__version__ + str(sys.version_info[:2]))
                            .encode("utf8")).hexdigest()
    users = {getpass.getuser(), "unknown", "root", "nobody"}
    return [tmp / f".lark_{kind}_{user}_{digest}_{sys.version_info[0]}_{sys.version_info[1]}.tmp"
            for kind in ("cache", "cache_grammar") for user in users]


class _Payload:
    """Unpickled, it creates the marker file: what an attacker's cache file would run."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return open, (self.marker, "w")


def test_a_planted_lark_cache_is_never_loaded(tmp_path):
    shared = tmp_path / "tmp"  # the TMPDIR of the run: the world-writable folder, as another user found it
    shared.mkdir()
    marker = tmp_path / "the payload ran"
    for planted in _old_cache_files(shared):
        planted.write_bytes(b"x" * 64 + b"\n" + pickle.dumps(_Payload(marker)) + pickle.dumps(_Payload(marker)))
    env = {**os.environ, "TMPDIR": str(shared), "PYTHONIOENCODING": "utf-8"}
    contract = ROOT / "contracts" / "capstone_liggett_2002.contract"
    for args in (["-m", "optionrules", "check", str(contract)],
                 ["-c", f"import optionrules; optionrules.load({str(contract)!r})"]):
        result = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert not marker.exists(), "a cache file in the shared temporary folder was unpickled"
    assert sorted(p.name for p in shared.iterdir()) == sorted(p.name for p in _old_cache_files(shared))

    # the control: Lark's cache, as the old code used it, does run the planted file (so the plant is right)
    control = subprocess.run([sys.executable, "-c", "import lark; from optionrules.grammar import grammar_text; "
                              "lark.Lark(grammar_text(), parser='lalr', lexer='contextual', maybe_placeholders=True, "
                              "cache=True)"], env=env, capture_output=True, text=True, timeout=60)
    assert marker.exists(), control.stderr
