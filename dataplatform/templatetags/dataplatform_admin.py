from django import template

from dataplatform import selectors

register = template.Library()


@register.inclusion_tag("admin/dataplatform/outbox_summary.html", takes_context=True)
def outbox_summary(context):
    """The admin index's line on data-platform delivery: how many events wait and how many failed."""
    request = context.get("request")
    visible = request is not None and request.user.has_perm("dataplatform.view_outboxevent")
    if not visible:
        return {"visible": False}
    return {
        "visible": True,
        "pending": selectors.outbox_pending_count(),
        "failed": selectors.outbox_failed_count(),
    }
