"""A staff edit of a drop's issue window applies to the very next issue, in the process that saved
it and in a worker process that had read the drop before the edit. Real PostgreSQL and Redis; the
other worker is a real process."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.support.api import assert_problem
from tests.support.builders import make_drop

pytestmark = pytest.mark.django_db(transaction=True)  # the other process sees only committed rows
ROOT = Path(__file__).resolve().parents[2]

# A worker that issues the drop `argv[1]` to each user id read from stdin and answers, one line per
# request, ISSUED or the error code. It keeps running between requests, as a web worker does.
WORKER = """
import sys

import django

django.setup()
from coupons.services.issue import coupon_issue

for line in sys.stdin:
    try:
        coupon_issue(user_id=int(line), coupon_id=int(sys.argv[1]))
        print("ISSUED", flush=True)
    except Exception as exc:
        print(getattr(exc, "code", type(exc).__name__), flush=True)
"""


@pytest.fixture
def admin(staff):
    staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    return client


def _edit_window(admin, drop, *, starts_at) -> None:
    """Saves the drop through its admin change form with a new issue start (the rest unchanged)."""
    starts_at = timezone.localtime(starts_at)
    response = admin.post(
        f"/admin/coupons/coupondrop/{drop.pk}/change/",
        {
            "name": drop.name,
            "discount_type": drop.discount_type,
            "discount_value": str(drop.discount_value),
            "max_discount_amount": "",
            "min_order_amount": "",
            "total_quantity": str(drop.total_quantity),
            "issue_starts_at_0": starts_at.strftime("%Y-%m-%d"),
            "issue_starts_at_1": starts_at.strftime("%H:%M:%S"),
            "issue_ends_at_0": "",
            "issue_ends_at_1": "",
            "valid_days": str(drop.valid_days),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def _issue(client_for, user, drop):
    return client_for(user).post("/api/coupon/issue", {"userId": user.pk, "couponId": drop.pk}, format="json")


def test_an_admin_edit_of_the_window_applies_to_the_next_issue(admin, client_for, user, other_user):
    drop = make_drop(total_quantity=10)
    assert _issue(client_for, user, drop).status_code == 201  # this process has read the open drop

    _edit_window(admin, drop, starts_at=timezone.now() + timedelta(hours=1))
    assert_problem(_issue(client_for, other_user, drop), 409, "COUPON_NOT_ISSUABLE")

    _edit_window(admin, drop, starts_at=timezone.now() - timedelta(minutes=1))
    assert _issue(client_for, other_user, drop).status_code == 201


@pytest.fixture
def worker():
    """Starts the WORKER process for a drop; yields a function sending it one user id."""
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    )
    started = []

    def start(drop):
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(drop.pk)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(proc)

        def issue(user) -> str:
            proc.stdin.write(f"{user.pk}\n")
            proc.stdin.flush()
            return proc.stdout.readline().strip()

        return issue

    yield start
    for proc in started:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_a_worker_that_read_the_drop_applies_an_edit_saved_elsewhere_at_once(admin, worker, user, other_user):
    drop = make_drop(total_quantity=10)
    issue_in_worker = worker(drop)
    assert issue_in_worker(user) == "ISSUED"  # the worker has read the open drop

    _edit_window(admin, drop, starts_at=timezone.now() + timedelta(hours=1))  # saved in this process
    assert issue_in_worker(other_user) == "COUPON_NOT_ISSUABLE"

    _edit_window(admin, drop, starts_at=timezone.now() - timedelta(minutes=1))
    assert issue_in_worker(other_user) == "ISSUED"
