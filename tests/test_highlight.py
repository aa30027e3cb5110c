"""Highlighting: the Pygments lexer (installed as a plugin) and the VS Code extension's TextMate grammar."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.highlighting import segments, written
from tests.test_cli import ROOT

CONTRACTS = sorted((ROOT / "contracts").rglob("*.contract"))
REFERENCE = ROOT / "contracts" / "capstone_liggett_2002.contract"


def ids(path: Path) -> str:
    return str(path.relative_to(ROOT))


# ---- Pygments ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lexer():
    lexers = pytest.importorskip("pygments.lexers", reason="the [highlight] extra (pygments) is not installed")
    return lexers.get_lexer_by_name("optionrules")  # found through the entry point, as pygmentize finds it


@pytest.mark.parametrize("path", CONTRACTS, ids=ids)
def test_every_contract_lexes_without_an_error_token(lexer, path: Path):
    from pygments.token import Error

    text = path.read_text(encoding="utf-8")
    tokens = list(lexer.get_tokens(text))
    assert [value for kind, value in tokens if kind in Error] == []
    assert "".join(value for _, value in tokens) == text  # every character is in a token


def test_the_lexer_tells_the_language_apart(lexer):
    from pygments.token import Comment, Keyword, Literal, Name, Number, Operator, String

    text = ('rule death "Art. II §7" on termination when reason = death {  # the estate\n'
            '  exercisable_until: later_of(commencement + 2 years, termination + 12 months)\n'
            '  shares: 3,840,000\n  price: USD 1.01\n  as_of: 2004-03-20\n  vest: percent(50%)\n'
            '  says: """shall\n  vest"""\n}\n')
    tokens = [(kind, value) for kind, value in lexer.get_tokens(text) if value.strip()]
    expected = [(Keyword.Declaration, "rule"), (Name.Function, "death"), (String.Double, "Art. II §7"),
                (Keyword, "on"), (Keyword, "when"), (Comment.Single, "# the estate"), (Name.Attribute, "shares"),
                (Keyword.Type, "years"), (Number, "2"), (Number, "3,840,000"), (Keyword.Type, "USD"),
                (Number, "1.01"), (Literal.Date, "2004-03-20"), (Number, "50%"), (Operator, "="),
                (String.Doc, 'shall\n  vest')]
    for kind, value in expected:
        assert any(k in kind and value in v for k, v in tokens), (kind, value)
    assert (Name, "termination") in tokens  # the event named, not the kind


def test_pygmentize_highlights_a_contract():
    pygmentize = shutil.which("pygmentize", path=str(Path(sys.executable).parent))
    if pygmentize is None:
        pytest.skip("pygmentize is not installed (the [highlight] extra)")
    result = subprocess.run([pygmentize, "-l", "optionrules", "-f", "html", str(REFERENCE)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert '<span class="kd">vesting</span>' in result.stdout
    assert '<span class="ld">2002-11-21</span>' in result.stdout


# ---- What every highlighter shows, checked against the syntax tree --------------------------------


PYGMENTS_TOKENS = {
    "comment": ("Comment",), "string": ("String",), "date": ("Literal.Date",), "number": ("Number",),
    "percent": ("Number",), "duration": ("Number", "Keyword.Type", "Text.Whitespace"),
    "money": ("Keyword.Type", "Number", "Text.Whitespace"), "kind": ("Keyword.Declaration",),
    "key": ("Name.Attribute",),
}


@pytest.mark.parametrize("path", CONTRACTS, ids=ids)
def test_the_lexer_shows_every_literal_kind_and_key_as_the_parser_reads_it(lexer, path: Path):
    from pygments.token import string_to_tokentype

    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    token_of = [None] * len(text)
    for index, kind, value in lexer.get_tokens_unprocessed(text):
        token_of[index:index + len(value)] = [kind] * len(value)
    for what, span in written(path):
        allowed = [string_to_tokentype(name) for name in PYGMENTS_TOKENS[what]]
        for line, start, end in segments(span, lines):
            for at in range(starts[line] + start, starts[line] + end):
                if text[at] == "\n":
                    continue
                assert any(token_of[at] in kind for kind in allowed), \
                    f"{path.name}:{line + 1}:{at - starts[line] + 1}: {what} {text[at]!r} lexed as {token_of[at]}"


# ---- The TextMate grammar, run by vscode-textmate on Oniguruma as in VS Code -----------------------

GRAMMAR = ROOT / "editors" / "vscode" / "syntaxes" / "optionrules.tmLanguage.json"
TEXTMATE = ROOT / "tests" / "textmate"
TEXTMATE_SCOPES = {
    "comment": "comment.line.number-sign", "string": "string.quoted", "date": "constant.numeric.date",
    "number": "constant.numeric.optionrules", "percent": "constant.numeric.percent",
    "duration": "constant.numeric.duration", "money": "constant.numeric.money", "kind": "keyword.other.kind",
    "key": "variable.other.key",
}


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """vscode-textmate and vscode-oniguruma, installed once by npm into a cache folder (as the lock file pins)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("the TextMate grammar is tested with Node.js and npm, which are not installed")
    cache = Path(os.environ.get("OPTIONRULES_CACHE", Path.home() / ".cache" / "optionrules")) / "textmate"
    lock = (TEXTMATE / "package-lock.json").read_bytes()
    if not (cache / "node_modules" / "vscode-textmate").is_dir() or (cache / "package-lock.json").read_bytes() != lock:
        cache.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(TEXTMATE / name, cache / name)
        installed = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=cache, capture_output=True, text=True,
                                   timeout=300)
        assert installed.returncode == 0, f"npm ci in {cache} failed:\n{installed.stderr}"
    return cache / "node_modules"


@pytest.fixture(scope="module")
def textmate_tokens(node_modules: Path) -> dict[str, list[list[list[str]]]]:
    """Every contract's lines, each a list of tokens [text, scope, ...]."""
    result = subprocess.run(["node", str(TEXTMATE / "tokenize.js"), str(node_modules), str(GRAMMAR),
                             *map(str, CONTRACTS)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def scopes_by_column(tokens: list[list[str]]) -> list[list[str]]:
    return [token[1:] for token in tokens for _ in token[0]]


@pytest.mark.parametrize("path", CONTRACTS, ids=ids)
def test_the_grammar_scopes_every_literal_kind_and_key_as_the_parser_reads_it(textmate_tokens, path: Path):
    lines = path.read_text(encoding="utf-8").split("\n")
    tokenized = textmate_tokens[str(path)]
    assert ["".join(token[0] for token in line) for line in tokenized] == lines
    for what, span in written(path):
        for line, start, end in segments(span, lines):
            scopes = scopes_by_column(tokenized[line])
            for column in range(start, end):
                assert any(s.startswith(TEXTMATE_SCOPES[what]) for s in scopes[column]), \
                    f"{path.name}:{line + 1}:{column + 1}: {what} {lines[line][column]!r} scoped {scopes[column]}"


SAMPLES = {  # a line of the reference agreement -> words and the scope each must have
    'rule termination_for_cause "Art. II §5" on termination when reason = cause {': [
        ("rule", "keyword.other.kind"), ("termination_for_cause", "entity.name.function.clause"),
        ("Art. II §5", "string.quoted.double"), ("on", "keyword.control"), ("when", "keyword.control"),
        ("=", "keyword.operator")],
    "  on change_of_control when became_ceo before change_of_control and in_service {": [
        ("on", "keyword.control"), ("before", "keyword.operator.word"), ("and", "keyword.operator.word")],
    "rule change_of_control_acceleration \"Art. II §8\" overrides capstone_2000_plan.change_of_control_acceleration":
        [("overrides", "keyword.control")],
    "  exercisable_until: later_of(commencement + 2 years, termination + 30 days)": [
        ("exercisable_until", "variable.other.key"), ("later_of", "entity.name.function.call"),
        ("2 years", "constant.numeric.duration"), ("30 days", "constant.numeric.duration")],
    "  exercise_price: USD 1.01  # total exercise price USD 3,878,400.00": [
        ("USD 1.01", "constant.numeric.money"), ("# total exercise price USD 3,878,400.00", "comment.line")],
    "  caps_windows: yes                  # no post-termination window runs past the Expiration Date": [
        ("yes", "constant.language")],
    "enum payment_method { cash, check, promissory_note, property, broker_cashless }": [
        ("enum", "keyword.other.kind"), ("payment_method", "entity.name.type.enum")],
}


def test_the_grammar_scopes_keywords_on_sample_lines(textmate_tokens):
    texts = {str(p): p.read_text(encoding="utf-8").split("\n") for p in CONTRACTS}
    for sample, expected in SAMPLES.items():
        file, number = next((f, n) for f, lines in texts.items() for n, line in enumerate(lines) if line == sample)
        tokens = {token[0].strip(): token[1:] for token in textmate_tokens[file][number]}
        for word, scope in expected:
            assert any(s.startswith(scope) for s in tokens.get(word, [])), (sample, word, tokens.get(word))


def test_the_grammar_knows_every_kind_of_the_registry():
    from optionrules.language import kinds

    grammar = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    pattern = grammar["repository"]["item"]["patterns"][1]["match"]
    listed = re.match(r"\^\(([\w|]+)\)", pattern)
    assert listed is not None and set(listed[1].split("|")) == set(kinds())
