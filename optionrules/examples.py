"""The example blocks a contract carries: each a timeline, an as-of date and the figures expected.

`optionrules test`, the pytest plugin and the JUnit report all run them through here.
"""

from __future__ import annotations

from typing import Any

import attrs

from optionrules.compile import PlanSource
from optionrules.errors import Span
from optionrules.evaluate import evaluate
from optionrules.kinds import Example
from optionrules.kinds.tests import VIOLATIONS
from optionrules.printer import show_value
from optionrules.records import record
from optionrules.timeline import in_order


@record
class Failure:
    """One expectation of an example that does not hold."""

    example: str
    figure: str
    expected: Any
    actual: Any
    span: Span

    def __str__(self) -> str:
        return (f"{self.span.file}:{self.span.line}: example {self.example}: {self.figure} expected "
                f"{_show(self.expected)}, got {_show(self.actual)}")


@attrs.define
class ExampleResult:
    example: Example
    failures: list[Failure]

    @property
    def passed(self) -> bool:
        return not self.failures


def run_example(contract: PlanSource, example: Example) -> ExampleResult:
    result = evaluate(contract.plan(example.assume), in_order(example.events), example.as_of)
    failures = []
    for expectation in example.expectations:
        if expectation.figure == VIOLATIONS:
            actual: Any = len(result.violations) if isinstance(expectation.value, int) else \
                tuple(v.clause.name for v in result.violations)
        else:
            actual = result.values[expectation.figure]
        if actual != expectation.value:
            failures.append(Failure(example.ref.name, expectation.figure, expectation.value, actual, expectation.span))
    return ExampleResult(example, failures)


def run_examples(contract: PlanSource) -> list[ExampleResult]:
    return [run_example(contract, example) for example in contract.model.all(Example)]


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(value) + ")" if value else "none"
    return show_value(value)


def junit_xml(suites: list[tuple[str, list[ExampleResult], list[str]]], seconds: float = 0.0) -> str:
    """A JUnit report: a test suite per contract file, a test case per example.

    `suites` holds, per file, its example results and the problems that kept it from loading.
    """
    from xml.etree import ElementTree

    root = ElementTree.Element("testsuites", name="optionrules", time=f"{seconds:.3f}")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for file, results, problems in suites:
        suite = ElementTree.SubElement(root, "testsuite", name=file)
        counts = {"tests": len(results) + bool(problems), "failures": sum(not r.passed for r in results),
                  "errors": int(bool(problems))}
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        if problems:
            case = ElementTree.SubElement(suite, "testcase", classname=file, name="(contract)", file=file)
            error = ElementTree.SubElement(case, "error", message="the contract does not check")
            error.text = "\n".join(problems)
        for result in results:
            example = result.example
            case = ElementTree.SubElement(suite, "testcase", classname=file, name=example.ref.name, file=file,
                                          line=str(example.ref.span.line))
            if result.failures:
                failure = ElementTree.SubElement(case, "failure", message=str(result.failures[0]))
                failure.text = "\n".join(str(f) for f in result.failures)
    for key, value in totals.items():
        root.set(key, str(value))
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"
