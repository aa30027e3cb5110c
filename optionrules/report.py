"""`optionrules report`: one self-contained HTML page to review an encoding beside the agreement's text.

The agreement's text (the header's `source:` file) on the left, each clause's `says:` quote highlighted
in it and linked to the clause on the right, and back; the examples with their results; the vesting
schedule as a table and, with matplotlib, a chart. No script, no network, nothing outside the file:
every text from the contract or the agreement is escaped, and the page forbids scripts outright.

    from optionrules.report import write_report
    write_report("agreement.contract", "report.html")
"""

from __future__ import annotations

import html
import io
import itertools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from optionrules import language
from optionrules.errors import ContractError
from optionrules.files import FileError, read_source, write_text
from optionrules.model import ClauseRef, Model
from optionrules.printer import show_value
from optionrules.quotes import Compact, Passage, agreement_text, find_quote, nearest_passage, one_line, source_entry
from optionrules.timeline import Event

if TYPE_CHECKING:
    from optionrules.schedule import VestingTable


@attrs.define
class Quoted:
    """A clause of the contract, and the passage of the agreement's text its quote was found at (if it was)."""

    ref: ClauseRef
    passage: Passage | None = None
    nearest: str | None = None  # the most similar passage, when the quote was not found

    @property
    def anchor(self) -> str:
        return "clause-" + _slug(self.ref)

    @property
    def passage_anchor(self) -> str:
        return "passage-" + _slug(self.ref)


def _slug(ref: ClauseRef) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"{ref.kind}-{ref.name}-{ref.span.line}")


@attrs.define
class Agreement:
    """The agreement's text as the report shows it, or why there is none."""

    name: str | None
    text: str | None
    missing: str | None = None  # why there is no text


def write_report(contract: str | Path, out: str | Path) -> None:
    """Write the report of a contract to `out`; raises ContractError if the contract cannot be read or checked."""
    write_text(out, report_html(contract), "report")


def report_html(contract: str | Path) -> str:
    """The report of a contract, as one HTML page."""
    path = Path(contract)
    text, problems = read_source(path)
    if text is None:
        raise ContractError(problems)
    module, model, diagnostics = language.check_document(text, str(path))
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        raise ContractError(errors, model.sources)
    source = source_entry(module)
    agreement = _agreement_text(path, source.value if source is not None else None)
    own = [r for r in language.clauses_of(model) if r.span.file == str(path) and r.kind != "example"]
    quoted = quotes_in(agreement.text, own)
    return _page(model, agreement, quoted, [r for r in language.clauses_of(model) if r.span.file != str(path)])


def _agreement_text(contract: Path, source: str | None) -> Agreement:
    if source is None:
        return Agreement(None, None, "the header names no agreement text (no `source:`): quotes are not checked")
    try:
        _, text = agreement_text(contract, source, "agreement's text")
    except FileError as error:
        return Agreement(source, None, f"the agreement's text {source} cannot be read: {error.message}")
    return Agreement(source, text)


def quotes_in(text: str | None, refs: Iterable[ClauseRef]) -> list[Quoted]:
    """Each clause, with the passage of the text its quote is found at, or the nearest one."""
    compact = Compact.of(text) if text is not None else None
    found = []
    for ref in refs:
        if ref.says is None or text is None or compact is None:
            found.append(Quoted(ref))
            continue
        passage = find_quote(compact, ref.says)
        near = nearest_passage(text, ref.says) if passage is None else None
        found.append(Quoted(ref, passage, one_line(near.text(text)) if near else None))
    return found


# ---- The page -------------------------------------------------------------------------------------

_CSS = """
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: #1d1d1f; background: #fafafa; }
header { padding: 10px 18px; background: #22313f; color: #fff; }
header h1 { margin: 0; font-size: 18px; } header p { margin: 2px 0 0; opacity: .8; }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); height: calc(100vh - 62px); }
main > section { overflow: auto; padding: 8px 18px 40vh; }
#agreement { border-right: 1px solid #ccc; background: #fff; }
#agreement pre { white-space: pre-wrap; font: 13px/1.5 ui-monospace, monospace; }
h2 { font-size: 15px; border-bottom: 1px solid #ddd; padding-bottom: 3px; margin-top: 22px; }
a.quote { background: #fff3a8; color: inherit; text-decoration: none; border-bottom: 2px solid #e0b800; }
a.quote:target, .clause:target { background: #ffd27a; outline: 2px solid #e08a00; }
.clause { border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; margin: 8px 0; background: #fff; }
.clause .kind { font-weight: 600; color: #6a3d9a; } .clause .citation { color: #555; }
.clause blockquote { margin: 4px 0; padding-left: 8px; border-left: 3px solid #e0b800; color: #333; }
.missing { color: #a40000; } .note { color: #666; font-style: italic; }
table { border-collapse: collapse; font-size: 12px; margin: 6px 0; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; white-space: nowrap; } th { background: #f0f0f0; }
td:first-child, th:first-child { text-align: left; }
.pass { color: #0a6b00; font-weight: 600; } .fail { color: #a40000; font-weight: 600; }
svg { max-width: 100%; height: auto; } .wide { overflow-x: auto; }
"""

# No script may run and nothing may be fetched: the page is data, whatever the contract says.
_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _page(model: Model, agreement: Agreement, quoted: list[Quoted], inherited: list[ClauseRef]) -> str:
    title = model.heading
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">',
        f"<title>{_e(title)}: OptionRules report</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{_e(title)}</h1><p>{_e(model.file)}: {_summary(quoted)}</p></header><main>",
        f'<section id="agreement"><h2>The agreement{": " + _e(agreement.name) if agreement.name else ""}</h2>',
        _text(agreement, quoted), "</section>",
        '<section id="encoding"><h2>The clauses</h2>', *(_clause(q) for q in quoted),
    ]
    if inherited:
        parts += ["<h2>From the plans and forms it uses</h2>",
                  '<p class="note">Their quotes are of the plan\'s or form\'s text, not checked here.</p>',
                  *(_clause(Quoted(ref)) for ref in inherited)]
    parts += [_examples(model), _schedule(model), "</section></main></body></html>"]
    return "\n".join(parts) + "\n"


def _summary(quoted: list[Quoted]) -> str:
    quotes = [q for q in quoted if q.ref.says is not None]
    found = sum(q.passage is not None for q in quotes)
    return f"{len(quoted)} clauses, {found} of {len(quotes)} quotes found in the agreement's text"


def _text(agreement: Agreement, quoted: list[Quoted]) -> str:
    """The agreement's text, each quoted passage a link to its clause (overlapping passages cut where they meet)."""
    if agreement.text is None:
        return f'<p class="missing">{_e(agreement.missing)}</p>'
    text = agreement.text
    placed = sorted(((q.passage, q) for q in quoted if q.passage is not None), key=lambda pq: pq[0].start)
    cuts = sorted({0, len(text), *(at for passage, _ in placed for at in (passage.start, passage.end))})
    out, anchored = [], set()
    for start, end in itertools.pairwise(cuts):
        covering = [q for passage, q in placed if passage.start <= start and end <= passage.end]
        if not covering:
            out.append(_e(text[start:end]))
            continue
        first = covering[0]
        anchor = f' id="{first.passage_anchor}"' if first.passage_anchor not in anchored else ""
        anchored.add(first.passage_anchor)
        names = ", ".join(f"{q.ref.kind} {q.ref.name}" for q in covering)
        out.append(f'<a class="quote" href="#{first.anchor}"{anchor} title="{_e(names)}">{_e(text[start:end])}</a>')
    return "<pre>" + "".join(out) + "</pre>"


def _clause(quoted: Quoted) -> str:
    ref = quoted.ref
    head = (f'<div class="clause" id="{quoted.anchor}"><span class="kind">{_e(ref.kind)}</span> '
            f'<b>{_e(ref.name)}</b> <span class="citation">{_e(ref.citation)}</span> '
            f'<span class="note">line {ref.span.line}</span>')
    if ref.says is None:
        return head + "</div>"
    quote = f"<blockquote>{_e(ref.says)}</blockquote>"
    if quoted.passage is not None:
        where = f'<a class="to-passage" href="#{quoted.passage_anchor}">in the text ↗</a>'
    elif quoted.nearest is not None:
        where = f'<p class="missing">not found in the text; the nearest passage: “{_e(quoted.nearest)}”</p>'
    else:
        where = '<p class="note">quote not checked</p>'
    return head + quote + where + "</div>"


def _examples(model: Model) -> str:
    from optionrules.kinds import Example

    if model.role != "agreement" or not model.all(Example):
        return ""
    from optionrules.contract import Contract
    from optionrules.examples import run_examples

    rows = []
    for result in run_examples(Contract(model)):
        failed = {f.figure: f for f in result.failures}
        example = result.example
        verdict = '<span class="pass">pass</span>' if result.passed else '<span class="fail">fail</span>'
        events = "; ".join(_event(e) for e in example.events) or "no events"
        rows.append(f'<tr><th colspan="4">{verdict} <b>{_e(example.ref.name)}</b>: {_e(example.ref.citation)} '
                    f"({_e(events)}; as of {example.as_of.isoformat()})</th></tr>")
        for expectation in example.expectations:
            actual = failed[expectation.figure].actual if expectation.figure in failed else expectation.value
            mark = '<span class="fail">✗</span>' if expectation.figure in failed else '<span class="pass">✓</span>'
            rows.append(f"<tr><td>{_e(expectation.figure)}</td><td>{_e(_show(expectation.value))}</td>"
                        f"<td>{_e(_show(actual))}</td><td>{mark}</td></tr>")
    head = "<tr><th>figure</th><th>expected</th><th>actual</th><th></th></tr>"
    return f'<h2 id="examples">Examples</h2><table>{head}{"".join(rows)}</table>'


def _event(event: Event) -> str:
    """As an example writes it: `termination(2025-03-15, reason: resignation)`."""
    attributes = [f"{k}: {show_value(v)}" for k, v in event.attrs.items()]
    return f"{event.name}({', '.join([event.date.isoformat(), *attributes])})"


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "none"
    return show_value(value)


def _schedule(model: Model) -> str:
    if model.role != "agreement":
        return ""
    from optionrules.contract import Contract

    table = Contract(model).schedule()
    return (f'<h2 id="schedule">Vesting schedule (no events)</h2>{_chart(table)}'
            f'<div class="wide">{table._repr_html_()}</div>')


def _chart(table: VestingTable) -> str:
    """The schedule's chart as inline SVG, or why there is none."""
    from optionrules.charts import ChartError, schedule_chart

    try:
        chart = schedule_chart(table)
    except ChartError as error:
        return f'<p class="note">No chart: {_e(error)}.</p>'
    out = io.StringIO()
    chart.savefig(out, format="svg")
    svg = out.getvalue()
    return svg[svg.index("<svg"):]
