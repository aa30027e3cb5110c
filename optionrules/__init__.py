"""OptionRules: a clause language for equity agreements.

    contract = optionrules.load("contracts/capstone_liggett_2002.contract")
    contract.evaluate(events, as_of="2004-03-20").to_dict()
"""

from optionrules.contract import Contract, check_text, load, loads
from optionrules.errors import ContractError, Diagnostic, OptionRulesError, TimelineError
from optionrules.evaluate import Evaluation, Violation
from optionrules.timeline import Event, Timeline

__all__ = [
    "Contract", "ContractError", "Diagnostic", "Evaluation", "Event", "OptionRulesError", "Timeline",
    "TimelineError", "Violation", "check_text", "load", "loads",
]
