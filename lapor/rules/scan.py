"""Finding many literal keys in a text at once, with Hyperscan.

``LiteralSet`` compiles a list of byte strings into one Hyperscan database and
scans texts for them. Like Aho–Corasick it reports every key that occurs,
overlapping ones included; unlike a pointer-chasing automaton, its tables for a
set of a few hundred keys are small and laid out for SIMD, so a process that
routes each report with another agency's set does not wait on memory at every
byte. Two kinds of scan:

* ``found(data)``: the ids of the keys that occur, each once (Hyperscan's
  single-match mode: what rule evaluation needs, in the fewest callbacks);
* ``ends(data)``: ``(end offset, id)`` of every occurrence, the end offset
  being that of the key's last byte, in increasing order.

A set is built for one of the two (``every=True`` for ``ends``).

Hyperscan compiles a key in about 20 µs, far longer than the rest of a rule
set's compilation, so a set compiles its database when ``build`` is called or
at its first scan, whichever comes first, and ``build_all`` builds many sets'
databases on every core (compiling releases the GIL).

Hyperscan needs per-thread scratch space: a scan in progress owns it. Each
thread that scans a set gets a clone of the set's scratch on its first scan, so
threads never share one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import hyperscan

__all__ = ["LITERAL_MAX", "LiteralSet", "build_all"]

# The longest key Hyperscan's literal compiler takes, in bytes ("Pattern length exceeds limit").
LITERAL_MAX = 16_000


def _collect_id(key_id: int, start: int, end: int, flags: int, out: list) -> None:
    out.append(key_id)


def _collect_end(key_id: int, start: int, end: int, flags: int, out: list) -> None:
    out.append((end - 1, key_id))


class LiteralSet:
    """A set of byte-string keys; key ``i`` of ``keys`` has id ``i``."""

    __slots__ = ("_keys", "_every", "_database", "_lock", "_local")

    def __init__(self, keys: Sequence[bytes], every: bool = False):
        if not keys:
            raise ValueError("a literal set needs at least one key")
        for key in keys:
            if not isinstance(key, bytes) or not key or b"\0" in key or len(key) > LITERAL_MAX:
                # Hyperscan's literal API measures keys with strlen
                raise ValueError(f"literal keys must be 1 to {LITERAL_MAX} bytes free of NUL: {key[:40]!r}")
        self._keys = tuple(keys)
        self._every = every
        self._database = None
        self._lock = threading.Lock()
        self._local = threading.local()

    def build(self) -> LiteralSet:
        """Compile the database now (once; a scan does it if nobody did)."""
        if self._database is None:
            with self._lock:
                if self._database is None:
                    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
                    flag = 0 if self._every else hyperscan.HS_FLAG_SINGLEMATCH
                    database.compile(expressions=list(self._keys), ids=list(range(len(self._keys))),
                                     elements=len(self._keys), flags=flag, literal=True)
                    self._database = database
                    self._keys = ()  # the database holds them now
        return self

    def _scanner(self):
        """The database and this thread's scratch space for it."""
        database = self._database
        if database is None:
            database = self.build()._database
        local = self._local
        try:
            return database, local.scratch
        except AttributeError:
            local.scratch = database.scratch.clone()
            return database, local.scratch

    def found(self, data: bytes) -> list[int]:
        """Ids of the keys occurring in ``data``, each once, in the order first found."""
        if self._every:
            raise TypeError("this set reports every occurrence: use ends()")
        out: list[int] = []
        database, scratch = self._scanner()
        database.scan(data, match_event_handler=_collect_id, context=out, scratch=scratch)
        return out

    def ends(self, data: bytes) -> list[tuple[int, int]]:
        """``(end offset of the last byte, id)`` of every occurrence of every key, by end offset."""
        if not self._every:
            raise TypeError("this set reports each key once: use found()")
        out: list[tuple[int, int]] = []
        database, scratch = self._scanner()
        database.scan(data, match_event_handler=_collect_end, context=out, scratch=scratch)
        return out

    @property
    def size(self) -> int:
        """Bytes of the compiled database (building it if need be)."""
        return self.build()._database.size()


def build_all(sets: Iterable[LiteralSet], threads: int | None = None) -> None:
    """Build the databases of ``sets``, on ``threads`` threads (default: one a core)."""
    pending = [s for s in sets if s._database is None]
    workers = min(len(pending), threads or os.cpu_count() or 1)
    if workers <= 1:
        for literal_set in pending:
            literal_set.build()
        return
    with ThreadPoolExecutor(workers, thread_name_prefix="hyperscan") as pool:
        for _ in pool.map(LiteralSet.build, pending):
            pass
