"""The embedded Redis: one server per data dir, restarted at the same address, stopped by whoever
started it and by no one else."""

from __future__ import annotations

import redis

from lapor.redisconn import EmbeddedRedis


def _ping(url: str) -> bool:
    try:
        return bool(redis.Redis(unix_socket_path=url.removeprefix("unix://"), socket_timeout=2).ping())
    except (redis.RedisError, OSError):
        return False


def test_a_second_user_of_a_data_dir_shares_its_running_server_and_leaves_it_running(tmp_path):
    first, second = EmbeddedRedis(tmp_path / "data"), EmbeddedRedis(tmp_path / "data")
    url = first.start()
    try:
        assert second.start() == url  # no second server taking over the socket and its files
        assert second._process is None
        second.stop()
        assert _ping(url)  # left running: it was not the second's to stop
    finally:
        first.stop()
    assert not _ping(url)


def test_a_restart_answers_at_the_same_address_even_for_a_long_data_dir(tmp_path):
    long_dir = tmp_path / ("d" * 60) / ("e" * 60)  # too long for a unix socket path of its own
    server = EmbeddedRedis(long_dir)
    url = server.start()
    try:
        server.stop()
        assert server.start() == url and _ping(url)
    finally:
        server.stop()
