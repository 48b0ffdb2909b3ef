"""Demo data for a local run. Idempotent: running it twice adds nothing the second time."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from balances.demo import load_demo_balances
from coupons.demo import load_demo_coupons
from products.demo import load_demo_products
from products.demo_drops import load_demo_drops

DEMO_SHOPPER = ("shopper", "shopper1234!")
DEMO_STAFF = ("staff", "staff1234!")


def ensure_user(username: str, password: str, *, staff: bool):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"is_staff": staff, "is_superuser": staff})
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user, created


class Command(BaseCommand):
    help = "Loads demo users, products and coupon drops (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            shopper, shopper_created = ensure_user(*DEMO_SHOPPER, staff=False)
            _, staff_created = ensure_user(*DEMO_STAFF, staff=True)
        self.stdout.write(f"demo users: {'created' if shopper_created or staff_created else 'already there'}")
        charged = load_demo_balances(user_ids=[shopper.pk])
        self.stdout.write(f"demo balances: {charged} charged")
        self.stdout.write(f"demo products: {load_demo_products()} added")
        self.stdout.write(f"demo timed drops: {load_demo_drops()} added")
        self.stdout.write(f"demo coupon drops: {load_demo_coupons()} created")
