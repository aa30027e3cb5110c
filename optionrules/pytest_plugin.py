"""A pytest plugin: the example blocks of `*.contract` files under the test paths become test items.

Registered through the `pytest11` entry point, so `pytest contracts/` runs them with pytest's own
reporting. Switch it off with `-p no:optionrules`, with `--no-contract-examples`, or with
`optionrules_examples = false` in the pytest configuration. Contract files without example
blocks are not collected.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from optionrules.files import SUFFIX

if TYPE_CHECKING:  # the engine is imported when contract files are collected, not in every pytest session
    from optionrules.contract import Contract
    from optionrules.examples import Failure
    from optionrules.kinds import Example

_HAS_EXAMPLES = re.compile(r"^example\b", re.MULTILINE)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("optionrules", "OptionRules contract examples")
    group.addoption("--no-contract-examples", action="store_true", default=False,
                    help="do not collect the example blocks of *.contract files")
    parser.addini("optionrules_examples", type="bool", default=True,
                  help="collect the example blocks of *.contract files (default: true)")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ContractFile | None:
    config = parent.config
    if file_path.suffix != SUFFIX or config.getoption("no_contract_examples") \
            or not config.getini("optionrules_examples"):
        return None
    try:
        if not _HAS_EXAMPLES.search(file_path.read_text(encoding="utf-8")):
            return None
    except (OSError, UnicodeDecodeError):
        pass  # collected, so that loading it reports the problem
    return ContractFile.from_parent(parent, path=file_path)


class ContractFile(pytest.File):
    def collect(self) -> Iterator[ExampleItem]:
        from optionrules.contract import load
        from optionrules.errors import ContractError
        from optionrules.kinds import Example

        try:
            contract = load(self.path)
        except ContractError as error:
            raise self.CollectError(f"{self.path} does not check:\n{error}") from None
        for example in contract.model.all(Example):
            yield ExampleItem.from_parent(self, name=example.ref.name, contract=contract, example=example)


class ExampleFailed(Exception):
    def __init__(self, failures: list[Failure]):
        super().__init__("\n".join(str(f) for f in failures))
        self.failures = failures


class ExampleItem(pytest.Item):
    def __init__(self, *, contract: Contract, example: Example, **kwargs: Any):
        super().__init__(**kwargs)
        self.contract = contract
        self.example = example

    def runtest(self) -> None:
        from optionrules.examples import run_example

        result = run_example(self.contract, self.example)
        if result.failures:
            raise ExampleFailed(result.failures)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ExampleFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.example.ref.span.line - 1, f"example {self.example.ref.name}"
