"""Rule sets as files admins edit: YAML documents and CSV sheets (pure; no database).

YAML holds the whole set: ``owner``, ``version``, ``status`` (informative
on import), ``abbreviations`` (admin-added ``short: expansion`` entries) and
``rules`` in the engine's dict form (``lapor.rules.model``). A bare list of
rules is accepted too. CSV has one row per rule, in the columns ``COLUMNS``;
lists (keywords, report types, channels) are joined by ``;`` and empty cells
take the defaults. Parsing only checks the file's shape; ``rule_from_dict``
and the owner's checks judge each rule. Row numbers in errors: for CSV the
sheet's row (the header is row 1), for YAML the rule's place in ``rules``
(from 1), with its line in the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from lapor.spreadsheet import as_text, from_text

__all__ = ["COLUMNS", "FileProblems", "Parsed", "dump_csv", "dump_yaml", "load_csv", "load_yaml"]

COLUMNS = ("id", "name", "owner", "target", "priority", "active", "any", "all", "none", "regex",
           "scope", "report_types", "channels", "category", "policy", "urgent", "stop")
_SECTIONS = {"any": "keywords", "all": "keywords", "none": "keywords", "report_types": "filters",
             "channels": "filters", "category": "actions", "policy": "actions", "urgent": "actions",
             "stop": "actions"}
_BOOLEANS = {"true": True, "ya": True, "yes": True, "1": True,
             "false": False, "tidak": False, "no": False, "0": False}
_LISTS = ("any", "all", "none", "report_types", "channels")
_DOCUMENT_KEYS = {"owner", "version", "status", "abbreviations", "rules"}


class FileProblems(ValueError):
    """A file that cannot be read as a rule set; ``errors`` are ``{"row", "line", "message"}``."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__("; ".join(_describe(e) for e in errors))
        self.errors = errors


def _problem(row: int | None, line: int | None, message: str) -> dict[str, Any]:
    return {"row": row, "line": line, "message": message}


def _describe(error: Mapping[str, Any]) -> str:
    where = f"row {error['row']}: " if error.get("row") is not None else ""
    return where + str(error["message"])


@dataclass
class Parsed:
    """A file's rules as ``(row number, dict)``; ``abbreviations`` is None when the file has none.
    ``errors``: rows that could not be read (left out of ``rows``), so a caller can report them
    together with the rules it finds invalid."""

    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    owner: str | None = None
    abbreviations: dict[str, str] | None = None
    lines: dict[int, int] = field(default_factory=dict)  # row number -> line in the file


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing aliases (``*name``): a few lines of them can stand for billions
    of values (the "billion laughs"), and a rules file never needs them."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in a rules file", mark)
        return super().compose_node(parent, index)


def _represent_text(dumper: yaml.SafeDumper, value: str):
    # PyYAML writes a NEL (U+0085) as it is inside single quotes, where its reader then takes it
    # for a line break: such text goes in double quotes, which escape it ("\N").
    style = '"' if "\x85" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _Dumper(yaml.SafeDumper):
    """The safe dumper, writing a value used twice out twice, never as an alias ``_Loader`` refuses,
    and text as ``_represent_text`` has it."""

    yaml_representers = {**yaml.SafeDumper.yaml_representers, str: _represent_text}

    def ignore_aliases(self, data):
        return True


def dump_yaml(owner: str, version: int | None, status: str | None, rules: list[dict[str, Any]],
              abbreviations: Mapping[str, str] | None) -> str:
    """A rule set as a YAML document; ``load_yaml`` reads it back unchanged."""
    document = {"owner": owner, "version": version, "status": status,
                "abbreviations": dict(abbreviations or {}), "rules": list(rules)}
    # Flow style for the innermost lists (keywords) keeps a rule on a few readable lines.
    return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=None, width=100)


def load_yaml(text: str) -> Parsed:
    """The rules of a YAML document (see the module docstring); raises ``FileProblems``."""
    try:
        loader = _Loader(text)
        try:  # parsed once: the nodes give the lines, the document is built from them
            root = loader.get_single_node()
            document = None if root is None else loader.construct_document(root)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise FileProblems([_problem(None, line, f"not valid YAML: {exc}")]) from None
    parsed = Parsed()
    if document is None:
        return parsed
    items_node = root
    if isinstance(document, Mapping):
        unknown = set(map(str, document)) - _DOCUMENT_KEYS
        if unknown:
            message = f"unknown key(s) in the document: {', '.join(sorted(unknown))}"
            raise FileProblems([_problem(None, 1, message)])
        parsed.owner = document.get("owner")
        parsed.abbreviations = _abbreviations(document.get("abbreviations"))
        items_node = next((v for k, v in root.value if k.value == "rules"), None)
        document = document.get("rules") or []
    if not isinstance(document, list):
        raise FileProblems([_problem(None, 1, "expected a list of rules under 'rules'")])
    sequence = isinstance(items_node, yaml.SequenceNode)
    lines = [item.start_mark.line + 1 for item in items_node.value] if sequence else []
    for number, item in enumerate(document, 1):
        line = lines[number - 1] if number <= len(lines) else None
        if not isinstance(item, Mapping):
            parsed.errors.append(_problem(number, line, "a rule must be a mapping"))
            continue
        parsed.rows.append((number, dict(item)))
        if line is not None:
            parsed.lines[number] = line
    return parsed


def _abbreviations(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in value.items()):
        message = "abbreviations must map short forms to expansions (text to text)"
        raise FileProblems([_problem(None, None, message)])
    return dict(value)


def dump_csv(rules: list[dict[str, Any]]) -> str:
    """Rules (dict form) as CSV, one row each; ``load_csv`` reads them back unchanged."""
    out = io.StringIO()
    # Rows end in CRLF, as RFC 4180 (and Excel) have them: a cell holding a lone CR is then quoted
    # too, where with "\n" alone it was written bare and the file could not be read back.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for rule in rules:
        row = []
        for column in COLUMNS:
            section = _SECTIONS.get(column)
            value = rule.get(section, {}).get(column) if section else rule.get(column)
            if column in _LISTS:
                value = ";".join(value or ())
            elif isinstance(value, bool):
                value = "true" if value else "false"
            row.append("" if value is None else as_text(value))
        writer.writerow(row)
    return out.getvalue()


def load_csv(text: str) -> Parsed:
    """The rules of a CSV sheet (see the module docstring); raises ``FileProblems``."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))  # spreadsheets often write a BOM
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as exc:
        raise FileProblems([_problem(1, 1, f"not valid CSV: {exc}")]) from None
    if not header:
        return Parsed()
    unknown = [h for h in header if h not in COLUMNS]
    missing = "target" not in header
    if unknown or missing or len(set(header)) != len(header):
        message = (f"unknown column(s): {', '.join(unknown)}" if unknown else
                   "the column 'target' is required" if missing else "a column is repeated")
        raise FileProblems([_problem(1, 1, f"{message} (columns: {', '.join(COLUMNS)})")])
    parsed = Parsed()
    errors = parsed.errors
    number = 1
    try:
        for cells in reader:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                message = f"{len(cells)} cells for {len(header)} columns"
                errors.append(_problem(number, reader.line_num, message))
                continue
            parsed.lines[number] = reader.line_num
            try:
                cells_by_column = dict(zip(header, cells, strict=False))  # short rows: empty cells
                parsed.rows.append((number, _rule_from_cells(cells_by_column)))
            except ValueError as exc:
                errors.append(_problem(number, reader.line_num, str(exc)))
    except csv.Error as exc:  # the rest of the file cannot be read: report it as a whole
        errors.append(_problem(number, reader.line_num, f"not valid CSV: {exc}"))
        raise FileProblems(errors) from None
    return parsed


def _rule_from_cells(cells: dict[str, str]) -> dict[str, Any]:
    """One CSV row as a rule dict; empty cells are left out so the defaults apply."""
    rule: dict[str, Any] = {}
    for column, raw in cells.items():
        value = from_text(raw.strip())
        if not value:
            continue
        if column in _LISTS:
            value = [part.strip() for part in value.split(";") if part.strip()]
        elif column == "priority":
            try:
                value = int(value)
            except ValueError:
                raise ValueError(f"priority must be a whole number, got {raw!r}") from None
        elif column in ("active", "urgent", "stop"):
            if value.lower() not in _BOOLEANS:
                raise ValueError(f"{column} must be true or false, got {raw!r}")
            value = _BOOLEANS[value.lower()]
        section = _SECTIONS.get(column)
        if section:
            rule.setdefault(section, {})[column] = value
        else:
            rule[column] = value
    return rule
