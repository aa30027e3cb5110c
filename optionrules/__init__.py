"""OptionRules: a clause language for equity agreements.

    contract = optionrules.load("agreement.contract")
    contract.evaluate(events, as_of="2025-06-30").to_dict()

The public names are imported on first use, so `optionrules check` does not pay
for the evaluator at start-up.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Contract": "optionrules.contract",
    "check_source": "optionrules.check",
    "load": "optionrules.contract",
    "loads": "optionrules.contract",
    "ContractError": "optionrules.errors",
    "Diagnostic": "optionrules.errors",
    "OptionRulesError": "optionrules.errors",
    "TimelineError": "optionrules.errors",
    "Evaluation": "optionrules.evaluate",
    "Violation": "optionrules.evaluate",
    "Event": "optionrules.timeline",
    "Timeline": "optionrules.timeline",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'optionrules' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
