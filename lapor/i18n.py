"""Choosing the user's language and looking messages up in the catalogue."""

from __future__ import annotations

import re
from functools import lru_cache

from lapor.translations import MESSAGES

LANGUAGES = ("id", "en")
DEFAULT = "id"


def pick_language(query: str | None, cookie: str | None, accept: str | None) -> str:
    """`?lang=` wins, then the cookie, then the browser's preference, then Indonesian."""
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return choice
    if accept:
        for part in accept.split(","):
            tag = part.split(";")[0].strip().lower()[:2]
            if tag in LANGUAGES:
                return tag
    return DEFAULT


def current_language() -> str:
    from flask import g, has_request_context, request

    if not has_request_context():
        return DEFAULT
    if "lang" not in g:
        # Pages open in Indonesian unless the visitor switches (many Indonesian phones are
        # set to English); API clients choose with Accept-Language, as HTTP intends.
        api = request.path.startswith(("/api/", "/open311/"))
        g.lang = pick_language(
            request.args.get("lang"),
            request.cookies.get("lang"),
            request.headers.get("Accept-Language") if api else None,
        )
    return g.lang


def gettext(key: str, lang: str | None = None, **params) -> str:
    """The message for `key` in `lang`, with `params` filled in; the key itself if unknown."""
    lang = lang or current_language()
    pair = MESSAGES.get(key)
    if pair is None:
        return key.format(**params) if params else key
    text = pair[LANGUAGES.index(lang)] if lang in LANGUAGES else pair[0]
    return text.format(**params) if params else text


_ = gettext


_PLACEHOLDER = re.compile(r"\{\w+\}")


@lru_cache(maxsize=1)
def _validation_patterns() -> list[tuple[re.Pattern[str], str]]:
    """The catalogue's messages with placeholders, as patterns, the most literal text first:
    "unknown key(s) in the document: {keys}" before "unknown key(s) in {section}: {keys}"."""
    keys = [key for key in MESSAGES if "{" in key and not key.startswith(("error.", "event."))]
    keys.sort(key=lambda key: len(_PLACEHOLDER.sub("", key)), reverse=True)
    patterns = []
    for key in keys:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+)", re.escape(key))
        patterns.append((re.compile(regex, re.DOTALL), key))
    return patterns


def translate_validation(message: str, lang: str | None = None) -> str:
    """Marshmallow's English field messages in the user's language."""
    lang = lang or current_language()
    if message in MESSAGES:
        return gettext(message, lang)
    for pattern, key in _validation_patterns():
        found = pattern.fullmatch(message)
        if found:
            return gettext(key, lang, **found.groupdict())
    return message


# "rule 'id': ..." as the rules backend writes it: the id as Python shows it (quoted text or a number).
_RULE_PREFIX = re.compile(r"""rule(?: ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d+))?: (.*)""", re.DOTALL)


def translate_problem(message: str, lang: str | None = None) -> str:
    """A rules backend message (English) in the user's language; a rule's own keeps its id."""
    found = _RULE_PREFIX.fullmatch(message)
    if found is None:
        return translate_validation(message, lang)
    rule, problem = found.groups()
    problem = translate_validation(problem, lang)
    return gettext("rule {rule}: {problem}", lang, rule=rule, problem=problem) if rule else \
        gettext("rule: {problem}", lang, problem=problem)


def translate_problems(problems, lang: str | None = None) -> list[dict]:
    """A rule set's problems (row, line, rule, message), their messages in the user's language."""
    return [{**problem, "message": translate_problem(str(problem.get("message", "")), lang)}
            for problem in problems or ()]


def translate_errors(errors, lang: str | None = None):
    """Walk a marshmallow error structure, translating every message."""
    if isinstance(errors, dict):
        return {k: translate_errors(v, lang) for k, v in errors.items()}
    if isinstance(errors, list):
        return [translate_errors(v, lang) for v in errors]
    if isinstance(errors, str):
        return translate_validation(errors, lang)
    return errors
