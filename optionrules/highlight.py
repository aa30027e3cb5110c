"""A Pygments lexer for `.contract` files: `pygmentize -l optionrules FILE` (the [highlight] extra).

Registered as the entry point `optionrules` of `pygments.lexers`; the clause kinds come from the registry.
"""

from __future__ import annotations

import re

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

from optionrules import language

KEYWORDS = ("on", "when", "overrides", "exception", "to")
WORD_OPERATORS = ("and", "or", "not", "in", "before", "after", "within", "of")
CONSTANTS = ("yes", "no", "true", "false", "none")
UNITS = r"(?:day|week|month|year)s?\b"
NUMBER = r"\d+(?:_\d+)*(?:,\d\d\d)*(?:\.\d+)?"


class OptionRulesLexer(RegexLexer):
    """OptionRules clause files."""

    name = "OptionRules"
    aliases = ("optionrules", "contract")
    filenames = ("*.contract",)
    mimetypes = ("text/x-optionrules",)
    flags = re.MULTILINE

    tokens = {  # noqa: RUF012 (Pygments reads the class attribute as it is)
        "root": [
            (r"\s+", Whitespace),
            (r"#.*?$", Comment.Single),
            (r'"""', String.Doc, "long_string"),
            (r'"', String.Double, "string"),
            (r"^(enum)(\s+)([A-Za-z_]\w*)", bygroups(Keyword.Declaration, Whitespace, Name.Class)),
            (rf"^({'|'.join(language.kinds())})\b(?:(\s+)(?!on\b|when\b)([A-Za-z_]\w*))?",
             bygroups(Keyword.Declaration, Whitespace, Name.Function)),
            (r"([A-Za-z_]\w*)(\s*)(:)", bygroups(Name.Attribute, Whitespace, Punctuation)),  # a key, even `on:`
            (words(KEYWORDS, suffix=r"\b"), Keyword),
            (words(WORD_OPERATORS, suffix=r"\b"), Operator.Word),
            (words(CONSTANTS, suffix=r"\b"), Keyword.Constant),
            (r"\d{4}-\d\d-\d\d(?![\w-])", Literal.Date),
            (rf"({NUMBER})(\s+)({UNITS})", bygroups(Number, Whitespace, Keyword.Type)),
            (r"\d+(?:\.\d+)?%", Number),
            (rf"([A-Z]{{3}})(\s+)({NUMBER})", bygroups(Keyword.Type, Whitespace, Number)),
            (NUMBER, Number),
            (r"[A-Za-z_]\w*", Name),
            (r"!=|<=|>=|[=<>+\-*/]", Operator),
            (r"[{}()\[\],.]", Punctuation),
        ],
        "string": [
            (r'\\.', String.Escape),
            (r'[^"\\\n]+', String.Double),
            (r'"', String.Double, "#pop"),
        ],
        "long_string": [
            (r'"""', String.Doc, "#pop"),
            (r'[^"]+|"', String.Doc),
        ],
    }
