from django.conf import settings
from django.db import models

from products.models import Product


class QueueTicketUse(models.Model):
    """A waiting-room ticket spent on an order, written in the order's transaction: the unique
    ticket is what lets a ticket buy one order only, even when two requests race with it."""

    ticket = models.CharField(max_length=64, unique=True)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="ticket_uses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "사용된 대기표"
        verbose_name_plural = "사용된 대기표"

    def __str__(self) -> str:
        return f"{self.ticket} ({self.product_id}, {self.user_id})"


class WaitingRoomDrop(Product):
    """The admin's live view of the drops with a waiting room (a proxy: no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = "대기열"
        verbose_name_plural = "대기열"
