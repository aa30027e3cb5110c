"""`optionrules lsp`: the language server, over stdio, on pygls.

Each open document is checked as it is opened, changed and saved (its unsaved text; the plans and
forms it uses from their open documents, else from disk), and its diagnostics published. A problem
in a plan or form it uses is shown on the `uses` (or `form:`) line that brings it in.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from optionrules import ast
from optionrules.errors import Diagnostic, Span
from optionrules.format import format_text
from optionrules.lsp.analysis import Document, Symbol, analyze, completions, correction, outline, symbol_at
from optionrules.parse import parse

SEVERITIES = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}
COMPLETION_KINDS = {
    "kind": types.CompletionItemKind.Class, "key": types.CompletionItemKind.Property,
    "event": types.CompletionItemKind.Event, "attribute": types.CompletionItemKind.Field,
    "member": types.CompletionItemKind.EnumMember, "assumption": types.CompletionItemKind.Variable,
    "reading": types.CompletionItemKind.Value, "figure": types.CompletionItemKind.Variable,
    "constant": types.CompletionItemKind.Constant, "function": types.CompletionItemKind.Function,
    "word": types.CompletionItemKind.Keyword,
}
SYMBOL_KINDS = {
    "enum": types.SymbolKind.Enum, "event": types.SymbolKind.Event, "assume": types.SymbolKind.Variable,
    "rule": types.SymbolKind.Function, "example": types.SymbolKind.Method, "invariant": types.SymbolKind.Boolean,
    "uses": types.SymbolKind.Module, "agreement": types.SymbolKind.File, "plan": types.SymbolKind.File,
    "form": types.SymbolKind.File,
}


class ContractServer(LanguageServer):
    """The language server, with the last analysis of each open document."""

    def __init__(self) -> None:
        super().__init__("optionrules", "0.1.0", text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.documents: dict[str, Document] = {}  # by URI

    def open_texts(self) -> dict[str, str]:
        """The unsaved text of every open document, by its path."""
        texts = {}
        for uri, document in self.workspace.text_documents.items():
            path = to_fs_path(uri)
            if path is not None:
                texts[path] = document.source
        return texts

    def refresh(self, uri: str) -> None:
        """Check the document, and every open document made with it; publish their diagnostics."""
        path = to_fs_path(uri) or uri
        texts = self.open_texts()
        self._check(uri, path, texts)
        for other, document in list(self.documents.items()):
            if other != uri and path in document.model.sources:
                self._check(other, document.path, texts)

    def _check(self, uri: str, path: str, texts: dict[str, str]) -> None:
        document = analyze(path, self.workspace.get_text_document(uri).source, texts)
        self.documents[uri] = document
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, diagnostics=[lsp_diagnostic(d, document) for d in document.diagnostics]))

    def forget(self, uri: str) -> None:
        self.documents.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def to_range(span: Span) -> types.Range:
    return types.Range(types.Position(span.line - 1, span.column - 1),
                       types.Position(span.end_line - 1, span.end_column - 1))


def location(span: Span) -> types.Location:
    return types.Location(from_fs_path(span.file) or span.file, to_range(span))


def lsp_diagnostic(diagnostic: Diagnostic, document: Document) -> types.Diagnostic:
    """The diagnostic in the editor's terms; one in another file is shown where the document brings it in."""
    message = diagnostic.message + (f"\nhint: {diagnostic.hint}" if diagnostic.hint else "")
    span, related = diagnostic.span, None
    if span is None:
        span = Span(document.path, 1, 1, 1, 1)
    elif span.file != document.path:
        message = f"{Path(span.file).name}:{span.line}:{span.column}: {message}"
        related = [types.DiagnosticRelatedInformation(location(span), diagnostic.message)]
        span = bringing_in(document, span.file)
    return types.Diagnostic(to_range(span), message, severity=SEVERITIES.get(diagnostic.severity),
                            source="optionrules", related_information=related)


def bringing_in(document: Document, file: str) -> Span:
    """The `uses ... { file: }` or `form:` string naming the file, else the first of them (a file under a plan)."""
    strings = [value for item in document.module.items if isinstance(item, ast.Clause)
               for entry in item.entries if (item.kind, entry.key) in (("uses", "file"), ("agreement", "form"))
               for value in entry.values if isinstance(value, ast.StringLit)]
    named = [s for s in strings if str(Path(document.path).parent / s.value) == file]
    chosen = (named or strings)
    return chosen[0].span if chosen else Span(document.path, 1, 1, 1, 1)


server = ContractServer()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: ContractServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.refresh(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: ContractServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.refresh(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: ContractServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.refresh(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: ContractServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.forget(params.text_document.uri)


def _symbol(ls: ContractServer, params: types.HoverParams | types.DefinitionParams) -> Symbol | None:
    document = ls.documents.get(params.text_document.uri)
    position = params.position
    return symbol_at(document, position.line + 1, position.character + 1) if document else None


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: ContractServer, params: types.HoverParams) -> types.Hover | None:
    symbol = _symbol(ls, params)
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, symbol.doc)) if symbol is not None else None


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
def definition(ls: ContractServer, params: types.DefinitionParams) -> types.Location | None:
    symbol = _symbol(ls, params)
    return location(symbol.span) if symbol is not None and symbol.span is not None else None


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[" ", ":", "{"]))
def complete(ls: ContractServer, params: types.CompletionParams) -> types.CompletionList:
    document = ls.documents.get(params.text_document.uri)
    if document is None:
        return types.CompletionList(is_incomplete=False, items=[])
    found = completions(document, params.position.line + 1, params.position.character + 1)
    return types.CompletionList(is_incomplete=False, items=[
        types.CompletionItem(c.label, kind=COMPLETION_KINDS.get(c.what), detail=c.detail or None) for c in found])


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def symbols(ls: ContractServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    document = ls.documents.get(params.text_document.uri)
    if document is None:
        return []
    return [types.DocumentSymbol(f"{kind} {name}" if name != kind else kind, SYMBOL_KINDS.get(kind,
                                 types.SymbolKind.Object), to_range(span), to_range(name_span), detail=citation or None)
            for kind, name, citation, span, name_span in outline(document)]


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: ContractServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
    """The `fmt` layout, as one edit; a document that does not parse is not formatted (and the editor told why)."""
    uri = params.text_document.uri
    text = ls.workspace.get_text_document(uri).source
    module, problems = parse(text, to_fs_path(uri) or uri)
    if problems:
        first = problems[0]
        where = f"line {first.span.line}: " if first.span else ""
        ls.window_show_message(types.ShowMessageParams(
            types.MessageType.Warning, f"optionrules: not formatted: it does not parse ({where}{first.message})"))
        return None
    formatted = format_text(module, text)
    if formatted == text:
        return []
    lines = text.split("\n")
    end = types.Position(len(lines) - 1, len(lines[-1]))
    return [types.TextEdit(types.Range(types.Position(0, 0), end), formatted)]


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
def code_actions(ls: ContractServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """A quick fix for each did-you-mean hint of a diagnostic in the range."""
    uri = params.text_document.uri
    document = ls.documents.get(uri)
    if document is None:
        return []
    wanted = params.range
    actions = []
    for diagnostic in document.diagnostics:
        where = diagnostic.span
        if where is None or where.file != document.path or not _overlaps(to_range(where), wanted):
            continue
        fix = correction(diagnostic, document.text)
        if fix is None:
            continue
        span, word = fix
        actions.append(types.CodeAction(
            f"Replace with '{word}'", kind=types.CodeActionKind.QuickFix, is_preferred=True,
            diagnostics=[lsp_diagnostic(diagnostic, document)],
            edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(to_range(span), word)]})))
    return actions


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return p.line, p.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def serve() -> None:
    """Answer an editor over stdin and stdout until it says exit."""
    server.start_io()
