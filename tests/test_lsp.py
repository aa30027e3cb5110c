"""`optionrules lsp`, driven as an editor drives it: a real LSP client (pygls's) over the server's stdin and stdout.

One server for the module; each test opens its own documents (unsaved text: what is on disk does not count,
except for the plans a document uses and that are not open).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls", reason="the [lsp] extra (pygls) is not installed")

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from optionrules.errors import install_hint
from optionrules.format import format_text
from optionrules.kinds import KINDS
from optionrules.parse import parse
from tests.test_cli import ROOT, run

REFERENCE = ROOT / "contracts" / "capstone_liggett_2002.contract"
TIMEOUT = 30

SMALL = """\
agreement small "A small grant"
enum reason_t { quit, cause }
event termination(reason: reason_t)
conventions "c" {
  missing_day: last_day_of_month
  until: inclusive
}
grant "g" {
  shares: 4,800
  grant_date: 2020-01-15
}
term "t" {
  expiration: grant_date + 10 years
  caps_windows: yes
}
service "s" {
  ends_on: termination
  through: inclusive
}
vesting monthly "v" {
  installments: 48
  every: 1 month
  rounding: down
  rounding_basis: per_installment
  remainder: last
}
rule ends "r" on termination when reason != cause {
  forfeit: unvested
  exercisable_until: termination + 90 days
}
rule for_cause "r" on termination when reason = cause {
  forfeit: all
}
event exercise(shares: shares)
exercise "x" on exercise {
  shares: shares
}
"""


class Editor:
    """A language client on a loop of its own, with the diagnostics the server published, by URI."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = LanguageClient("test-editor", "1")
        self.published: dict[str, list[types.Diagnostic]] = {}
        self.messages: list[str] = []
        self.versions: dict[str, int] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published[params.uri] = params.diagnostics

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def message(params: types.ShowMessageParams) -> None:
            self.messages.append(params.message)

        self.call(self.client.start_io(sys.executable, "-m", "optionrules", "lsp"))
        self.call(self.client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=from_fs_path(str(ROOT)))))
        self.client.initialized(types.InitializedParams())

    def call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(TIMEOUT)

    def open(self, path: Path, text: str) -> str:
        uri = from_fs_path(str(path))
        assert uri is not None
        self.published.pop(uri, None)
        self.versions[uri] = 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, "optionrules", 1, text)))
        return uri

    def change(self, uri: str, text: str) -> None:
        self.published.pop(uri, None)
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(self.versions[uri], uri),
            [types.TextDocumentContentChangeWholeDocument(text)]))

    def awaiting(self, *uris: str) -> None:
        """Forget what was published for these documents: the next diagnostics are those of what follows."""
        for uri in uris:
            self.published.pop(uri, None)

    def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        """The diagnostics published for the document's latest text."""
        deadline = time.monotonic() + TIMEOUT
        while uri not in self.published:
            assert time.monotonic() < deadline, f"no diagnostics published for {uri}"
            time.sleep(0.01)
        return list(self.published[uri])

    def request(self, method: str, params: Any) -> Any:
        async def send() -> Any:
            return await self.client.protocol.send_request_async(method, params)

        return self.call(send())

    def close(self) -> None:
        self.call(self.client.shutdown_async(None))
        self.client.exit(None)
        self.call(self.client.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)


@pytest.fixture(scope="module")
def editor() -> Iterator[Editor]:
    editor = Editor()
    yield editor
    editor.close()


def position_of(text: str, word: str, occurrence: int = 0) -> types.Position:
    """Where the word is written (the occurrence-th time), as the editor counts."""
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(word, at + 1)
    line = text.count("\n", 0, at)
    return types.Position(line, at - (text.rfind("\n", 0, at) + 1))


def word_range(text: str, word: str, occurrence: int = 0) -> types.Range:
    start = position_of(text, word, occurrence)
    return types.Range(start, types.Position(start.line, start.character + len(word)))


def document(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri)


# ---- diagnostics ----------------------------------------------------------------------------------


def test_a_diagnostic_appears_at_the_mistake_and_goes_when_it_is_fixed(editor: Editor, tmp_path: Path):
    broken = SMALL.replace("  installments: 48", "  instalments: 48")
    uri = editor.open(tmp_path / "small.contract", broken)  # never written to disk: the open text is checked
    missing, problem = editor.diagnostics(uri)
    assert missing.range == word_range(broken, "vesting") and "missing `installments`" in missing.message
    assert problem.range == word_range(broken, "instalments")
    assert problem.severity == types.DiagnosticSeverity.Error
    assert "instalments" in problem.message and "did you mean 'installments'?" in problem.message
    editor.change(uri, SMALL)
    assert editor.diagnostics(uri) == []


def test_the_reference_agreement_opens_clean(editor: Editor):
    uri = editor.open(REFERENCE, REFERENCE.read_text(encoding="utf-8"))
    assert editor.diagnostics(uri) == []


def beside_its_text(directory: Path) -> None:
    """The agreement's text, which its quotes are checked against, copied into the directory."""
    text = ROOT / "contracts" / "capstone_liggett_2002.txt"
    (directory / text.name).write_bytes(text.read_bytes())


def test_a_problem_in_the_plan_is_shown_on_the_uses_line(editor: Editor, tmp_path: Path):
    beside_its_text(tmp_path)
    plan = (ROOT / "contracts" / "capstone_2000_plan.contract").read_text(encoding="utf-8")
    misspelt = plan.replace("reason: termination_reason)", "reason: termination_reasn)")
    (tmp_path / "capstone_2000_plan.contract").write_text(misspelt, encoding="utf-8")
    text = REFERENCE.read_text(encoding="utf-8")
    uri = editor.open(tmp_path / REFERENCE.name, text)
    found = [d for d in editor.diagnostics(uri) if d.message.startswith("capstone_2000_plan.contract:")]
    assert found, "the plan's misspelt type must be reported"
    assert all(d.range == word_range(text, '"capstone_2000_plan.contract"') for d in found)
    assert all(d.related_information and d.related_information[0].location.uri.endswith("capstone_2000_plan.contract")
               for d in found)


def test_an_open_plan_is_read_as_the_editor_has_it(editor: Editor, tmp_path: Path):
    beside_its_text(tmp_path)
    plan_path = tmp_path / "capstone_2000_plan.contract"
    plan = (ROOT / "contracts" / "capstone_2000_plan.contract").read_text(encoding="utf-8")
    plan_path.write_text(plan, encoding="utf-8")
    uri = editor.open(tmp_path / REFERENCE.name, REFERENCE.read_text(encoding="utf-8"))
    assert editor.diagnostics(uri) == []
    editor.awaiting(uri)
    plan_uri = editor.open(plan_path, plan.replace("enum termination_reason", "enum termination_reasons"))
    assert editor.diagnostics(plan_uri)
    assert editor.diagnostics(uri), "the agreement is checked again with the plan's unsaved text"
    editor.awaiting(uri)
    editor.change(plan_uri, plan)
    assert editor.diagnostics(plan_uri) == []
    assert editor.diagnostics(uri) == []


def test_a_quote_not_in_the_agreements_text_is_a_warning(editor: Editor, tmp_path: Path):
    text = REFERENCE.read_text(encoding="utf-8").replace("may not be exercised for a fraction of a Share",
                                                         "may not be exercised for part of a Share")
    beside_its_text(tmp_path)
    (tmp_path / "capstone_2000_plan.contract").write_bytes((ROOT / "contracts" / "capstone_2000_plan.contract")
                                                           .read_bytes())
    uri = editor.open(tmp_path / REFERENCE.name, text)
    [warning] = editor.diagnostics(uri)
    assert warning.severity == types.DiagnosticSeverity.Warning
    start = position_of(text, "require whole_shares")
    assert warning.range == types.Range(start, types.Position(start.line, start.character + len("require")))
    assert "whole_shares is not in capstone_liggett_2002.txt" in warning.message
    assert 'line 98: "The Option may not be exercised for a fraction of a Share"' in warning.message  # the hint


# ---- hover ----------------------------------------------------------------------------------------


def hover(editor: Editor, uri: str, text: str, word: str, occurrence: int = 0) -> str:
    found = editor.request(types.TEXT_DOCUMENT_HOVER, types.HoverParams(document(uri),
                                                                        position_of(text, word, occurrence)))
    assert found is not None, f"no hover on {word!r}"
    return str(found.contents.value)


def test_hover_shows_the_registry_the_clause_the_figure_and_the_assumption(editor: Editor):
    text = REFERENCE.read_text(encoding="utf-8")
    uri = editor.open(REFERENCE, text)
    editor.diagnostics(uri)
    assert KINDS["vesting"].doc in hover(editor, uri, text, "vesting monthly")
    assert "installments" in hover(editor, uri, text, "installments:") and "required" in \
        hover(editor, uri, text, "installments:")
    death = hover(editor, uri, text, "death \"Art. II §7\"")
    assert "Art. II §7" in death and "12 months from the date of death" in death
    assert "whether service continues" in hover(editor, uri, text, "in_service {")
    assumption = hover(editor, uri, text, "pro_rata_days, rounding")
    assert "`exclusive` (default)" in assumption and "`inclusive`" in assumption
    assert "number of days worked" in assumption


# ---- completion ---------------------------------------------------------------------------------


def completion_labels(editor: Editor, uri: str, position: types.Position) -> set[str]:
    found = editor.request(types.TEXT_DOCUMENT_COMPLETION, types.CompletionParams(document(uri), position))
    return {item.label for item in found.items}


def test_completion_inside_a_vesting_block_offers_its_keys(editor: Editor, tmp_path: Path):
    text = SMALL.replace("  installments: 48\n", "  installments: 48\n  \n")
    uri = editor.open(tmp_path / "complete.contract", text)
    editor.diagnostics(uri)
    blank = position_of(text, "  \n")
    labels = completion_labels(editor, uri, types.Position(blank.line, 2))
    assert {"every", "cliff", "missing_day", "says"} <= labels
    assert "installments" not in labels  # written already
    assert "forfeit" not in labels  # a rule's key


def test_completion_of_values_events_and_kinds(editor: Editor, tmp_path: Path):
    text = SMALL + "rule other \"r\" on termination when reason = \n"
    uri = editor.open(tmp_path / "values.contract", text)
    editor.diagnostics(uri)
    end = position_of(text, "reason = \n")
    assert {"quit", "cause", "reason", "vested", "later_of"} <= \
        completion_labels(editor, uri, types.Position(end.line, end.character + len("reason = ")))
    rounding = position_of(text, "rounding: down")
    assert {"down", "up", "half_up", "none"} <= \
        completion_labels(editor, uri, types.Position(rounding.line, rounding.character + len("rounding: ")))
    assert {"vesting", "rule", "enum", "example"} <= completion_labels(editor, uri, types.Position(text.count("\n"), 0))


# ---- definition, symbols -----------------------------------------------------------------------


def test_definition_of_an_event_jumps_to_its_declaration(editor: Editor):
    text = REFERENCE.read_text(encoding="utf-8")
    uri = editor.open(REFERENCE, text)
    editor.diagnostics(uri)
    found = editor.request(types.TEXT_DOCUMENT_DEFINITION, types.DefinitionParams(
        document(uri), position_of(text, "registration_effective {")))
    assert found.uri == uri
    assert found.range.start == position_of(text, "event registration_effective")


def test_definition_of_a_plans_clause_opens_the_plan(editor: Editor):
    text = REFERENCE.read_text(encoding="utf-8")
    uri = editor.open(REFERENCE, text)
    editor.diagnostics(uri)
    plan_path = ROOT / "contracts" / "capstone_2000_plan.contract"
    plan = plan_path.read_text(encoding="utf-8")
    for word, declared in [("capstone_2000_plan.change_of_control_acceleration", "rule change_of_control_acceleration"),
                           ("termination\n  when reason != cause", "event termination"),
                           ('"capstone_2000_plan.contract"', "plan capstone_2000_plan"),
                           ("capstone_2000_plan \"Art. II §1", "plan capstone_2000_plan")]:
        found = editor.request(types.TEXT_DOCUMENT_DEFINITION, types.DefinitionParams(
            document(uri), position_of(text, word)))
        assert found is not None, word
        assert found.uri == from_fs_path(str(plan_path))
        assert found.range.start == position_of(plan, declared), word


def test_symbols_are_the_clauses_by_kind_name_and_citation(editor: Editor):
    text = REFERENCE.read_text(encoding="utf-8")
    uri = editor.open(REFERENCE, text)
    editor.diagnostics(uri)
    found = editor.request(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL, types.DocumentSymbolParams(document(uri)))
    by_name = {s.name: s for s in found}
    assert by_name["vesting monthly"].detail == "Art. I, Exercise and Vesting Schedule"
    assert by_name["rule death"].detail == "Art. II §7"
    assert by_name["rule death"].selection_range == word_range(text, "death", text[:text.index("rule death")].count(
        "death"))
    assert len(found) == len(parse(text, str(REFERENCE))[0].items)


# ---- formatting, quick fixes --------------------------------------------------------------------


def test_formatting_gives_the_fmt_layout_and_refuses_what_does_not_parse(editor: Editor, tmp_path: Path):
    messy = SMALL.replace("  shares: 4,800", "      shares:    4_800   ")
    uri = editor.open(tmp_path / "messy.contract", messy)
    editor.diagnostics(uri)
    options = types.FormattingOptions(tab_size=2, insert_spaces=True)
    [edit] = editor.request(types.TEXT_DOCUMENT_FORMATTING, types.DocumentFormattingParams(document(uri), options))
    assert edit.new_text == format_text(parse(messy, "messy.contract")[0], messy) == SMALL
    assert edit.range.start == types.Position(0, 0)
    broken = messy.replace("grant \"g\" {", "grant \"g\" {{")
    editor.change(uri, broken)
    editor.diagnostics(uri)
    assert editor.request(types.TEXT_DOCUMENT_FORMATTING, types.DocumentFormattingParams(document(uri), options)) \
        is None
    assert any("not formatted: it does not parse" in m for m in editor.messages)


def test_a_did_you_mean_hint_is_a_quick_fix(editor: Editor, tmp_path: Path):
    broken = SMALL.replace("rule ends \"r\" on termination", "rule ends \"r\" on terminaton")
    uri = editor.open(tmp_path / "fix.contract", broken)
    uncovered, problem = editor.diagnostics(uri)  # quit is no longer decided by the rule on termination
    assert "no rule says what termination with reason = quit does" in uncovered.message
    assert editor.request(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionParams(
        document(uri), uncovered.range, types.CodeActionContext([uncovered]))) in ([], ())
    actions = editor.request(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionParams(
        document(uri), problem.range, types.CodeActionContext([problem])))
    [action] = actions
    assert action.kind == types.CodeActionKind.QuickFix
    [edit] = action.edit.changes[uri]
    assert edit.range == word_range(broken, "terminaton")
    assert edit.new_text == "termination"
    editor.change(uri, apply(broken, edit))
    assert editor.diagnostics(uri) == []
    assert apply(broken, edit) == SMALL


def apply(text: str, edit: types.TextEdit) -> str:
    lines = text.split("\n")
    start, end = edit.range.start, edit.range.end
    assert start.line == end.line
    line = lines[start.line]
    lines[start.line] = line[: start.character] + edit.new_text + line[end.character:]
    return "\n".join(lines)


# ---- the command ---------------------------------------------------------------------------------


def test_lsp_help():
    result = run("lsp", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: optionrules lsp")


def test_lsp_without_pygls_says_how_to_install_it():
    blocked = "import sys; sys.modules['pygls'] = None; from optionrules.cli import main; sys.exit(main(['lsp']))"
    result = subprocess.run([sys.executable, "-c", blocked], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert install_hint("lsp") in result.stderr
    assert "Traceback" not in result.stderr
