"""The Hyperscan literal sets under the matcher: what they report, and from many threads."""

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lapor.rules.scan import LiteralSet, build_all


def test_found_reports_each_key_once_overlaps_included():
    keys = [b" jalan ", b" jalan rusak ", b" rusak ", b" jal"]
    found = LiteralSet(keys).found(b" jalan rusak dan jalan rusak lagi ")
    assert sorted(found) == [0, 1, 2, 3]
    assert LiteralSet(keys).found(b" jalanan ") == [3]
    assert LiteralSet(keys).found(b"  ") == []


def test_ends_reports_every_occurrence_by_end_offset():
    text = b" aaaa bbb "
    assert LiteralSet([b"aaa", b"bbb"], every=True).ends(text) == [(3, 0), (4, 0), (8, 1)]


def test_a_set_answers_only_the_scan_it_was_built_for():
    with pytest.raises(TypeError):
        LiteralSet([b"a"]).ends(b"a")
    with pytest.raises(TypeError):
        LiteralSet([b"a"], every=True).found(b"a")


@pytest.mark.parametrize("keys", [[], [b""], [b"a\0b"], ["text"]])
def test_keys_hyperscan_cannot_take_are_refused(keys):
    with pytest.raises(ValueError):
        LiteralSet(keys)


def test_build_all_builds_every_set_once_on_several_threads():
    sets = [LiteralSet([f" key{i} ".encode(), f" other{i} ".encode()]) for i in range(40)]
    build_all(sets, threads=2)
    assert all(s._database is not None for s in sets)
    databases = [s._database for s in sets]
    build_all(sets, threads=2)  # already built: nothing is compiled again
    assert [s._database for s in sets] == databases
    assert [s.found(f" key{i} x ".encode()) for i, s in enumerate(sets)] == [[0]] * 40


def test_threads_scanning_one_set_at_once_each_get_the_right_answer():
    # Hyperscan refuses a scan whose scratch space is in use by another; scans release the
    # GIL, so threads sharing a set collide unless each has scratch of its own.
    keys = [f" w{i} ".encode() for i in range(300)]
    literal = LiteralSet(keys)
    text = b" " + b" ".join(f"w{i}".encode() for i in range(0, 300, 3)) + b" " * 2000
    expected = sorted(range(0, 300, 3))
    failures, results = [], []
    start = threading.Barrier(4)

    def scan():
        start.wait()
        try:
            for _ in range(300):
                results.append(sorted(literal.found(text)) == expected)
        except Exception as error:  # collected, so the assertion below names it
            failures.append(error)

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(results) == 1200 and all(results)


@given(st.lists(st.text("ab ", min_size=1, max_size=4), min_size=1, max_size=8, unique=True),
       st.text("ab ", max_size=40))
def test_found_and_ends_agree_with_a_plain_search(keys, text):
    encoded = [k.encode() for k in keys]
    data = text.encode()
    expected_ends = sorted((i + len(k) - 1, n) for n, k in enumerate(encoded)
                           for i in range(len(data) - len(k) + 1) if data.startswith(k, i))
    assert sorted(LiteralSet(encoded, every=True).ends(data)) == expected_ends
    assert sorted(LiteralSet(encoded).found(data)) == sorted({n for _, n in expected_ends})
