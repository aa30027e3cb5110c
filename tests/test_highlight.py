"""Highlighting: the Pygments lexer (installed as a plugin) and the VS Code extension's TextMate grammar."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
