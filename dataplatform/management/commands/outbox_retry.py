from django.core.management.base import BaseCommand

from dataplatform.services.recovering import outbox_make_due


class Command(BaseCommand):
    help = (
        "Makes every PENDING data-platform event due now (skipping its backoff) and kicks delivery; "
        "with --failed, FAILED events too get one more attempt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--failed", action="store_true", help="also FAILED events (their retry budget is spent)")

    def handle(self, *args, failed=False, **options):
        count = outbox_make_due(include_failed=failed)
        which = "PENDING and FAILED" if failed else "PENDING"
        self.stdout.write(f"{count} {which} event(s) made due now; delivery kicked")
