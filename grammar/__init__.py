"""The grammar of the OptionRules clause language, installed as ``optionrules.grammar``."""
