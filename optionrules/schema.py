"""The clause kinds the language knows, and the keys each one takes.

This table is the language reference: the checker validates clauses against
it, and error messages and `did you mean` hints come from it.
"""

from __future__ import annotations

from optionrules.records import record
from optionrules.values import MISSING_DAY_POLICIES, ROUNDING_MODES

# How a key's value is read:
#   text            a string
#   date/number/money/duration   a constant expression of that type
#   word            one word of `choices` (or an assumption whose readings are all such words)
#   words           a comma-separated list of words (enum members of the named event attribute)
#   event           the name of a declared event
#   event_attr      `event.attribute`
#   trigger_attr    an attribute of the clause's triggering event
#   when_date       a date expression evaluated when the triggering event happens
#   when_bool       a condition evaluated when the triggering event happens
#   vest            what vests: all_unvested, nothing, pro_rata(...), or an assumption


@record
class Key:
    name: str
    reads: str
    required: bool = False
    choices: tuple[str, ...] = ()
    doc: str = ""


@record
class Kind:
    name: str
    doc: str
    keys: tuple[Key, ...] = ()
    named: bool = False  # a name is required (it is optional otherwise)
    cited: bool = True  # a citation of the agreement's section is required
    singleton: bool = False
    trigger: bool = False  # `on EVENT` is required
    condition: bool = False  # `when CONDITION` is allowed
    params: bool = False
    block: bool = True

    def key(self, name: str) -> Key | None:
        for key in self.keys:
            if key.name == name:
                return key
        return None


SAYS = Key("says", "text", doc="the agreement's own words for this clause")

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in [
        Kind("agreement", "names the agreement this file encodes; the string is its title", named=True,
             cited=False, singleton=True,
             keys=(Key("company", "text"), Key("source", "text", doc="the agreement's text, beside this file"),
                   Key("form", "text", doc="the form this grant is made from (a file)"),
                   Key("with", "values", doc="{ parameter: value ... }: the values of the form's parameters"))),
        Kind("plan", "a plan's default clauses, which agreements use and may override; the string is its title",
             named=True, cited=False, singleton=True,
             keys=(Key("company", "text"), Key("source", "text", doc="the plan's text, beside this file"))),
        Kind("form", "a template agreement with typed parameters, instantiated by grants; the string is its "
                     "title", named=True, cited=False, singleton=True, params=True,
             keys=(Key("company", "text"), Key("source", "text", doc="the form's text, beside this file"))),
        Kind("uses", "a plan whose clauses apply unless this contract overrides them", named=True, keys=(
            Key("file", "text", required=True, doc="the plan's file, relative to this one"),
        )),
        Kind("event", "declares an event a timeline may contain, with its typed attributes", named=True,
             cited=False, params=True, block=False),
        Kind("assume", "names a reading of ambiguous text, with its alternatives", named=True, keys=(
            Key("reads", "text", required=True, doc="the words being interpreted"),
            Key("default", "word", required=True),
            Key("alternatives", "words", required=True),
        )),
        Kind("conventions", "the date and deadline conventions the text leaves open", singleton=True, keys=(
            Key("missing_day", "word", required=True, choices=MISSING_DAY_POLICIES,
                doc="where `date + N months` lands when that day does not exist in the month"),
            Key("until", "word", required=True, choices=("inclusive", "exclusive"),
                doc="whether an `exercisable_until` date is itself a day exercise is allowed"),
        )),
        Kind("grant", "the grant: how many shares, at what price, from when", singleton=True, keys=(
            Key("optionee", "text"),
            Key("type", "word", choices=("non_qualified", "incentive")),
            Key("shares", "number", required=True),
            Key("exercise_price", "money"),
            Key("grant_date", "date", required=True),
            Key("commencement", "date", doc="the vesting commencement date (default: the grant date)"),
        )),
        Kind("term", "the option's term: it expires on the expiration date", singleton=True, keys=(
            Key("expiration", "date", required=True),
            Key("caps_windows", "word", required=True, choices=("yes", "no"),
                doc="yes: no exercise window runs past the expiration date"),
        )),
        Kind("vesting", "an installment schedule: installment k falls on start + k periods", named=True, keys=(
            Key("shares", "number", doc="the shares this schedule vests (default: the whole grant)"),
            Key("installments", "number", required=True),
            Key("every", "duration", required=True),
            Key("from", "date", doc="the anchor date (default: the commencement date)"),
            Key("cliff", "duration", doc="nothing vests before start + cliff; earlier installments vest then"),
            Key("missing_day", "word", choices=MISSING_DAY_POLICIES, doc="default: the conventions' missing_day"),
            Key("rounding", "word", required=True, choices=(*ROUNDING_MODES, "none"),
                doc="down, up or half_up to whole shares; none keeps fractions of a share"),
            Key("rounding_basis", "word", required=True, choices=("per_installment", "cumulative")),
            Key("remainder", "word", choices=("last", "first", "spread_first", "spread_last", "none"),
                doc="where shares left by per-installment rounding go (required for per_installment)"),
        )),
        Kind("milestone", "a tranche that vests when an event happens (and its condition holds), and is "
                          "forfeited if that has not happened by the deadline", named=True, trigger=True,
             condition=True, keys=(
                 Key("shares", "number", required=True),
                 Key("deadline", "date", doc="the last day the event can vest the tranche"),
                 Key("accelerates", "word", required=True, choices=("yes", "no"),
                     doc="whether `vest: all_unvested` reaches this tranche"),
             )),
        Kind("service", "the service condition: which event ends service", singleton=True, keys=(
            Key("ends_on", "event", required=True),
            Key("through", "word", required=True, choices=("inclusive", "exclusive"),
                doc="inclusive: an installment dated on the last day of service vests"),
        )),
        Kind("rule", "what an event does when its condition holds", named=True, trigger=True, condition=True,
             keys=(
                 Key("vest", "vest", doc="all_unvested, nothing, pro_rata(schedule:, day_count:, rounding:), "
                                         "percent(50%, rounding:, from: last|first|each) of the unvested "
                                         "installments, or next(12 months) of installments"),
                 Key("forfeit", "word", choices=("unvested", "all")),
                 Key("repurchase", "word", choices=("unvested",),
                     doc="the company buys back the exercised shares not vested (early exercise)"),
                 Key("exercisable_until", "when_date"),
             )),
        Kind("lockup", "sales blocked for a period after an event", named=True, trigger=True, keys=(
            Key("period", "duration", required=True),
            Key("starts", "word", required=True, choices=("day_after", "same_day")),
            Key("extended_by", "event_attr", doc="an event attribute of type days that extends the period"),
        )),
        Kind("exercise", "which event is an exercise, and its share count and payment method", singleton=True,
             trigger=True, keys=(
                 Key("shares", "trigger_attr", required=True),
                 Key("method", "trigger_attr"),
                 Key("before_vesting", "word", choices=("allowed", "not_allowed"),
                     doc="allowed: early exercise of unvested shares (default: not_allowed)"),
             )),
        Kind("settlement", "units that settle on vesting, with no exercise and no price (RSUs)", singleton=True,
             keys=(Key("on", "word", required=True, choices=("vesting",)),)),
        Kind("require", "a condition an event must meet; otherwise it is a violation, not applied", named=True,
             trigger=True, keys=(
                 Key("that", "when_bool", required=True),
             )),
        Kind("example", "a timeline, an as-of date and the figures expected there: `optionrules test` runs it; "
                        "the string describes the case", named=True, cited=False, keys=(
                            Key("events", "events", doc="EVENT(DATE, attribute: value, ...), comma-separated"),
                            Key("as_of", "date", required=True),
                            Key("assume", "readings", doc="{ assumption: reading } in place of the defaults"),
                            Key("expect", "figures", required=True,
                                doc="{ figure: value } for vested, exercised, exercisable, unvested, forfeited, "
                                    "expired, exercise_deadline (a date or none), sale_blocked (yes or no), "
                                    "violations (a count, or the names of the clauses broken, in order)"),
                        )),
        Kind("invariant", "a condition on the figures that must hold on every date of every timeline: "
                          "`optionrules verify` checks it; the string describes it", named=True, cited=False, keys=(
                              Key("that", "figures_bool", required=True,
                                  doc="a condition on the figures, e.g. exercise_deadline <= expiration"),
                          )),
        Kind("payment", "payment methods allowed outright, and those allowed after a consent", singleton=True, keys=(
            Key("always", "words"),
            Key("with_consent", "words"),
            Key("consent", "event_attr", doc="the event that consents, and its attribute naming the method"),
        )),
    ]
}
