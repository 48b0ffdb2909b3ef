from django import template

register = template.Library()


@register.filter
def won(value) -> str:
    """12000 -> '12,000원'. Money is always whole won."""
    if value is None or value == "":
        return ""
    return f"{int(value):,}원"


@register.filter
def age(delta) -> str:
    """A timedelta as 3분 12초 / 2시간 5분 / 3일 4시간 (the admin's outbox age); "-" for None."""
    if delta is None:
        return "-"
    seconds = max(int(delta.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}일 {hours}시간"
    if hours:
        return f"{hours}시간 {minutes}분"
    return f"{minutes}분 {seconds}초"
