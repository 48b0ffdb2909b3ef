"""The address book's invariants under concurrency, on the real database."""

import pytest
from django.db import IntegrityError, transaction

from addresses.models import Address
from addresses.services import address_update
from tests.support.builders import make_address
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_database_refuses_a_second_default(user):
    make_address(user)
    second = make_address(user, recipient="이배")
    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.filter(pk=second.pk).update(is_default=True)


def test_the_database_refuses_a_bad_postal_code_or_phone(user):
    entry = make_address(user)
    for change in ({"postal_code": "1234"}, {"phone": "010-ABCD-5678"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Address.objects.filter(pk=entry.pk).update(**change)


def test_concurrent_first_addresses_leave_exactly_one_default(user):
    results = run_concurrently([lambda i=i: make_address(user, recipient=f"받는분{i}") for i in range(12)], workers=12)

    assert not [r for r in results if isinstance(r, Exception)]
    assert Address.objects.filter(user=user).count() == 12
    assert Address.objects.filter(user=user, is_default=True).count() == 1


def test_concurrent_default_changes_leave_exactly_one_default(user):
    entries = [make_address(user, recipient=f"받는분{i}") for i in range(10)]

    results = run_concurrently(
        [lambda e=e: address_update(user_id=user.pk, address_id=e.pk, is_default=True) for e in entries] * 2, workers=20
    )

    assert not [r for r in results if isinstance(r, Exception)]
    assert Address.objects.filter(user=user, is_default=True).count() == 1


def test_concurrent_adds_never_pass_the_limit(user):
    for i in range(15):
        make_address(user, recipient=f"받는분{i}")

    results = run_concurrently([lambda i=i: make_address(user, recipient=f"새{i}") for i in range(10)], workers=10)

    assert len([r for r in results if not isinstance(r, Exception)]) == 5
    assert Address.objects.filter(user=user).count() == 20
