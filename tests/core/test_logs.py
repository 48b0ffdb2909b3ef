"""LOG_FORMAT=json: every line one JSON object with the request id; one `event: "request"` line per
request, whose request id is the one the response carries."""

import io
import json
import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.logs import json_formatter, logging_config
from core.middleware import RequestIdLogFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_logs():
    """The site's JSON handler (core.logs: formatter and request id filter) on the root logger,
    writing to a buffer; the settings' own wiring is exercised by the worker test."""
    config = logging_config(log_format="json", level="INFO")
    assert config["handlers"]["console"]["formatter"] == "json"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdLogFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def request_lines(lines):
    return [line for line in lines if line.get("event") == "request"]


def test_each_request_writes_one_json_line_with_the_response_request_id(api, client_for, user, json_logs):
    response = client_for(user).get(f"/api/balance/{user.pk}", HTTP_X_REQUEST_ID="req-abc.123")
    anonymous = api.get("/api/health")
    missing = api.get("/no-such-page")

    lines = json_logs()  # every line parsed as JSON
    assert all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in lines)
    by_path = {line["path"]: line for line in request_lines(lines)}
    assert len(request_lines(lines)) == 3
    balance = by_path[f"/api/balance/{user.pk}"]
    assert response["X-Request-ID"] == "req-abc.123" == balance["request_id"]
    assert balance | {"duration_ms": 0} == balance | {
        "event": "request",
        "method": "GET",
        "status": 200,
        "user_id": user.pk,
        "level": "INFO",
        "logger": "shop.request",
        "duration_ms": 0,
    }
    assert isinstance(balance["duration_ms"], float)
    assert by_path["/api/health"]["request_id"] == anonymous["X-Request-ID"]  # generated, not "-"
    assert len(anonymous["X-Request-ID"]) == 32
    assert by_path["/api/health"]["user_id"] is None
    assert by_path["/no-such-page"]["status"] == 404 == missing.status_code


def test_an_error_line_with_a_traceback_is_still_one_json_line(api, json_logs):
    with pytest.raises(ZeroDivisionError):
        1 / 0
    try:
        1 / 0
    except ZeroDivisionError:
        logging.getLogger("core.test").exception("한글 메시지 %s", "ok")
    [line] = json_logs()
    assert line["message"] == "한글 메시지 ok"
    assert line["level"] == "ERROR"
    assert "ZeroDivisionError" in line["exc_info"]
    assert line["request_id"] == "-"  # outside any request


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ImproperlyConfigured):
        logging_config(log_format="xml", level="INFO")
