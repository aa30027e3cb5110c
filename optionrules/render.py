"""Text a person reads at a terminal: evaluation tables and the language reference."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence

from optionrules.errors import visible
from optionrules.evaluate import Evaluation
from optionrules.figures import ALL_AWARDS, Figure, FigureKind
from optionrules.kinds import KINDS, SAYS
from optionrules.model import ClauseRef, Model
from optionrules.printer import number, show_value


def _refs(refs: Sequence[ClauseRef]) -> str:
    return "; ".join(dict.fromkeys(ref.citation for ref in refs))


def evaluation_text(result: Evaluation, heading: str) -> str:
    """One as-of date: each figure, its value, and the clauses behind it (for a number of shares, if any)."""
    rows = _figure_rows(result)
    width = max(len(value) for _, value, _ in rows)
    lines = [heading, f"as of {result.as_of.isoformat()}", ""]
    lines += [f"  {name:<18} {value:>{width}}   {why}".rstrip() for name, value, why in rows]
    lines.append("")
    lines += violations_text(result)
    lines += [f"  open: {waiting}" for waiting in result.waiting_for]
    return "\n".join(lines)


def _figure_rows(result: Evaluation) -> list[tuple[str, str, str]]:
    """Each figure, its value, and the clauses behind it (for a number of shares, if any)."""
    rows: list[tuple[str, str, str]] = []
    sources = result.sources
    for figure in result.reported:
        value = result.values[figure.name]
        shown = value or figure.kind is not FigureKind.SHARES
        rows.append((figure.label, show_value(value), _refs(sources.get(figure.name, ())) if shown else ""))
    return rows


def evaluation_html(result: Evaluation) -> str:
    """One as-of date in a notebook: each figure, its value, the clauses behind it; then the violations."""
    rows = _figure_rows(result)
    violations = [[v.date.isoformat(), f"events[{v.index}] {v.event}", v.why, v.clause.citation]
                  for v in result.violations]
    shown = html_table(["date", "event", "why", "clause"], violations) if violations else "<p>violations: none</p>"
    return (f"<p><b>as of {result.as_of.isoformat()}</b></p>" + html_table(["figure", "value", "clauses"], rows)
            + shown)


def contract_html(model: Model) -> str:
    """A contract in a notebook: its heading, and its clauses with their citations and lines."""
    rows = [[c.ref.kind, c.ref.name, c.ref.citation, f"{c.ref.span.file}:{c.ref.span.line}"] for c in model.clauses]
    return f"<p><b>{html.escape(model.heading)}</b></p>" + html_table(["kind", "name", "citation", "where"], rows)


def violations_text(result: Evaluation) -> list[str]:
    if not result.violations:
        return ["  violations: none"]
    lines = [f"  violations: {len(result.violations)}"]
    for v in result.violations:
        lines.append(f"    {v.date.isoformat()}  events[{v.index}] {v.event}: {v.why}  [{v.clause.citation}]")
    return lines


def evaluations_table(results: Sequence[Evaluation], heading: str) -> str:
    """Several as-of dates: one row each."""
    figures: list[Figure] = [f for f in results[0].reported if f.name != "granted"] if results else []
    columns = ["as of", *(f.label for f in figures), "violations"]
    rows = [[r.as_of.isoformat(), *(show_value(r.values[f.name]) for f in figures), str(len(r.violations))]
            for r in results]
    lines = [heading, f"granted {number(results[0].granted)}" if results else "", ""]
    lines += table(columns, rows)
    return "\n".join(lines)


def evaluations_csv(results: Sequence[Evaluation]) -> str:
    """A row per as-of date: every figure, and how many events the contract did not allow."""
    import csv
    import io

    from optionrules.values import csv_value

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    figures = results[0].reported if results else ()
    writer.writerow(["as_of", *(f.name for f in figures), "violations"])
    for r in results:
        writer.writerow([r.as_of.isoformat(), *(csv_value(r.values[f.name]) for f in figures), len(r.violations)])
    return out.getvalue()


def table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A plain text table: text columns to the left, figures to the right. Cells are laid out as they will
    show: control characters as their escapes (`visible`), wide characters (CJK) two columns, combining marks
    none."""
    header = [visible(str(c)) for c in columns]
    body = [[visible(str(cell)) for cell in row] for row in rows]
    widths = [max(display_width(c), *(display_width(row[i]) for row in body)) for i, c in enumerate(header)]
    numeric = [all(_is_figure(row[i]) for row in body) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = (" " * (w - display_width(c)) + c if n else c + " " * (w - display_width(c))
                  for c, w, n in zip(cells, widths, numeric))
        return "  ".join(padded).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(row) for row in body)]


def display_width(text: str) -> int:
    """How many terminal columns a (visible) text takes."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def html_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The same table for a notebook."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _is_figure(text: str) -> bool:
    return text.replace(",", "").replace(".", "").replace("-", "").replace("/", "").isdigit()


def kinds_text() -> str:
    """The clause kinds and their keys: the language reference at the terminal."""
    lines = ["Clause kinds (KIND [NAME] \"citation\" [overrides|exception to BASE.CLAUSE] [on EVENT] [when CONDITION] "
             "{ key: value ... })", ""]
    for kind in KINDS.values():
        shape = [kind.name]
        if kind.named:
            shape.append("NAME")
        if kind.cited:
            shape.append('"citation"')
        if kind.params:
            shape.append("(attr: type, ...)")
        if kind.trigger:
            shape.append("on EVENT")
        elif kind.optional_trigger:
            shape.append("[on EVENT]")
        if kind.condition:
            shape.append("[when CONDITION]")
        lines.append(f"{' '.join(shape)}")
        lines.append(f"    {kind.doc}")
        if kind.awards != ALL_AWARDS or kind.required:
            awards = [f"{award} (required)" if award in kind.required else str(award) for award in kind.awards]
            lines.append(f"    for: {', '.join(sorted(awards))}")
        for key in kind.keys:
            flag = "required" if key.required else "optional"
            doc = f": {key.doc}" if key.doc else ""
            lines.append(f"    {key.name:<18} {key.reads}, {flag}{doc}")
        lines.append("")
    lines.append(f"Every clause may also carry `{SAYS}: \"...\"`, the agreement's own words.")
    lines += ["", *_required_text(), "", *_bases_text(), "", *expressions_text()]
    return "\n".join(lines)


def _required_text() -> list[str]:
    """The clauses every agreement (and form) of each award type has, from the registry of kinds."""
    from optionrules.figures import AwardType

    lines = ["What every agreement needs: a header first (agreement, plan or form), and by its award type:"]
    for award in AwardType:
        needed = [kind.name for kind in KINDS.values() if award in kind.required]
        lines.append(f"    {award:<18} {', '.join(needed)}")
    lines += ["A vesting schedule needs a service clause. For options and RSUs, every case of the event that ends",
              "service (each value of its enum attributes) needs exactly one rule on it: one that sets",
              "`exercisable_until` or says `forfeit: all` (for RSUs, any `forfeit`)."]
    return lines


def _bases_text() -> list[str]:
    """What an agreement may say of its plan's (or form's) clauses."""
    return ["A clause of a plan (`uses`) or form may be replaced or excepted, after the clause's name and citation:",
            "    overrides PLAN.CLAUSE      this clause in place of the plan's",
            "    exception to PLAN.RULE     this rule in place of the plan's where its `when` holds (default logic)"]


def expressions_text() -> list[str]:
    """The expressions keys and conditions take (`when`, `that`, `exercisable_until`, `price`): from the typed
    tree's registry of its nodes."""
    from optionrules.expressions import SYNTAX

    lines = ["Expressions (in `when`, `that`, `exercisable_until`, `price`, ...):"]
    for what, forms in SYNTAX.values():
        lines += [f"    {what if i == 0 else '':<18} {form}" for i, form in enumerate(forms)]
    return lines
