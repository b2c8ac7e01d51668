"""Parser for the Bicep subset our templates use: declarations with structured values.

Object and array literals, loops (``[for x in xs: {...}]``) and conditions (``if (c) {...}``) become
nodes; any other expression is kept as its tokens and source text (``Expr``), except the simple shapes
the checks evaluate: string/number/bool/null literals and dotted references (``Ref``).
"""

from __future__ import annotations

from pathlib import Path

from tests.infra._bicep_nodes import (
    Arr,
    BicepFile,
    Cond,
    Declaration,
    Decorator,
    Expr,
    Literal,
    Loop,
    Node,
    Obj,
    Ref,
    Str,
)
from tests.infra._bicep_tokens import EOF, IDENT, NEWLINE, NUMBER, STRING, BicepSyntaxError, Token, tokenize

_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")", "]", "}"}
# A newline after one of these, or before one of the second set, continues the expression.
_TRAILING_OPERATORS = {"?", ":", "&&", "||", "??", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "=>"}
_LEADING_OPERATORS = {"?", ":", "&&", "||", "??", "."}


def parse(source: str, path: Path) -> BicepFile:
    tokens = tokenize(source, origin=str(path))
    file = BicepFile(path, source, tokens)
    file.declarations = _Parser(file).declarations()
    return file


class _Parser:
    def __init__(self, file: BicepFile) -> None:
        self.file = file
        self.tokens = file.tokens
        self.pos = 0

    # -- token helpers -------------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def next(self) -> Token:
        token = self.peek()
        self.pos += 1
        return token

    def error(self, message: str, token: Token | None = None) -> BicepSyntaxError:
        line = (token or self.peek()).line
        return BicepSyntaxError(f"{self.file.path}:{line}: {message}")

    def expect(self, text: str | None = None, kind: str | None = None) -> Token:
        token = self.next()
        if (text is not None and token.text != text) or (kind is not None and token.kind != kind):
            raise self.error(f"expected {text or kind}, found {token.text!r}", token)
        return token

    def skip_newlines(self) -> None:
        while self.peek().kind == NEWLINE:
            self.pos += 1

    def next_significant(self) -> Token:
        ahead = 0
        while self.peek(ahead).kind == NEWLINE:
            ahead += 1
        return self.peek(ahead)

    # -- declarations --------------------------------------------------------------------------
    def declarations(self) -> list[Declaration]:
        found: list[Declaration] = []
        decorators: list[Decorator] = []
        while True:
            self.skip_newlines()
            token = self.peek()
            if token.kind == EOF:
                if decorators:
                    raise self.error("decorator without a declaration")
                return found
            if token.text == "@":
                decorators.append(self.decorator())
                continue
            found.append(self.declaration(tuple(decorators)))
            decorators = []
            if self.peek().kind not in (NEWLINE, EOF):
                raise self.error(f"unexpected {self.peek().text!r} after a declaration")

    def decorator(self) -> Decorator:
        self.expect("@")
        name = self.expect(kind=IDENT).text
        if self.peek().text == ".":  # sys.description(...)
            self.next()
            name = self.expect(kind=IDENT).text
        self.expect("(")
        args: list[Node] = []
        while True:
            self.skip_newlines()
            if self.peek().text == ")":
                self.next()
                return Decorator(name, tuple(args))
            args.append(self.value())
            self.skip_newlines()
            if self.peek().text == ",":
                self.next()

    def declaration(self, decorators: tuple[Decorator, ...]) -> Declaration:
        keyword = self.expect(kind=IDENT)
        kind, line = keyword.text, keyword.line
        if kind == "using":
            return Declaration(kind, "", line, type=self.string_literal())
        if kind == "targetScope":
            self.expect("=")
            return Declaration(kind, "", line, value=self.value())
        if kind in ("import", "type", "func"):
            return Declaration(kind, "", line, value=self.expression())
        name = self.expect(kind=IDENT).text
        if kind in ("var", "metadata"):
            self.expect("=")
            return Declaration(kind, name, line, value=self.value(), decorators=decorators)
        if kind in ("param", "output"):
            type_text = self.type_text()
            value = None
            if self.peek().text == "=":
                self.next()
                value = self.value()
            return Declaration(kind, name, line, value=value, type=type_text, decorators=decorators)
        if kind in ("resource", "module"):
            target = self.string_literal()
            existing = self.peek().text == "existing"
            if existing:
                self.next()
            self.expect("=")
            return Declaration(kind, name, line, self.value(), target, existing, decorators)
        raise self.error(f"unknown declaration {kind!r}", keyword)

    def type_text(self) -> str:
        parts: list[str] = []
        while self.peek().text != "=" and self.peek().kind not in (NEWLINE, EOF):
            parts.append(self.next().text)
        return "".join(parts)

    def string_literal(self) -> str:
        token = self.expect(kind=STRING)
        if token.literal is None:
            raise self.error("expected a string without interpolation", token)
        return token.literal

    # -- values --------------------------------------------------------------------------------
    def value(self, stop: frozenset[str] = frozenset()) -> Node:
        token = self.peek()
        if token.text == "{":
            return self.object()
        if token.text == "[":
            return self.loop() if self.peek(1).text == "for" or self._for_after_newlines() else self.array()
        if token.text == "if" and self.peek(1).text == "(":
            self.next()
            self.expect("(")
            condition = self.value(frozenset({")"}))
            self.skip_newlines()
            self.expect(")")
            return Cond(condition, self.value())
        return self.expression(stop)

    def _for_after_newlines(self) -> bool:
        ahead = 1
        while self.peek(ahead).kind == NEWLINE:
            ahead += 1
        return self.peek(ahead).text == "for"

    def object(self) -> Obj:
        line = self.expect("{").line
        entries: dict[str, Node] = {}
        while True:
            self.skip_newlines()
            if self.peek().text == ",":
                self.next()
                continue
            if self.peek().text == "}":
                self.next()
                return Obj(entries, line)
            key_token = self.next()
            if key_token.kind == IDENT:
                key = key_token.text
            elif key_token.kind == STRING and key_token.literal is not None:
                key = key_token.literal
            else:
                raise self.error(f"expected a property name, found {key_token.text!r}", key_token)
            if key in entries:
                raise self.error(f"duplicate property {key!r}", key_token)
            self.expect(":")
            entries[key] = self.value()
            if self.peek().kind not in (NEWLINE,) and self.peek().text not in (",", "}"):
                raise self.error(f"unexpected {self.peek().text!r} after property {key!r}")

    def array(self) -> Arr:
        self.expect("[")
        items: list[Node] = []
        while True:
            self.skip_newlines()
            if self.peek().text == ",":
                self.next()
                continue
            if self.peek().text == "]":
                self.next()
                return Arr(tuple(items))
            items.append(self.value())

    def loop(self) -> Loop:
        self.expect("[")
        self.skip_newlines()
        self.expect("for")
        variables: list[str] = []
        if self.peek().text == "(":
            self.next()
            variables.append(self.expect(kind=IDENT).text)
            self.expect(",")
            variables.append(self.expect(kind=IDENT).text)
            self.expect(")")
        else:
            variables.append(self.expect(kind=IDENT).text)
        self.expect("in")
        source = self.value(frozenset({":"}))
        self.expect(":")
        self.skip_newlines()
        body = self.value()
        self.skip_newlines()
        self.expect("]")
        return Loop(tuple(variables), source, body)

    def expression(self, stop: frozenset[str] = frozenset()) -> Node:
        """Tokens up to the end of the expression (newline, comma or closing bracket at depth 0)."""
        start = self.pos
        depth: list[str] = []
        while True:
            token = self.peek()
            if token.kind == EOF:
                break
            if not depth:
                if token.text in _CLOSE or token.text == "," or token.text in stop:
                    break
                if token.kind == NEWLINE:
                    previous = self.tokens[self.pos - 1] if self.pos > start else None
                    following = self.next_significant()
                    if not (
                        (previous is not None and previous.text in _TRAILING_OPERATORS)
                        or (following.text in _LEADING_OPERATORS and following.text not in stop)
                    ):
                        break
            if token.text in _OPEN:
                depth.append(_OPEN[token.text])
            elif token.text in _CLOSE and token.text != depth.pop():
                raise self.error(f"mismatched {token.text!r}", token)
            self.pos += 1
        tokens = tuple(t for t in self.tokens[start : self.pos] if t.kind != NEWLINE)
        if depth:
            raise self.error(f"unclosed {depth[-1]!r}")
        if not tokens:
            raise self.error(f"expected a value, found {self.peek().text!r}")
        return _classify(tokens, self.file.source)


def _classify(tokens: tuple[Token, ...], source: str) -> Node:
    first = tokens[0]
    if len(tokens) == 1:
        if first.kind == STRING:
            literal = first.literal
            return Str(first) if literal is None else Literal(literal, first)
        if first.kind == NUMBER:
            return Literal(int(first.text), first)
        if first.text in ("true", "false"):
            return Literal(first.text == "true", first)
        if first.text == "null":
            return Literal(None, first)
    dotted = all((t.kind == IDENT) if i % 2 == 0 else (t.text == ".") for i, t in enumerate(tokens))
    if dotted and len(tokens) % 2 == 1:
        return Ref(tuple(t.text for t in tokens[::2]), tokens)
    if first.text == "-" and len(tokens) == 2 and tokens[1].kind == NUMBER:
        return Literal(-int(tokens[1].text), first)
    return Expr(source[first.start : tokens[-1].end], tokens)


def parse_file(path: Path, text: str | None = None) -> BicepFile:
    return parse(path.read_text(encoding="utf-8") if text is None else text, path)
