"""Keyword rules engine: normalise report texts, match compiled rules, decide the route."""

from .decide import Decision, decide, route
from .match import KeywordHit, Match
from .matcher import CompiledRuleSet, compile_rules
from .model import CHANNELS, REPORT_TYPES, SCOPES, Rule, RuleError, rule_from_dict, rule_to_dict
from .normalise import Normaliser, default_abbreviations, normalise, parse_abbreviations

__all__ = [
    "CHANNELS",
    "REPORT_TYPES",
    "SCOPES",
    "CompiledRuleSet",
    "Decision",
    "KeywordHit",
    "Match",
    "Normaliser",
    "Rule",
    "RuleError",
    "compile_rules",
    "decide",
    "default_abbreviations",
    "normalise",
    "parse_abbreviations",
    "route",
    "rule_from_dict",
    "rule_to_dict",
]
