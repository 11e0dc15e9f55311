"""Log lines are JSON in production mode, carry the request id, and never show personal data."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from cuenty.kit.logging import configure_logging


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_json_line_has_bound_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="INFO", json_logs=True)
    structlog.contextvars.bind_contextvars(request_id="req-42")
    try:
        structlog.get_logger("test").info("order.paid", email="ana@example.com")
    finally:
        structlog.contextvars.clear_contextvars()
    line = _json_lines(capsys.readouterr().err)[-1]
    assert line["event"] == "order.paid"
    assert line["request_id"] == "req-42"
    assert line["email"] == "a***@example.com"


def test_standard_library_lines_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="INFO", json_logs=True)
    logging.getLogger("uvicorn.error").warning("login failed for +525512345678")
    line = _json_lines(capsys.readouterr().err)[-1]
    assert line["event"] == "login failed for ***5678"


def test_exception_text_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="INFO", json_logs=True)
    try:
        raise ValueError("CLABE 646180157000000004 rejected")
    except ValueError:
        structlog.get_logger("test").exception("payment.failed")
    line = _json_lines(capsys.readouterr().err)[-1]
    assert "646180157000000004" not in str(line["exception"])
    assert "0004" in str(line["exception"])


def test_every_line_names_service(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="INFO", json_logs=True, service="payments")
    structlog.get_logger("test").info("payment.received")
    logging.getLogger("uvicorn.error").warning("worker restarted")
    lines = _json_lines(capsys.readouterr().err)[-2:]
    assert lines[0]["service"] == "payments"
    assert lines[1]["service"] == "payments"
