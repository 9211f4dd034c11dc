"""Submit against hostile or broken servers: a whole-request timeout, bounded answers, no plain http
off loopback, server text printed without escape codes or pieces of the key."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from converters import ApiTimeoutError, MalformedResponseError, PlaymentClient, UsageError
from converters.playment.client import MAX_RESPONSE_BYTES, RetryPolicy, clean_server_text

KEY = "sk-live-7f3a9c2e-SECRET-0b1d"
JOB = {"reference_id": "r1", "data": {}}


class DripServer:
    """A loopback HTTP server that sends its answer one byte every ``gap`` seconds (for at most
    ``limit`` seconds, so a client that never gives up still lets the test end)."""

    def __init__(self, answer: bytes, gap: float = 0.2, limit: float = 20.0) -> None:
        self.answer, self.gap, self.limit = answer, gap, limit
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.recv(65536)
            end = time.monotonic() + self.limit
            for i in range(len(self.answer)):
                if time.monotonic() > end:
                    break
                try:
                    conn.sendall(self.answer[i:i + 1])
                except OSError:
                    return
                time.sleep(self.gap)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def drip_body() -> Iterator[DripServer]:
    server = DripServer(b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n"
                        + b" " * 500, gap=0.02)
    yield server
    server.close()


def _client(url: str, **kw: object) -> PlaymentClient:
    return PlaymentClient("proj", KEY, base_url=url, retry=RetryPolicy(max_attempts=1), **kw)  # type: ignore[arg-type]


def test_a_server_dripping_its_body_is_cut_by_the_whole_request_timeout(drip_body: DripServer) -> None:
    # each byte comes well within a per-read timeout of 1 s; the whole answer would take 10 s
    with _client(drip_body.url, timeout=1.0) as client, pytest.raises(ApiTimeoutError):
        client.create_job(JOB)


def test_a_server_dripping_its_headers_is_cut_too() -> None:
    server = DripServer(b"HTTP/1.1 201 Created\r\n" + b"x-pad: " + b"a" * 400 + b"\r\n\r\n", gap=0.02)
    try:
        with _client(server.url, timeout=1.0) as client, pytest.raises(ApiTimeoutError):
            client.create_job(JOB)
    finally:
        server.close()


def test_an_answer_larger_than_the_bound_is_refused() -> None:
    big = httpx.MockTransport(lambda r: httpx.Response(201, headers={"content-length": str(MAX_RESPONSE_BYTES + 1)},
                                                       content=b"x"))
    with _client("https://api.example", transport=big) as client, pytest.raises(MalformedResponseError) as exc:
        client.create_job(JOB)
    assert exc.value.code == "response_too_large"

    def endless(_: httpx.Request) -> httpx.Response:
        return httpx.Response(201, content=iter([b"x" * (1 << 20)] * 11))  # chunked, no length: 11 MiB

    with _client("https://api.example", transport=httpx.MockTransport(endless)) as client, \
            pytest.raises(MalformedResponseError) as exc:
        client.create_job(JOB)
    assert exc.value.code == "response_too_large"


def test_plain_http_is_refused_off_loopback_unless_allowed() -> None:
    with pytest.raises(UsageError, match="in clear"):
        PlaymentClient("proj", KEY, base_url="http://api.example.com")
    for url in ("http://127.0.0.1:8080", "http://localhost/api", "http://[::1]:9000"):
        PlaymentClient("proj", KEY, base_url=url).close()
    PlaymentClient("proj", KEY, base_url="http://api.example.com", allow_insecure_http=True).close()


def test_server_text_is_escaped_and_every_long_piece_of_the_key_masked() -> None:
    text = "bad key 7f3a9c2e-SECRET (full: sk-live-7f3a9c2e-SECRET-0b1d) \x1b[2J\x1b[31mred\x07 sk-live"
    clean = clean_server_text(text, KEY)
    assert "\x1b" not in clean and "\x07" not in clean
    assert "\\x1b[2J" in clean and "\\x07" in clean
    assert "7f3a9c2e" not in clean and "SECRET" not in clean
    assert clean.startswith("bad key *** (full: ***) ")
    assert clean.endswith(" sk-live")  # 7 characters: too short to mask


def test_server_messages_reach_the_caller_cleaned() -> None:
    answer = b'{"success": false, "error": {"code": "E1", "message": "key 7f3a9c2e-SECRET \\u001b[31mnope"}}'
    transport = httpx.MockTransport(lambda r: httpx.Response(400, content=answer))
    with _client("https://api.example", transport=transport) as client, pytest.raises(Exception) as exc:
        client.create_job(JOB)
    assert str(exc.value).count("***") == 1 and "\x1b" not in str(exc.value) and "SECRET" not in str(exc.value)
