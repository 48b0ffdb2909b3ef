from django.core.management.base import BaseCommand, CommandError

from coupons.errors import CouponNotFound
from coupons.gate import GateUnavailable
from coupons.selectors import coupon_ids_all
from coupons.services.rebuild import coupon_gate_rebuild


class Command(BaseCommand):
    help = "Rebuilds the Redis coupon gate (remaining count and issued set) from the database."

    def add_arguments(self, parser):
        parser.add_argument("--coupon", type=int, help="only this drop id (default: every drop)")

    def handle(self, *args, coupon=None, **options):
        ids = [coupon] if coupon is not None else coupon_ids_all()
        for coupon_id in ids:
            try:
                state = coupon_gate_rebuild(coupon_id=coupon_id)
            except CouponNotFound:
                raise CommandError(f"coupon drop {coupon_id} does not exist")
            except GateUnavailable as exc:
                raise CommandError(f"Redis did not answer: {exc}")
            self.stdout.write(f"coupon {coupon_id}: remaining {state.remaining}, issued {state.issued}")
