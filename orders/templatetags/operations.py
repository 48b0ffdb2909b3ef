"""`{% load operations %}{% operations_view %}`: the admin index's operations panel
(orders.dashboard), shown to staff who may see orders."""

from django import template

from orders import dashboard

register = template.Library()


@register.inclusion_tag("admin/operations.html", takes_context=True)
def operations_view(context):
    request = context.get("request")
    if request is None or not request.user.has_perm("orders.view_order"):
        return {"visible": False}
    return {"visible": True, **dashboard.operations_view()}
