"""``$filter``: a parser for the subset Dataverse apps use, compiled to a Python predicate.

Supported: ``eq ne gt ge lt le``, ``and or not``, parentheses, ``contains/startswith/endswith``,
``Microsoft.Dynamics.CRM.In/NotIn(PropertyName='x',PropertyValues=[...])``; literals: strings, bare
GUIDs, numbers, ``true/false``, ``null``, dates and datetimes. Text compares case-insensitively and a
comparison with a null column is false (SQL semantics), as in Dataverse. Comparing a GUID or date
column with a quoted string is refused with Dataverse's "incompatible types" error.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from local_runtime.dataverse_emulator._errors import bad_request
from local_runtime.dataverse_emulator._values import parse_datetime

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]
Resolver = Callable[[str], tuple[str, str]]
"""name -> (key in the row dict, kind): kind is string|guid|datetime|date|number|bool|any."""

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<dstring>"(?:[^"\\]|\\.)*")
    | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?![\w-])
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)
    | (?P<date>\d{4}-\d{2}-\d{2})(?![\w:])
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)[mMdDfFlL]?(?![\w.])
    | (?P<punct>[(),=\[\]/])
    | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_OPS = {"eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "ge": operator.ge, "lt": operator.lt,
        "le": operator.le}  # fmt: skip
_OP_NAMES = {"eq": "Equal", "ne": "NotEqual", "gt": "GreaterThan", "ge": "GreaterThanOrEqual",
             "lt": "LessThan", "le": "LessThanOrEqual"}  # fmt: skip
_EDM = {"string": "Edm.String", "guid": "Edm.Guid", "datetime": "Edm.DateTimeOffset", "date": "Edm.Date",
        "number": "Edm.Decimal", "bool": "Edm.Boolean"}  # fmt: skip
_COMPATIBLE = {"string": {"string", "dstring"}, "guid": {"guid"}, "datetime": {"datetime", "date"},
               "date": {"date", "datetime"}, "number": {"number"}, "bool": {"bool"}}  # fmt: skip
_STRING_FUNCTIONS = {"contains": str.__contains__, "startswith": str.startswith, "endswith": str.endswith}


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise bad_request(f"Syntax error at position {position} in '{text}'.")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "name" and value in ("true", "false"):
            kind = "bool"
        elif kind == "name" and value == "null":
            kind = "null"
        tokens.append((kind, value))
        position = match.end()
    return tokens


def compile_filter(text: str, resolve: Resolver) -> Predicate:
    parser = _Parser(tokenize(text), resolve)
    predicate = parser.expression()
    if parser.position != len(parser.tokens):
        raise bad_request(f"Syntax error: unexpected '{parser.tokens[parser.position][1]}' in $filter.")
    return predicate


def literal_value(kind: str, text: str) -> Any:
    if kind == "string":
        return text[1:-1].replace("''", "'")
    if kind == "dstring":
        return text[1:-1].replace('\\"', '"')
    if kind == "guid":
        return text.lower()
    if kind == "number":
        return float(text)
    if kind == "bool":
        return text == "true"
    if kind == "datetime":
        return parse_datetime(text)
    if kind == "date":
        return text
    return None


def row_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "string" or (kind == "any" and isinstance(value, str)):
        return str(value).casefold()
    if kind == "guid":
        return str(value).lower()
    if kind == "datetime":
        return parse_datetime(value) if len(value) > 10 else parse_datetime(value + "T00:00:00Z")
    if kind == "date":
        return str(value)[:10]
    if kind == "number":
        return float(value)
    return value


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], resolve: Resolver) -> None:
        self.tokens = tokens
        self.position = 0
        self.resolve = resolve

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("end", "")

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token[0] == "end" or (expected is not None and token[1] != expected):
            raise bad_request(
                f"Syntax error in $filter: expected '{expected or 'a term'}', found '{token[1]}'."
            )
        self.position += 1
        return token

    def expression(self) -> Predicate:
        left = self.conjunction()
        while self.peek() == ("name", "or"):
            self.take()
            right = self.conjunction()
            left = (lambda a, b: lambda row: a(row) or b(row))(left, right)
        return left

    def conjunction(self) -> Predicate:
        left = self.unary()
        while self.peek() == ("name", "and"):
            self.take()
            right = self.unary()
            left = (lambda a, b: lambda row: a(row) and b(row))(left, right)
        return left

    def unary(self) -> Predicate:
        if self.peek() == ("name", "not"):
            self.take()
            inner = self.unary()
            return lambda row: not inner(row)
        if self.peek() == ("punct", "("):
            self.take()
            inner = self.expression()
            self.take(")")
            return inner
        return self.term()

    def term(self) -> Predicate:
        kind, text = self.take()
        if kind != "name":
            raise bad_request(f"Syntax error in $filter near '{text}'.")
        if self.peek() == ("punct", "/"):
            raise bad_request("Filtering on navigation properties is not supported by the emulator.")
        if self.peek() == ("punct", "("):
            return self.function(text)
        key, column_kind = self.resolve(text)
        _, op = self.take()
        if op not in _OPS:
            raise bad_request(f"Syntax error in $filter: '{op}' is not a comparison operator.")
        literal_kind, literal_text = self.take()
        return self.comparison(key, column_kind, op, literal_kind, literal_text)

    def comparison(self, key: str, kind: str, op: str, literal_kind: str, text: str) -> Predicate:
        if literal_kind == "null":
            if op not in ("eq", "ne"):
                raise bad_request(f"The operator '{op}' can't be used with null.")
            return (
                (lambda row: row.get(key) is None) if op == "eq" else (lambda row: row.get(key) is not None)
            )
        if kind != "any" and literal_kind not in _COMPATIBLE.get(kind, set()):
            found = _EDM.get("string" if literal_kind == "dstring" else literal_kind, "Edm.String")
            raise bad_request(
                "A binary operator with incompatible types was detected. Found operand types "
                f"'{_EDM.get(kind, 'Edm.String')}' and '{found}' for operator kind '{_OP_NAMES[op]}'."
            )
        compare = _OPS[op]
        value_kind = "datetime" if kind == "any" and literal_kind in ("datetime",) else kind
        expected = literal_value(literal_kind, text)
        if kind == "date" and isinstance(expected, datetime):
            expected = expected.date().isoformat()
        if kind == "datetime" and isinstance(expected, str):
            expected = parse_datetime(expected + "T00:00:00Z")
        if isinstance(expected, str) and kind in ("string", "any"):
            expected = expected.casefold()

        def predicate(row: Row) -> bool:
            actual = row_value(value_kind, row.get(key))
            if actual is None:
                return False
            try:
                return bool(compare(actual, expected))
            except TypeError:
                return False

        return predicate

    def function(self, name: str) -> Predicate:
        self.take("(")
        lowered = name.lower()
        if lowered in _STRING_FUNCTIONS:
            key, kind = self.resolve(self.take()[1])
            self.take(",")
            literal_kind, text = self.take()
            self.take(")")
            if literal_kind not in ("string", "dstring") or kind not in ("string", "any"):
                raise bad_request(f"The function '{name}' needs a text column and a string literal.")
            needle = str(literal_value(literal_kind, text)).casefold()
            check = _STRING_FUNCTIONS[lowered]
            return lambda row: isinstance(row.get(key), str) and bool(check(row[key].casefold(), needle))
        if lowered in ("microsoft.dynamics.crm.in", "microsoft.dynamics.crm.notin"):
            return self.in_function(lowered.endswith(".in"))
        raise bad_request(f"The function '{name}' is not supported by the emulator.")

    def in_function(self, positive: bool) -> Predicate:
        arguments: dict[str, Any] = {}
        while self.peek() != ("punct", ")"):
            parameter = self.take()[1]
            self.take("=")
            if self.peek() == ("punct", "["):
                self.take()
                values = []
                while self.peek() != ("punct", "]"):
                    kind, text = self.take()
                    if kind != "punct":
                        values.append(literal_value(kind, text))
                self.take("]")
                arguments[parameter] = values
            else:
                arguments[parameter] = literal_value(*self.take())
            if self.peek() == ("punct", ","):
                self.take()
        self.take(")")
        key, kind = self.resolve(str(arguments.get("PropertyName", "")))
        wanted = {row_value(kind, value) for value in arguments.get("PropertyValues", [])}

        def predicate(row: Row) -> bool:
            actual = row_value(kind, row.get(key))
            return actual is not None and (actual in wanted) == positive

        return predicate


def kind_of(attribute_type: str, date_only: bool = False) -> str:
    if attribute_type in ("String", "Memo"):
        return "string"
    if attribute_type in ("Uniqueidentifier", "Lookup", "Customer", "Owner"):
        return "guid"
    if attribute_type == "DateTime":
        return "date" if date_only else "datetime"
    if attribute_type == "Boolean":
        return "bool"
    return "number"
