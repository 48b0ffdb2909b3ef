"""The delivery transport: one pooled connection reused from one POST to the next, a total time
limit per attempt (not only per read), and no row lock or open transaction while a POST is in
flight (rows are leased in a short transaction instead)."""

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.middleware import bind_request_id, unbind_request_id
from dataplatform.models import OutboxEvent
from dataplatform.services import attempting, emitting, sweeping
from tests.support.builders import order_body
from tests.support.concurrency import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def emit(request_id: str | None = None) -> OutboxEvent:
    order = order_body()
    token = bind_request_id(request_id) if request_id else None
    try:
        with transaction.atomic(durable=True):
            return emitting.event_emit(
                event_type="order.paid", aggregate_id=order["orderId"], order=order, occurred_at=timezone.now()
            )
    finally:
        if token is not None:
            unbind_request_id(token)


class KeepAliveReceiver(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive (werkzeug's test server closes every connection): records which
    client connection (address, port) each POST came on and its X-Request-ID."""

    protocol_version = "HTTP/1.1"
    seen: list = []

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((self.client_address, self.headers.get("X-Request-ID")))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def keepalive_receiver(dp_settings):
    KeepAliveReceiver.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAliveReceiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    dp_settings.DATA_PLATFORM_URL = f"http://127.0.0.1:{server.server_address[1]}/events"
    yield KeepAliveReceiver
    server.shutdown()
    server.server_close()


def test_consecutive_posts_reuse_one_connection_and_carry_their_request_ids(keepalive_receiver):
    events = [emit(f"req-{n}") for n in range(3)]
    for event in events:
        assert sweeping.event_deliver(event_pk=event.pk) == attempting.DELIVERED
    assert sweeping.outbox_sweep() == {"delivered": 0, "retry": 0, "failed": 0}

    addresses = {address for address, _ in keepalive_receiver.seen}
    assert len(keepalive_receiver.seen) == 3
    assert len(addresses) == 1, addresses  # one TCP connection for all three
    # each POST carries the id of the request that made its event
    assert [request_id for _, request_id in keepalive_receiver.seen] == ["req-0", "req-1", "req-2"]
    stored = OutboxEvent.objects.order_by("pk").values_list("request_id", flat=True)
    assert list(stored) == ["req-0", "req-1", "req-2"]


@pytest.fixture
def trickling_receiver(dp_settings):
    """Answers a byte every 0.3 s: each read gets data well within the read timeout, so only a
    limit on the whole attempt can end it. Records whether its client hung up before the end."""
    listener = socket.create_server(("127.0.0.1", 0))
    outcome = {"cut_off": None}
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"  # ~12 s at this pace

    def serve():
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            try:
                for byte in answer:
                    conn.sendall(bytes([byte]))
                    time.sleep(0.3)
                    conn.settimeout(0.01)
                    try:
                        if conn.recv(1) == b"":  # the client shut the connection down
                            raise ConnectionResetError
                    except TimeoutError:
                        pass
                    conn.settimeout(None)
            except OSError:
                outcome["cut_off"] = True
                return
            outcome["cut_off"] = False

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    dp_settings.DATA_PLATFORM_URL = f"http://127.0.0.1:{listener.getsockname()[1]}/events"
    dp_settings.DATA_PLATFORM_READ_TIMEOUT = 2
    dp_settings.DATA_PLATFORM_TOTAL_TIMEOUT = 1.5
    yield outcome
    thread.join(timeout=20)
    listener.close()


def test_an_answer_that_trickles_in_is_cut_off_at_the_attempts_total_timeout(trickling_receiver):
    event = emit()

    assert sweeping.event_deliver(event_pk=event.pk) == attempting.RETRY

    event.refresh_from_db()
    assert event.last_error == "TimeoutError: no complete answer within 1.5 s"
    assert (event.status, event.attempts, event.leased_until) == ("PENDING", 1, None)
    wait_for(lambda: trickling_receiver["cut_off"] is not None, timeout=20)
    assert trickling_receiver["cut_off"] is True  # we hung up; the answer was far from complete


def idle_in_transaction_elsewhere() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%%' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_no_row_lock_or_transaction_is_held_while_a_post_is_in_flight(dp_settings, receiver):
    receiver.hanging = True
    event = emit()

    with ThreadPoolExecutor(max_workers=1) as pool:

        def deliver():
            try:
                return sweeping.event_deliver(event_pk=event.pk)
            finally:
                connection.close()

        in_flight = pool.submit(deliver)
        wait_for(lambda: len(receiver.received) == 1)  # the POST is waiting for the receiver now

        with transaction.atomic():  # the row can be locked at once: nobody holds it
            assert OutboxEvent.objects.select_for_update(nowait=True).filter(pk=event.pk).exists()
        assert idle_in_transaction_elsewhere() == 0
        event.refresh_from_db()
        assert event.leased_until is not None and event.leased_until > timezone.now()
        # ...but it is leased: nobody else sends it meanwhile
        assert sweeping.event_deliver(event_pk=event.pk) == attempting.SKIPPED
        assert sweeping.outbox_sweep() == {"delivered": 0, "retry": 0, "failed": 0}

        receiver.release.set()
        assert in_flight.result(timeout=30) == attempting.DELIVERED

    event.refresh_from_db()
    assert (event.status, event.attempts, event.leased_until) == ("DELIVERED", 1, None)
    assert len(receiver.received) == 1


def test_a_lapsed_lease_goes_to_the_next_claimer_and_the_late_failure_is_not_recorded(dp_settings, receiver):
    dp_settings.DATA_PLATFORM_LEASE_SECONDS = 1
    receiver.statuses = [503]  # the first (slow) attempt fails, late
    receiver.hanging = True
    event = emit()

    with ThreadPoolExecutor(max_workers=1) as pool:

        def deliver():
            try:
                return sweeping.event_deliver(event_pk=event.pk)
            finally:
                connection.close()

        slow = pool.submit(deliver)
        wait_for(lambda: len(receiver.received) == 1)
        receiver.hanging = False
        wait_for(lambda: OutboxEvent.objects.get(pk=event.pk).leased_until < timezone.now(), timeout=10)

        assert sweeping.event_deliver(event_pk=event.pk) == attempting.DELIVERED  # the lapsed lease is taken

        receiver.release.set()
        assert slow.result(timeout=30) == attempting.RETRY  # what it saw, but not what is recorded

    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error, event.leased_until) == ("DELIVERED", 1, "", None)
    assert receiver.keys() == [str(event.event_id)] * 2  # at least once: the same key twice
