"""Request bodies sent in chunks (no Content-Length): kept whole or refused, never cut short.

In process the body arrives as a server that has taken the chunks apart hands it on
(``wsgi.input_terminated``); the last test sends raw chunks, malformed ones too, to gunicorn.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from lapor.extensions import db
from lapor.models import Report
from tests.test_api_reports import REPORT
from tests.test_limits import API, assert_clear_json_error, count_reports
from tests.test_open311 import BASE
from tests.test_web_citizen import FORM, text

CHUNKED = {"Transfer-Encoding": "chunked"}


def send_chunked(client, path, body: bytes | io.BytesIO, content_type: str):
    stream = body if isinstance(body, io.BytesIO) else io.BytesIO(body)
    return client.post(path, input_stream=stream, content_type=content_type, headers=CHUNKED,
                       environ_overrides={"wsgi.input_terminated": True})


def bodies(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Report.body)))


def test_a_chunked_report_that_fits_is_stored_whole(client, demo, app):
    response = send_chunked(client, API, json.dumps(REPORT).encode(), "application/json")
    assert response.status_code == 201, text(response)
    assert bodies(app) == [REPORT["body"]]


def test_a_chunked_form_with_a_large_attachment_keeps_it_whole(client, demo, app):
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import stream_encode_multipart

    from lapor.models import Attachment
    from tests.test_attachments import PDF

    scan = PDF + b"%" * (2 * 1024 * 1024)  # past the size kept in memory while it is read
    stream, _length, boundary = stream_encode_multipart(MultiDict(
        [*FORM.items(), ("attachments", FileStorage(io.BytesIO(scan), "surat.pdf", "application/pdf"))]))
    response = send_chunked(client, "/", io.BytesIO(stream.read()), f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 303, text(response)
    with app.app_context():
        assert db.session.scalars(select(Attachment.content)).one() == scan


def test_a_chunked_form_over_the_limit_is_a_413_not_a_report_with_its_text_cut(client, demo, app, monkeypatch):
    # Without the whole body read first, the form would end where the limit falls, in the
    # middle of the text, and still make a valid report.
    form = urlencode({**FORM, "body": FORM["body"] + " Sudah dilaporkan ke RT." * 40}).encode()
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", len(form) - 200)
    response = send_chunked(client, "/", form, "application/x-www-form-urlencoded")
    assert response.status_code == 413 and "terlalu besar" in text(response)
    assert count_reports(app) == 0


def test_a_chunked_body_over_the_limit_is_a_413_in_each_channels_format(client, demo, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    big = json.dumps({**REPORT, "body": "Jalan rusak. " * 200}).encode()
    body = assert_clear_json_error(send_chunked(client, API, big, "application/json"), 413)
    assert "terlalu besar" in body["message"]
    response = send_chunked(client, f"{BASE}/requests.json", big, "application/json")
    assert response.status_code == 413
    assert response.get_json() == [{"code": 413, "description": "Data yang dikirim terlalu besar."}]
    assert count_reports(app) == 0


class Unreadable(io.BytesIO):
    """The server's reader meeting a malformed chunk after the first bytes."""

    def read(self, size=-1):
        if self.tell() == 0:
            return super().read(16)
        raise ValueError("Invalid chunk size: b'zz'")


def test_a_chunked_body_that_cannot_be_read_is_a_400(client, demo, app):
    response = send_chunked(client, API, Unreadable(json.dumps(REPORT).encode()), "application/json")
    assert_clear_json_error(response, 400)
    assert count_reports(app) == 0


# -- through gunicorn --------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exchange(port: int, head: bytes, chunks: list[bytes], tail: bytes = b"0\r\n\r\n") -> bytes:
    """Send a request line and headers, then `chunks` as they are (already framed); the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(head)
        try:
            for chunk in chunks:
                s.sendall(chunk)
            s.sendall(tail)
        except OSError:  # the server answered and closed before taking everything
            pass
        answer = b""
        while data := s.recv(65536):
            answer += data
    return answer


def frame(data: bytes) -> bytes:
    return b"%x\r\n" % len(data) + data + b"\r\n"


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


@pytest.mark.slow
def test_gunicorn_answers_malformed_and_oversized_chunks_with_a_4xx_and_keeps_good_ones(app, demo):
    settings = app.config["LAPOR"]
    port = free_port()
    env = dict(os.environ, DATABASE_URL=settings.database_url, REDIS_URL=settings.redis_url,
               LAPOR_DATA_DIR=str(settings.data_dir), SECRET_KEY="test", LAPOR_RATE_LIMITS="off")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--no-control-socket", "--bind", f"127.0.0.1:{port}",
                               "--workers", "1",
                               "lapor.app:create_app()"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
                time.sleep(0.2)
        head = (b"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        report = json.dumps(REPORT).encode()
        good = exchange(port, head, [frame(report[:20]), frame(report[20:])])
        assert status_of(good) == 201, good[-500:]
        malformed = exchange(port, head, [frame(report[:20]), b"zz\r\n"], tail=b"")
        assert status_of(malformed) == 400, malformed[-500:]
        too_big = exchange(port, head, [frame(b" " * 65536)] * (settings.max_request_bytes // 65536 + 2))
        assert status_of(too_big) == 413, too_big[-500:]
        assert b"terlalu besar" in too_big
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    assert bodies(app) == [REPORT["body"]]
