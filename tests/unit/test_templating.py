"""Sandboxed templates: native values, plain-data results, and refused escapes and bombs."""

from __future__ import annotations

import pytest

from kyra.engine.templating import render
from kyra.errors import TemplateError

CONTEXT = {
    "trigger": {"body": {"name": "Ada", "items": [1, 2]}},
    "nodes": {"greet": {"output": {"text": "hi"}}},
}


def test_single_expression_keeps_its_native_type() -> None:
    assert render("{{ nodes.greet.output }}", CONTEXT) == {"text": "hi"}
    assert render("{{ trigger.body['items'] | length }}", CONTEXT) == 2


def test_mixed_text_renders_to_a_string_and_structures_are_walked() -> None:
    assert render({"a": ["Hi {{ trigger.body.name }}!"]}, CONTEXT) == {"a": ["Hi Ada!"]}


def test_keys_win_over_dict_methods() -> None:
    assert render("{{ trigger.body['items'] }}", CONTEXT) == [1, 2]
    assert render("{{ trigger.body.items }}", CONTEXT) == [1, 2]


def test_missing_names_fail_clearly() -> None:
    with pytest.raises(TemplateError, match="undefined"):
        render("{{ nope.x }}", CONTEXT)


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ lipsum.__globals__['os'] }}",
        "{{ self.__init__ }}",
        "{{ '{0.__class__}'.format(1) }}",
        "{{ [1]|attr('append') }}",
        "{{ trigger.body.update({'x': 1}) }}",
        "{% include '/etc/passwd' %}",
        "{{ 'a' * 10**9 }}",
        "{{ 2 ** 10000000 }}",
        "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
        "{{ trigger.body.keys }}",
    ],
)
def test_escapes_and_resource_bombs_are_refused(template: str) -> None:
    with pytest.raises(TemplateError):
        render(template, CONTEXT)


def test_templates_cannot_read_the_process_environment() -> None:
    with pytest.raises(TemplateError):
        render("{{ environ }}", CONTEXT)


@pytest.mark.parametrize(
    "template",
    [
        "{{ trigger.body.name }}",
        "  {{trigger.body}}  ",
        "Hi {{ trigger.body.name }}, {{ nodes.greet.output.text }}!",
        "{{ trigger.body.items }} and {{ trigger.body.name }}",
        "{{ trigger.body.flag }} {{ trigger.body.none }} {{ trigger.body.ratio }}",
        "{{ true }}",
        "{{ trigger.body.keys }}",
        "{{ trigger.body.missing }}",
        "{{ missing.name }}",
        "line {{ trigger.body.name }}\n",
        "{{ range }}",
    ],
)
def test_plain_lookups_render_exactly_as_jinja_does(template: str) -> None:
    # Lookups through dicts are resolved without Jinja (the hot path); anything else is Jinja's.
    from kyra.engine.templating import _render_jinja

    context = {**CONTEXT, "trigger": {"body": {**CONTEXT["trigger"]["body"], "flag": True,
                                               "none": None, "ratio": 0.5}}}  # fmt: skip

    def outcome(render_with: object) -> object:
        try:
            return render_with(template, context)  # type: ignore[operator]
        except TemplateError as exc:
            return ("error", str(exc))

    assert outcome(render) == outcome(_render_jinja)
