"""The operator's view: a JSON access line per request, and /metrics behind its token."""

import json
import logging
import sys

import pytest
from django.test import Client

from apps.core.logformat import JsonFormatter


@pytest.fixture
def access_lines(caplog):
    caplog.set_level(logging.INFO, logger="intranet.access")

    def lines() -> list[dict]:
        formatter = JsonFormatter()
        return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "intranet.access"]

    return lines


def test_each_request_is_one_json_line_with_its_id_user_path_status_and_duration(member, access_lines):
    client = Client()
    client.force_login(member, backend="apps.accounts.backends.ProfileModelBackend")
    response = client.get("/ping")
    assert response.status_code == 200
    (line,) = [line for line in access_lines() if line["path"] == "/ping"]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == member.pk
    assert (line["method"], line["status"], line["level"], line["logger"]) == ("GET", 200, "INFO", "intranet.access")
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("Z")


def test_anonymous_requests_and_errors_are_logged_too(db, access_lines):
    Client().get("/people/")
    (line,) = [line for line in access_lines() if line["path"] == "/people/"]
    assert line["user_id"] is None and line["status"] == 302


def test_an_error_line_carries_the_traceback_as_one_json_field():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed here" and "ValueError: boom" in line["error"]
    assert "\n" not in JsonFormatter().format(record)


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Bearer "])
def test_metrics_are_a_404_without_the_operators_token(db, settings, header):
    settings.METRICS_TOKEN = "s3cret-token"
    headers = {"Authorization": header} if header else {}
    assert Client(headers=headers).get("/metrics").status_code == 404


def test_metrics_are_off_when_no_token_is_set(db, settings):
    settings.METRICS_TOKEN = ""
    assert Client(headers={"Authorization": "Bearer "}).get("/metrics").status_code == 404


def test_metrics_report_requests_latencies_sockets_layer_errors_and_the_task_queue(db, settings, member):
    settings.METRICS_TOKEN = "s3cret-token"
    Client().get("/healthz")
    response = Client(headers={"Authorization": "Bearer s3cret-token"}).get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'intranet_http_requests_total{method="GET",status="200"}' in text
    assert "intranet_http_request_duration_seconds_bucket" in text
    assert "intranet_websockets_open " in text
    assert "intranet_channel_layer_errors_total " in text
    assert 'intranet_tasks{state="ready"}' in text and 'intranet_tasks{state="failed"}' in text
