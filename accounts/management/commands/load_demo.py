"""Demo data for a local run. Idempotent: running it twice adds nothing the second time.

The demo logins have published passwords (`staff` / `staff1234!` is a superuser), so they are
created only in the embedded database `dev.py` started itself (it names it in
SHOP_EMBEDDED_DATABASE_URL for its children), or when asked for in so many words
(`--any-database`, which `dev.py run --demo` passes): never silently in a database named by
DATABASE_URL, which may be a shared or a production one."""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from balances.demo import load_demo_balances
from coupons.demo import load_demo_coupons
from products.demo import load_demo_catalog
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
    help = "Loads demo users, products and coupon drops (idempotent); the embedded database only, unless told."

    def add_arguments(self, parser):
        parser.add_argument(
            "--any-database",
            action="store_true",
            help="load into the configured database even if it is not the embedded one (dev.py run --demo)",
        )

    def handle(self, *args, **options):
        embedded = os.environ.get("SHOP_EMBEDDED_DATABASE_URL")
        if not options["any_database"] and (not embedded or embedded != settings.DATABASE_URL):
            raise CommandError(
                "Not loading the demo data (users with published passwords) into a database set by "
                "DATABASE_URL. Ask for it explicitly: `python3 dev.py run --demo` or "
                "`manage.py load_demo --any-database`."
            )
        with transaction.atomic():
            shopper, shopper_created = ensure_user(*DEMO_SHOPPER, staff=False)
            _, staff_created = ensure_user(*DEMO_STAFF, staff=True)
        self.stdout.write(f"demo users: {'created' if shopper_created or staff_created else 'already there'}")
        charged = load_demo_balances(user_ids=[shopper.pk])
        self.stdout.write(f"demo balances: {charged} charged")
        added, pictured = load_demo_catalog()
        self.stdout.write(f"demo products: {added} added, {pictured} given a picture")
        self.stdout.write(f"demo timed drops: {load_demo_drops()} added")
        self.stdout.write(f"demo coupon drops: {load_demo_coupons()} created")
