"""Sandboxed Jinja2 rendering of node parameters against plain JSON run data.

A string that is exactly one ``{{ expression }}`` renders to the expression's native value (a
dict stays a dict); any other template renders to text. Templates see only the data they are
given: ``trigger``, ``nodes.<id>.output`` and ``run`` (plus ``item``/``index`` inside loops).
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Mapping
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined
from jinja2 import TemplateError as JinjaTemplateError
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from kyra.errors import TemplateError
from kyra.graph.document import contains_template, is_template

__all__ = ["contains_template", "is_template", "render"]

#: Longest template source accepted, in characters.
MAX_TEMPLATE_CHARS = 20_000
#: Longest text a template may render to.
MAX_OUTPUT_CHARS = 1_000_000
#: Largest exponent of ``**`` (stops ``2 ** 10**9``).
MAX_EXPONENT = 1_000

#: Total ``range()`` items one render may create (nested loops multiply quickly).
MAX_RANGE_ITEMS = 200_000

_range_budget: ContextVar[int] = ContextVar("range_budget", default=MAX_RANGE_ITEMS)


def _bounded_range(*args: int) -> range:
    values = range(*args)
    left = _range_budget.get() - len(values)
    if left < 0:
        raise SecurityError("template loops too much (range budget exhausted)")
    _range_budget.set(left)
    return values


#: File name Jinja gives frames of templates compiled from strings.
_SOURCE = "<template>"
_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>.*?)\}\}\s*$", re.DOTALL)
#: ``{{ a.b.c }}``: a name and attribute lookups only, the templates most parameters hold.
_PATH = re.compile(r"\{\{\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\}\}")
#: Jinja syntax that a text of paths must not hold (blocks, comments, whitespace control, or
#: newlines that Jinja would normalise or strip).
_NOT_PLAIN = ("{%", "{#", "{{", "}}", "\r")


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def getitem(self, obj: Any, argument: Any) -> Any:
        # Data first: `trigger['items']` is the key, never the dict method of that name.
        if isinstance(obj, dict):
            return obj[argument] if argument in obj else self.undefined(obj=obj, name=argument)
        return super().getitem(obj, argument)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise SecurityError("exponent is too large")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(count, int)
                if sized and len(seq) * count > MAX_OUTPUT_CHARS:
                    raise SecurityError("repetition result is too large")
        return super().call_binop(context, operator, left, right)


def _build_environment() -> _Environment:
    env = _Environment(undefined=StrictUndefined, autoescape=False, loader=None)
    # `attr` bypassed the sandbox before (CVE-2025-27516); nothing needs it.
    env.filters.pop("attr", None)
    env.globals["range"] = _bounded_range
    return env


_ENV = _build_environment()


@lru_cache(maxsize=4096)
def _compile(source: str) -> Any:
    if len(source) > MAX_TEMPLATE_CHARS:
        raise TemplateError(f"template is longer than {MAX_TEMPLATE_CHARS} characters")
    return _plain_paths(source) or ("jinja", None)


def _plain_paths(source: str) -> tuple[str, Any] | None:
    """``source`` as lookups Python can do without Jinja, or None when it needs Jinja.

    ``("path", names)`` for a string that is one ``{{ a.b }}``; ``("paths", parts)`` for text
    with such lookups in it, ``parts`` alternating text and names (starting with text). Either
    is evaluated by :func:`_look_up`, which hands anything it cannot resolve to Jinja, so the
    result and the errors are Jinja's own.
    """
    pieces = _PATH.split(source)
    texts, names = pieces[0::2], pieces[1::2]
    if any(marker in text for text in texts for marker in _NOT_PLAIN) or source.endswith("\n"):
        return None
    if len(names) == 1 and not texts[0].strip() and not texts[1].strip():
        return ("path", tuple(names[0].split(".")))
    return ("paths", tuple(p if i % 2 == 0 else tuple(p.split(".")) for i, p in enumerate(pieces)))


@lru_cache(maxsize=4096)
def _compile_jinja(source: str) -> Any:
    match = _SINGLE_EXPRESSION.match(source)
    if match and "{{" not in match["expr"] and "}}" not in match["expr"]:
        return ("expression", _ENV.compile_expression(match["expr"], undefined_to_none=False))
    return ("template", _ENV.from_string(source))


def _plain(value: Any) -> Any:
    """JSON data only: an expression that yields a function or object is an error, not a value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, range):
        return list(value)
    raise TemplateError(f"expression gave a {type(value).__name__}, not JSON data")


class _NeedsJinja(Exception):
    """A lookup Python cannot resolve as Jinja would (a missing name or key, an object)."""


def _look_up(names: tuple[str, ...], context: Mapping[str, Any]) -> Any:
    """``a.b.c`` through dicts, as the sandbox resolves it for dicts holding each key."""
    first = names[0]
    if first not in context:
        raise _NeedsJinja
    value = context[first]
    for name in names[1:]:
        if type(value) is not dict or name not in value:
            raise _NeedsJinja
        value = value[name]
    return value


def _render_string(source: str, context: Mapping[str, Any]) -> Any:
    kind, compiled = _compile(source)
    try:
        if kind == "path":
            return _plain(_look_up(compiled, context))
        if kind == "paths":
            text = "".join(
                part if index % 2 == 0 else _text_of(_look_up(part, context))
                for index, part in enumerate(compiled)
            )
            if len(text) > MAX_OUTPUT_CHARS:
                raise TemplateError(f"template output exceeds {MAX_OUTPUT_CHARS} characters")
            return text
    except _NeedsJinja:
        pass
    return _render_jinja(source, context)


def _text_of(value: Any) -> str:
    """A value as Jinja prints it (its ``str``), for plain JSON values; others go to Jinja."""
    if value is None or isinstance(value, bool | int | float | str):
        return str(value)
    raise _NeedsJinja


def _render_jinja(source: str, context: Mapping[str, Any]) -> Any:
    _range_budget.set(MAX_RANGE_ITEMS)
    try:
        kind, compiled = _compile_jinja(source)
        if kind == "expression":
            value = compiled(**context)
            if isinstance(value, StrictUndefined):
                str(value)  # raises UndefinedError naming the missing name
            return _plain(value)
        chunks: list[str] = []
        size = 0
        for chunk in compiled.generate(**context):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise TemplateError(f"template output exceeds {MAX_OUTPUT_CHARS} characters")
            chunks.append(chunk)
        return "".join(chunks)
    except TemplateError:
        raise
    except SecurityError as exc:
        raise TemplateError(f"template refused by the sandbox: {exc}") from None
    except (JinjaTemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        details = {"template": source[:200], "line": _template_line(exc, source)}
        raise TemplateError(f"{type(exc).__name__}: {exc}", details=details) from None


def _template_line(exc: BaseException, source: str) -> int | None:
    """The line of the user's template where ``exc`` happened (its only frames users see);
    None where Jinja's numbering is not the source's (single expressions are wrapped)."""
    if isinstance(exc, TemplateSyntaxError):
        line: int | None = exc.lineno
    else:
        frames = traceback.extract_tb(exc.__traceback__)
        line = next((f.lineno for f in reversed(frames) if f.filename == _SOURCE), None)
    return line if line is not None and line <= source.count("\n") + 1 else None


def render(value: Any, context: Mapping[str, Any]) -> Any:
    """Render every template string inside ``value`` (dicts and lists are walked)."""
    if isinstance(value, str):
        return _render_string(value, context) if is_template(value) else value
    if isinstance(value, dict):
        return {key: render(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, context) for item in value]
    return value
