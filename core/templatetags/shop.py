from django import template

register = template.Library()


@register.filter
def won(value) -> str:
    """12000 -> '12,000원'. Money is always whole won."""
    if value is None or value == "":
        return ""
    return f"{int(value):,}원"
