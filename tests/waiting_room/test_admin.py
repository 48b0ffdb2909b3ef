"""Staff see each waiting room live and pause or resume its admissions in the admin."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support.factories import ProductFactory, StaffFactory, make_users
from waiting_room import line
from waiting_room.services import queue_admit, queue_join

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_line_live_and_pause_resume(client):
    drop = ProductFactory(
        name="대기열 사과",
        stock=2,
        sale_starts_at=timezone.now() - timedelta(minutes=1),
        waiting_room=True,
        admit_per_second=5,
    )
    for user in make_users(4, prefix="inline"):
        queue_join(product_id=drop.pk, user_id=user.pk)
    client.force_login(StaffFactory(is_superuser=True))

    page = client.get("/admin/waiting_room/waitingroomdrop/").content.decode()
    assert "대기열 사과" in page and "진행" in page

    response = client.post(
        "/admin/waiting_room/waitingroomdrop/", {"action": "pause", "_selected_action": [drop.pk]}, follow=True
    )
    assert "입장을 일시 중지했습니다" in response.content.decode()
    assert line.line_counts(product_id=drop.pk)["paused"]
    drop.refresh_from_db()
    queue_admit(product=drop)
    assert queue_admit(product=drop).admitted == 0  # paused: nobody admitted however long it waits
    assert "일시 중지" in client.get("/admin/waiting_room/waitingroomdrop/").content.decode()

    client.post("/admin/waiting_room/waitingroomdrop/", {"action": "resume", "_selected_action": [drop.pk]})
    assert not line.line_counts(product_id=drop.pk)["paused"]
    counts = line.line_counts(product_id=drop.pk)
    assert counts["waiting"] == 4


def test_the_room_is_set_on_the_products_form_with_its_rules(client):
    client.force_login(StaffFactory(is_superuser=True))
    page = client.get("/admin/products/product/add/").content.decode()
    assert "대기열 사용" in page and "초당 입장 인원" in page
