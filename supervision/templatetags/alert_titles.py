"""`{{ alert.kind|rule_title }}`: an alert's rule named in words, never its code (an alert of a
rule no longer configured keeps its code, the only name left)."""

from django import template

from supervision.rules.registry import rule_by_code

register = template.Library()


@register.filter
def rule_title(kind: str) -> str:
    rule = rule_by_code(kind)
    return str(rule.title) if rule is not None else kind
