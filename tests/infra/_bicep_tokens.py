"""Tokenizer for the Bicep subset our templates use (the Bicep CLI cannot run here).

Comments are dropped; newlines are tokens because Bicep separates object properties and statements
with them. A string token keeps its literal pieces and, for each ``${...}`` interpolation, the tokens
of the expression inside, so the linter can check identifiers there too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

IDENT, NUMBER, STRING, PUNCT, NEWLINE, EOF = "ident", "number", "string", "punct", "newline", "eof"

_PUNCTUATION = ("=>", "==", "!=", "<=", ">=", "&&", "||", "??", "::", ".?", *"{}[]():,.?=!<>+-*/%@|&")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[0-9]+")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "'": "'", "$": "$"}


class BicepSyntaxError(ValueError):
    """The text is not the Bicep this parser understands; the message names file and line."""


@dataclass(frozen=True)
class Interpolation:
    """``${expression}`` inside a string: its source text and tokens."""

    text: str
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    line: int
    start: int
    end: int
    parts: tuple[str | Interpolation, ...] = field(default=())

    @property
    def literal(self) -> str | None:
        """The string's value when it has no interpolation, else None."""
        if self.kind != STRING or any(isinstance(part, Interpolation) for part in self.parts):
            return None
        return "".join(part for part in self.parts if isinstance(part, str))

    @property
    def interpolations(self) -> tuple[Interpolation, ...]:
        return tuple(part for part in self.parts if isinstance(part, Interpolation))


def tokenize(source: str, *, origin: str = "<bicep>", line: int = 1, offset: int = 0) -> list[Token]:
    """Split ``source`` into tokens, ending with one EOF token."""
    return _Scanner(source, origin, line, offset).run()


class _Scanner:
    def __init__(self, source: str, origin: str, line: int, offset: int) -> None:
        self.source = source
        self.origin = origin
        self.line = line
        self.offset = offset
        self.pos = 0
        self.tokens: list[Token] = []

    def error(self, message: str) -> BicepSyntaxError:
        return BicepSyntaxError(f"{self.origin}:{self.line}: {message}")

    def emit(self, kind: str, start: int, parts: tuple[str | Interpolation, ...] = ()) -> None:
        text = self.source[start : self.pos]
        self.tokens.append(Token(kind, text, self.line, start + self.offset, self.pos + self.offset, parts))

    def run(self) -> list[Token]:
        src = self.source
        while self.pos < len(src):
            char = src[self.pos]
            start = self.pos
            if char == "\n":
                self.pos += 1
                self.emit(NEWLINE, start)
                self.line += 1
            elif char in " \t\r":
                self.pos += 1
            elif src.startswith("//", self.pos):
                end = src.find("\n", self.pos)
                self.pos = len(src) if end < 0 else end
            elif src.startswith("/*", self.pos):
                end = src.find("*/", self.pos + 2)
                if end < 0:
                    raise self.error("unterminated block comment")
                self.line += src.count("\n", self.pos, end)
                self.pos = end + 2
            elif src.startswith("'''", self.pos):
                end = src.find("'''", self.pos + 3)
                if end < 0:
                    raise self.error("unterminated multi-line string")
                text = src[self.pos + 3 : end]
                self.pos = end + 3
                self.emit(STRING, start, (text,))
                self.line += text.count("\n")
            elif char == "'":
                self.emit(STRING, start, self.string())
            elif match := _IDENTIFIER.match(src, self.pos):
                self.pos = match.end()
                self.emit(IDENT, start)
            elif match := _NUMBER.match(src, self.pos):
                self.pos = match.end()
                self.emit(NUMBER, start)
            else:
                for punct in _PUNCTUATION:
                    if src.startswith(punct, self.pos):
                        self.pos += len(punct)
                        self.emit(PUNCT, start)
                        break
                else:
                    raise self.error(f"unexpected character {char!r}")
        self.tokens.append(Token(EOF, "", self.line, len(src) + self.offset, len(src) + self.offset))
        return self.tokens

    def string(self) -> tuple[str | Interpolation, ...]:
        """Scan a single-quoted string starting at ``self.pos``; returns its parts."""
        src = self.source
        self.pos += 1
        parts: list[str | Interpolation] = []
        chunk: list[str] = []
        while True:
            if self.pos >= len(src) or src[self.pos] == "\n":
                raise self.error("unterminated string")
            char = src[self.pos]
            if char == "'":
                self.pos += 1
                break
            if char == "\\":
                escaped = src[self.pos + 1 : self.pos + 2]
                if escaped not in _ESCAPES:
                    raise self.error(f"unknown escape \\{escaped}")
                chunk.append(_ESCAPES[escaped])
                self.pos += 2
            elif src.startswith("${", self.pos):
                if chunk:
                    parts.append("".join(chunk))
                    chunk = []
                parts.append(self.interpolation())
            else:
                chunk.append(char)
                self.pos += 1
        if chunk or not parts:
            parts.append("".join(chunk))
        return tuple(parts)

    def interpolation(self) -> Interpolation:
        """Scan ``${ ... }`` (braces and strings inside may nest); returns its tokens."""
        src = self.source
        begin = self.pos + 2
        depth, pos = 1, begin
        while depth:
            if pos >= len(src) or src[pos] == "\n":
                raise self.error("unterminated interpolation")
            char = src[pos]
            if char == "'":
                pos = _skip_nested_string(src, pos)
                continue
            depth += {"{": 1, "}": -1}.get(char, 0)
            pos += 1
        text = src[begin : pos - 1]
        inner = tokenize(text, origin=self.origin, line=self.line, offset=begin + self.offset)
        self.pos = pos
        return Interpolation(text, tuple(inner))


def _skip_nested_string(src: str, pos: int) -> int:
    """Position after the string that starts at ``pos`` (inside an interpolation)."""
    pos += 1
    while pos < len(src) and src[pos] != "'":
        pos += 2 if src[pos] == "\\" else 1
    if pos >= len(src):
        raise BicepSyntaxError("unterminated string inside an interpolation")
    return pos + 1
