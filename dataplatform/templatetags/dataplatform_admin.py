from django import template
from django.utils import timezone

from dataplatform import selectors

register = template.Library()


@register.inclusion_tag("admin/dataplatform/outbox_summary.html", takes_context=True)
def outbox_summary(context):
    """The admin index's data-platform delivery: how many events wait (and for how long the oldest
    has), how many failed, and where to retry them."""
    request = context.get("request")
    visible = request is not None and request.user.has_perm("dataplatform.view_outboxevent")
    if not visible:
        return {"visible": False}
    health = selectors.outbox_health()
    oldest = health["oldest_pending_at"]
    return {"visible": True, **health, "oldest_age": timezone.now() - oldest if oldest else None}
