"""`optionrules report`: the page an encoding is reviewed with, checked as a file and in a real browser."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from optionrules.errors import install_hint
from optionrules.report import report_html, write_report
from tests.browser import Browser, chromium
from tests.test_cli import ROOT, run

REFERENCE = ROOT / "contracts" / "capstone_liggett_2002.contract"
QUOTED_CLAUSES = 14  # the reference's clauses with a `says:` quote


def beside_its_text(directory: Path, contract: str) -> Path:
    """The reference agreement's files in `directory`, the agreement's text replaced by `contract`."""
    for name in ("capstone_2000_plan.contract", "capstone_liggett_2002.txt"):
        (directory / name).write_bytes((ROOT / "contracts" / name).read_bytes())
    path = directory / REFERENCE.name
    path.write_text(contract, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    write_report(REFERENCE, out)
    return out


def test_every_quote_of_the_reference_is_a_link_to_its_clause_and_back(reference_report: Path):
    page = reference_report.read_text(encoding="utf-8")
    to_passages = re.findall(r'<a class="to-passage" href="#(passage-[^"]+)"', page)
    assert len(to_passages) == QUOTED_CLAUSES
    for passage in to_passages:
        clause = passage.replace("passage-", "clause-", 1)
        assert f'href="#{clause}" id="{passage}"' in page, passage
        assert f'<div class="clause" id="{clause}">' in page
    assert f"{QUOTED_CLAUSES} of {QUOTED_CLAUSES} quotes found" in page


def test_the_report_is_self_contained_and_runs_nothing(reference_report: Path):
    page = reference_report.read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert re.findall(r'\b(?:src|href)="(?!#)', page) == []  # nothing fetched, every link inside the page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "<svg" in page  # the schedule's chart, inline


def test_the_report_shows_the_examples_and_the_schedule(reference_report: Path):
    page = reference_report.read_text(encoding="utf-8")
    assert page.count('<span class="pass">pass</span>') == len(re.findall(r"^example ", REFERENCE.read_text(
        encoding="utf-8"), re.M))
    assert "<td>vested</td><td>1,263,448</td><td>1,263,448</td>" in page  # without_cause, as the README works it
    assert "<td>2002-12-21</td><td>80,000</td>" in page  # the first installment of the schedule


def test_a_failing_example_shows_expected_and_actual(tmp_path: Path):
    text = REFERENCE.read_text(encoding="utf-8").replace("vested: 960,000  #", "vested: 960,001  #")
    page = report_html(beside_its_text(tmp_path, text))
    assert '<span class="fail">fail</span> <b>one_year_in</b>' in page
    assert "<td>vested</td><td>960,001</td><td>960,000</td>" in page


def test_a_quote_not_in_the_text_shows_the_nearest_passage(tmp_path: Path):
    text = REFERENCE.read_text(encoding="utf-8").replace("for a fraction of a Share", "for part of a Share")
    page = report_html(beside_its_text(tmp_path, text))
    assert f"{QUOTED_CLAUSES - 1} of {QUOTED_CLAUSES} quotes found" in page
    assert "not found in the text; the nearest passage: “The Option may not be exercised for a fraction of a " \
           "Share" in page


def test_everything_from_the_contract_and_the_text_is_escaped(tmp_path: Path):
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    text = REFERENCE.read_text(encoding="utf-8")
    text = text.replace('"Stock Option Agreement with Emily M. Liggett"', json.dumps("Agreement " + hostile))
    text = text.replace('"Art. II §7"', json.dumps("Art. II §7 " + hostile))
    path = beside_its_text(tmp_path, text)
    (tmp_path / "capstone_liggett_2002.txt").write_text(hostile + (ROOT / "contracts" / "capstone_liggett_2002.txt")
                                                        .read_text(encoding="utf-8"), encoding="utf-8")
    page = report_html(path)
    assert "<script" not in page and "<img" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;") >= 4


def test_a_contract_without_its_text_says_why(tmp_path: Path):
    page = report_html(ROOT / "contracts" / "sec" / "itron_2009_option.contract")
    assert "the header names no agreement text (no `source:`): quotes are not checked" in page
    assert page.count("quote not checked") == 6


# ---- the command ---------------------------------------------------------------------------------


def test_report_command_writes_the_page(tmp_path: Path):
    out = tmp_path / "report.html"
    result = run("report", REFERENCE, "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote {out}\n"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_of_a_contract_that_does_not_check_is_an_input_error(tmp_path: Path):
    path = beside_its_text(tmp_path, REFERENCE.read_text(encoding="utf-8").replace("installments: 48",
                                                                                    "instalments: 48"))
    result = run("report", path, "--out", tmp_path / "report.html")
    assert result.returncode == 2
    assert f"{path}:" in result.stderr and "instalments" in result.stderr
    assert not (tmp_path / "report.html").exists()
    missing = run("report", tmp_path / "nothing.contract", "--out", tmp_path / "report.html")
    assert missing.returncode == 2 and "cannot read the file" in missing.stderr


def test_report_without_matplotlib_has_the_table_and_says_why_there_is_no_chart(tmp_path: Path):
    out = tmp_path / "report.html"
    blocked = ("import sys; sys.modules['matplotlib'] = None; from optionrules.cli import main; "
               f"sys.exit(main(['report', {str(REFERENCE)!r}, '--out', {str(out)!r}]))")
    result = subprocess.run([sys.executable, "-c", blocked], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert f"No chart: charts need matplotlib: {html.escape(install_hint('plot'))}." in page
    assert "<svg" not in page and "<td>2002-12-21</td>" in page


# ---- in a real browser -------------------------------------------------------------------------------

LINKS = """
(async () => {
  const frame = () => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const shown = (element, pane) => {
    const box = element.getBoundingClientRect(), view = pane.getBoundingClientRect();
    return box.bottom > view.top + 1 && box.top < view.bottom - 1;  // in the pane's view
  };
  const text = document.getElementById('agreement'), clauses = document.getElementById('encoding');
  const results = [];
  for (const link of document.querySelectorAll('a.to-passage')) {
    link.click(); await frame();
    const passage = document.getElementById(link.hash.slice(1));
    const there = location.hash === link.hash && passage !== null && shown(passage, text);
    passage.click(); await frame();
    const clause = document.getElementById(passage.hash.slice(1));
    results.push({link: link.hash, there, quote: passage.textContent,
                  back: location.hash === passage.hash && clause.contains(link) && shown(clause, clauses)});
  }
  return results;
})()
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    executable = chromium()
    if executable is None:
        pytest.skip("no browser: install Chromium (apt-get install chromium) to test the report in one")
    opened = Browser(executable, tmp_path_factory.mktemp("chromium-profile"))
    yield opened
    opened.close()


def test_in_a_browser_every_clause_goes_to_its_passage_and_back(browser: Browser, reference_report: Path,
                                                                  tmp_path: Path):
    browser.open(reference_report.as_uri())
    assert browser.evaluate("document.title") == \
        "capstone_liggett_2002: Stock Option Agreement with Emily M. Liggett: OptionRules report"
    results = browser.evaluate(LINKS)
    assert len(results) == QUOTED_CLAUSES
    for result in results:
        assert result["there"], f"{result['link']}: the passage is not shown"
        assert result["back"], f"{result['link']}: its passage does not lead back to the clause"
    assert any(r["quote"].startswith("1/48th of the Shares subject to the Option") for r in results)
    shot = tmp_path / "report.png"
    browser.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert browser.evaluate("document.querySelectorAll('#schedule ~ svg, #schedule ~ div table').length") == 2
