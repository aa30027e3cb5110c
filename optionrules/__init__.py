"""OptionRules: a clause language for equity agreements.

    contract = optionrules.load("agreement.contract")
    contract.evaluate(events, as_of="2025-06-30").to_dict()

The public names are imported on first use, so `optionrules check` does not pay for the evaluator
at start-up; type checkers and editors see them through the imports below.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from optionrules.check import check_source as check_source
    from optionrules.contract import Contract as Contract
    from optionrules.contract import load as load
    from optionrules.contract import loads as loads
    from optionrules.errors import ContractError as ContractError
    from optionrules.errors import Diagnostic as Diagnostic
    from optionrules.errors import OptionRulesError as OptionRulesError
    from optionrules.errors import QueryError as QueryError
    from optionrules.errors import ReadingError as ReadingError
    from optionrules.errors import TimelineError as TimelineError
    from optionrules.evaluate import Evaluation as Evaluation
    from optionrules.evaluate import Violation as Violation
    from optionrules.explain import Explanation as Explanation
    from optionrules.figures import FIGURES as FIGURES
    from optionrules.figures import AwardType as AwardType
    from optionrules.figures import Figure as Figure
    from optionrules.grants import load_grants as load_grants
    from optionrules.kinds import KINDS as KINDS
    from optionrules.schedule import VestingTable as VestingTable
    from optionrules.timeline import Event as Event
    from optionrules.timeline import Timeline as Timeline
    from optionrules.verify import VerifyReport as VerifyReport
    from optionrules.verify import verify as verify
    from optionrules.whatif import WhatIf as WhatIf

_EXPORTS = {
    "AwardType": "optionrules.figures",
    "Contract": "optionrules.contract",
    "ContractError": "optionrules.errors",
    "Diagnostic": "optionrules.errors",
    "Evaluation": "optionrules.evaluate",
    "Event": "optionrules.timeline",
    "Explanation": "optionrules.explain",
    "FIGURES": "optionrules.figures",
    "Figure": "optionrules.figures",
    "KINDS": "optionrules.kinds",
    "OptionRulesError": "optionrules.errors",
    "QueryError": "optionrules.errors",
    "ReadingError": "optionrules.errors",
    "Timeline": "optionrules.timeline",
    "TimelineError": "optionrules.errors",
    "VerifyReport": "optionrules.verify",
    "VestingTable": "optionrules.schedule",
    "Violation": "optionrules.evaluate",
    "WhatIf": "optionrules.whatif",
    "check_source": "optionrules.check",
    "load": "optionrules.contract",
    "load_grants": "optionrules.grants",
    "loads": "optionrules.contract",
    "verify": "optionrules.verify",
}
__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'optionrules' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
