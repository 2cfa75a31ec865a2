#!/usr/bin/env python
"""Benchmark of the keyword rules engine (lapor.rules), DESIGN.md §8.

    python bench/rules_bench.py            # full run, 1k / 10k / 100k keywords
    python bench/rules_bench.py --quick    # a few seconds, for smoke testing

Bars: >= 30,000 routing decisions/s on one core at 100,000 keywords for
500-character texts, <= 1.5x slower than at 1,000 keywords; compile 100,000
keywords in <= 2 s.

Workload (seeded, so every run sees the same data): Indonesian-like rule sets
of 1,000 / 10,000 / 100,000 keywords, about 10 keywords a rule, 10 rules per
owner agency (10 / 100 / 1,000 agencies). A keyword is a shared complaint word
("jalan", "sampah", ...; 30%) or a word of a synthetic domain vocabulary as
large as the keyword count (70%): bigger rule sets cover more distinct terms
(place names, programmes), not the same words more often; 20% are two-word
phrases, 10% prefixes (stems of 5+ letters); some rules have an `all`
keyword, an exclusion, a regex, a scope, type or channel filters. Reports: a
title of 30-60 and a body of 500 characters; words are 78% common words, 14%
complaint words, 8% domain words. 40% come by SMS (8% abbreviations such as
yg/gak/jln, 1.5% stretched words such as "rusakkk", "!!!"), 60% by web/API
(capitals, punctuation). At 10k+ keywords every complaint word is a keyword
(exact and prefix), so a report has about 30 keyword hits (about 19 at 1k).

Each report is routed as in production (DESIGN.md §3): scoped to one agency's
rules (`owners={agency}`, the national desk being one more agency). Also
measured in the same run, per size:

* route + to_dict(): the decision with its JSON explanation, as stored;
* unscoped: `owners=None`, every agency's rules at once (the cost then grows
  with the matches found, i.e. with how many agencies share the words);
* ceiling: the bare Hyperscan scan of the same, already normalised texts,
  and the engine's normalisation + scan (no rule evaluation);
* baseline: a regex alternation of every keyword instead of the scan,
  feeding the same rule evaluation (capped to a sample of texts at large
  sizes; it also misses keywords that start where a longer one starts).

* a set per agency: each agency's rules compiled as a set of their own, and
  each report routed by its agency's set, which is how production routes
  (``lapor.rules.store``): the bars are read off this layout. Its compile
  time is production's too: every set's rules, then their scan databases on
  every core (``build_databases``; Hyperscan compiles outside the GIL).

Each size runs in a fresh, single-threaded subprocess (one core), so peak RSS
is per size; rates are the mean over a timed loop through the reports.
Compile time is the best of a few runs of `compile_rules` (rules already
constructed); peak memory is the tracemalloc peak while compiling.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from lapor.rules import Rule, compile_rules, decide, rule_from_dict, rule_to_dict  # noqa: E402
from lapor.rules.matcher import build_databases  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
SEED = 20261123

COMMON = """yang di dan ini itu dengan untuk dari ke pada sudah belum tidak ada akan bisa kami saya
warga mohon segera tolong sejak hari minggu bulan tahun lalu kemarin pagi siang malam sore sangat
banyak sekali lagi juga masih sampai karena tetapi namun agar supaya bapak ibu pak bu terima kasih
atas perhatian kepada dinas pemerintah kota kabupaten desa kelurahan kecamatan rt rw nomor dekat
depan belakang samping sekitar daerah wilayah lingkungan kampung perumahan gang blok sudah lama
sering setiap waktu kali orang anak keluarga tetangga kondisi keadaan masalah laporan keluhan
pengaduan harap ditindaklanjuti diperbaiki dibersihkan dicek diperiksa mohon bantuannya""".split()
HOT = """jalan rusak berlubang lubang aspal jembatan sampah banjir genangan selokan drainase got air
bersih pdam listrik padam pln lampu penerangan macet parkir liar pedagang kaki lima sekolah guru
murid puskesmas rumah sakit dokter obat bpjs kartu ktp kk akta sertifikat tanah izin pungli
pungutan korupsi bansos bantuan sosial beras pupuk subsidi gas elpiji bbm harga pasar angkot bus
kereta terminal pelabuhan bandara pajak retribusi polisi preman narkoba judi kebakaran pohon
tumbang longsor gempa""".split()
SMS = "yg gak tdk sdh blm utk dgn jln jl kec kel kab sy skrg bgt krn tsb dr dlm udah ga".split()
SYLLABLES = [c + v for c in "bcdgjklmnprstw" for v in "aiueo"] + ["ng", "an", "ar", "in", "ung"]
AGENCY_SHARE = 10  # rules per agency


def domain_vocabulary(rng: random.Random, size: int) -> list[str]:
    reserved = set(COMMON) | set(HOT) | set(SMS)
    words: set[str] = set()
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in reserved:
            words.add(word)
    return sorted(words)


def make_rules(rng: random.Random, n_keywords: int, vocab: list[str]) -> tuple[list[Rule], list[str]]:
    n_agencies = max(10, n_keywords // (AGENCY_SHARE * 10))
    agencies = ["NASIONAL"] + [f"AG{i:04d}" for i in range(1, n_agencies)]

    def keyword() -> str:
        word = rng.choice(HOT) if rng.random() < 0.3 else rng.choice(vocab)
        roll = rng.random()
        if roll < 0.2:
            return f"{rng.choice(HOT)} {word}" if rng.random() < 0.5 else f"{word} {rng.choice(vocab)}"
        if roll < 0.3:  # a stem of at least 5 letters, like "sekolah*" or "perbaik*"
            return word[: max(5, len(word) - 2)] + "*"
        return word

    rules: list[Rule] = []
    total = 0
    while total < n_keywords:
        index = len(rules)
        agency = agencies[index % len(agencies)]
        words = list(dict.fromkeys(keyword() for _ in range(rng.randint(6, 14))))
        all_, none = [], []
        if len(words) > 3 and rng.random() < 0.3:
            all_.append(words.pop())
        if len(words) > 3 and rng.random() < 0.2:
            none.append(words.pop())
        rules.append(Rule(
            id=f"r{index}", name=f"rule {index}", owner=agency, target=f"{agency}-U{rng.randint(1, 5)}",
            priority=rng.randint(0, 3), any=words, all=all_, none=none,
            regex=r"\brt \d+" if rng.random() < 0.02 else None,
            scope=rng.choice(["both"] * 8 + ["title", "body"]),
            report_types=(rng.sample(["complaint", "aspiration", "information_request"], 2)
                          if rng.random() < 0.1 else ()),
            channels=rng.sample(["web", "sms", "api", "open311", "subdomain"], 3) if rng.random() < 0.1 else (),
            category=rng.choice([None, "infrastruktur", "lingkungan", "kesehatan", "pendidikan"]),
            policy=rng.choice([None, None, "khusus", "reguler", "pengawasan"]),
            urgent=rng.random() < 0.05, stop=rng.random() < 0.05,
        ))
        total += len(words) + len(all_) + len(none)
    return rules, agencies


def make_text(rng: random.Random, vocab: list[str], length: int, sms: bool) -> str:
    """Words: 78% common, 14% complaint words, 8% domain words; an SMS text
    also has 8% abbreviations and 1.5% stretched words, a web text capitals
    and more punctuation."""
    words: list[str] = []
    size = 0
    while size < length:
        roll = rng.random()
        if sms and roll < 0.08:
            word = rng.choice(SMS)
        else:
            roll = rng.random()
            word = rng.choice(COMMON) if roll < 0.78 else rng.choice(HOT) if roll < 0.92 else rng.choice(vocab)
        if sms:
            if rng.random() < 0.015:
                word += word[-1] * 3
            if rng.random() < 0.04:
                word += rng.choice(["!!", "!!!", "??", ","])
        else:
            if rng.random() < 0.1:
                word = word.capitalize()
            if rng.random() < 0.1:
                word += rng.choice([",", ".", ".", "!", "?", ";"])
        if rng.random() < 0.01:
            word = f"RT.{rng.randint(1, 20):02d}"
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:length].rstrip()


def make_reports(rng: random.Random, vocab: list[str], agencies: list[str], count: int) -> list[tuple]:
    """(title, body, type, channel, owners): 40% SMS, 60% web/API/subdomain."""
    reports = []
    for _ in range(count):
        channel = "sms" if rng.random() < 0.4 else rng.choice(["web", "web", "api", "subdomain", "open311"])
        sms = channel == "sms"
        title = make_text(rng, vocab, rng.randint(30, 60), sms)
        body = make_text(rng, vocab, 500, sms)
        reports.append((title, body, rng.choice(["complaint", "complaint", "aspiration", "information_request"]),
                        channel, frozenset({rng.choice(agencies)})))
    return reports


def rate(fn, items, seconds: float) -> tuple[float, int]:
    """Calls of ``fn(item)`` per second, cycling through ``items`` for at
    least ``seconds`` (and at least one full pass over a capped sample)."""
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for item in items:
            fn(item)
        done += len(items)
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - start), done


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class RegexBaseline:
    """All keys in one regex alternation (longest first), overlapping starts
    found with a lookahead; hits are mapped back to key ids and fed to the
    engine's own rule evaluation."""

    def __init__(self, ruleset):
        keys = ruleset._keys
        self.exact = {k[1:-1]: i for i, k in enumerate(keys) if k.endswith(" ")}
        self.prefix = {k[1:]: i for i, k in enumerate(keys) if not k.endswith(" ")}
        parts = sorted(((k[1:-1], False) if k.endswith(" ") else (k[1:], True) for k in keys),
                       key=lambda p: -len(p[0]))
        alternation = "|".join(re.escape(w) + (r"[^ ]*" if prefix else "") for w, prefix in parts)
        self.pattern = re.compile(r" (?=(" + alternation + r") )")
        self.ruleset = ruleset

    def hits(self, padded: str) -> list[tuple[int, int]]:
        out = []
        for m in self.pattern.finditer(padded):
            text = m.group(1)
            start = m.start()
            key_id = self.exact.get(text)
            if key_id is not None:
                out.append((start + len(text) + 1, key_id))
                continue
            for cut in range(len(text), 0, -1):  # which prefix key produced it
                key_id = self.prefix.get(text[:cut])
                if key_id is not None:
                    out.append((start + cut, key_id))
                    break
        return out

    def route(self, report):
        title, body, report_type, channel, owners = report
        padded = self.ruleset.normaliser.padded
        texts = (padded(title), padded(body))
        keys = [list(dict.fromkeys(key_id for _, key_id in self.hits(t))) for t in texts]
        return decide(self.ruleset._evaluate(texts, keys, report_type, channel, owners))


def measure(n_keywords: int, quick: bool) -> dict:
    seconds = 0.3 if quick else 2.0
    rng = random.Random(SEED + n_keywords)
    vocab = domain_vocabulary(rng, n_keywords)
    rules, agencies = make_rules(rng, n_keywords, vocab)
    stored = [rule_to_dict(r) for r in rules]  # as an adapter would load them
    t0 = time.perf_counter()
    rules = [rule_from_dict(d) for d in stored]
    build = time.perf_counter() - t0
    reports = make_reports(rng, vocab, agencies, 300 if quick else 2000)
    out: dict = {"keywords": sum(len(r.any) + len(r.all) + len(r.none) for r in rules),
                 "rules": len(rules), "agencies": len(agencies), "rule_build_s": build}

    rss_before = rss_mb()
    compile_times = []
    for _ in range(1 if quick else 3):
        gc.collect()
        t0 = time.perf_counter()
        ruleset = compile_rules(rules)
        compile_times.append(time.perf_counter() - t0)
        if len(compile_times) < (1 if quick else 3):
            del ruleset
    out["compile_s"] = min(compile_times)
    out["retained_rss_mb"] = rss_mb() - rss_before
    out["keys"] = ruleset.n_keys
    gc.collect()
    tracemalloc.start()
    compile_rules(rules)
    out["compile_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    gc.collect()

    route = ruleset.route
    out["decisions_per_s"], _ = rate(lambda r: route(*r), reports, seconds)
    # As production routes (lapor.rules.store): each owner's set compiled on its own, a report
    # routed by its agency's set.
    by_owner: dict[str, list] = {}
    for rule in rules:
        by_owner.setdefault(rule.owner, []).append(rule)
    gc.collect()
    rss_before = rss_mb()
    t0 = time.perf_counter()  # as lapor.rules.store loads them: the sets, then their databases on every core
    sets = {owner: compile_rules(owned, build=False) for owner, owned in by_owner.items()}
    out["per_owner_python_s"] = time.perf_counter() - t0
    build_databases(sets.values())
    out["per_owner_compile_s"] = time.perf_counter() - t0
    out["per_owner_rss_mb"] = rss_mb() - rss_before
    out["per_owner_db_mb"] = sum(s.database.size for s in sets.values() if s.database) / 2**20
    empty = compile_rules([])
    per_owner = [(sets.get(next(iter(owners)), empty).route, (t, b, ty, ch))
                 for t, b, ty, ch, owners in reports]
    out["per_owner_per_s"], _ = rate(lambda r: r[0](*r[1]), per_owner, seconds)
    out["per_owner_json_per_s"], _ = rate(lambda r: r[0](*r[1]).to_dict(), per_owner, seconds)
    del sets, per_owner
    out["decisions_json_per_s"], _ = rate(lambda r: route(*r).to_dict(), reports, seconds)
    out["unscoped_per_s"], _ = rate(lambda r: route(r[0], r[1], r[2], r[3]), reports, seconds)

    decisions = [route(*r) for r in reports]
    out["reasons"] = {k: sum(d.reason == k for d in decisions) / len(decisions) for k in ("match", "tie", "no_match")}
    out["matched_rules_avg"] = sum(len(d.matches) for d in decisions) / len(decisions)
    texts = [ruleset._scan(t, b)[0] for t, b, *_ in reports]
    out["key_hits_avg"] = sum(len(found[0]) + len(found[1])
                              for found in (ruleset._scan(t, b)[1] for t, b, *_ in reports)) / len(reports)
    found = ruleset.database.found
    encoded = [(title.encode(), body.encode()) for title, body in texts]

    def scan(pair):
        found(pair[0])
        found(pair[1])

    out["scan_per_s"], _ = rate(scan, encoded, seconds)
    scan_fields = ruleset._scan  # the engine's own normalisation + scan (+ rescan after fix-ups)
    out["normalise_scan_per_s"], _ = rate(lambda r: scan_fields(r[0], r[1]), reports, seconds)

    t0 = time.perf_counter()
    baseline = RegexBaseline(ruleset)
    out["regex_compile_s"] = time.perf_counter() - t0
    sample = reports[: {1_000: 2000, 10_000: 300}.get(n_keywords, 40)][: 100 if quick else None]
    out["regex_per_s"], out["regex_sample"] = rate(baseline.route, sample, seconds / 2)
    agree = sum(baseline.route(r).target == route(*r).target for r in sample[:200])
    out["regex_agreement"] = agree / len(sample[:200])
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few-seconds smoke run")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.worker, args.quick)))
        return
    sizes = (1_000, 10_000) if args.quick else SIZES
    print(f"# rules engine benchmark  python {platform.python_version()}  {platform.machine()}  "
          f"nproc={os.cpu_count()}  loadavg={os.getloadavg()[0]:.2f}  {'quick' if args.quick else 'full'}")
    results = {}
    for n in sizes:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", str(n)] + (["--quick"] if args.quick else [])
        results[n] = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        print(f"  measured {n:,} keywords", file=sys.stderr)
    rows = [
        ("keywords (distinct keys)", lambda r: f"{r['keywords']:,} ({r['keys']:,})"),
        ("rules / agencies", lambda r: f"{r['rules']:,} / {r['agencies']:,}"),
        ("compile s", lambda r: f"{r['compile_s']:.3f}"),
        ("rule_from_dict s (validation)", lambda r: f"{r['rule_build_s']:.3f}"),
        ("compile peak MB (tracemalloc)", lambda r: f"{r['compile_peak_mb']:.1f}"),
        ("retained RSS MB / peak RSS MB", lambda r: f"{r['retained_rss_mb']:.0f} / {r['peak_rss_mb']:.0f}"),
        ("decisions/s (scoped)", lambda r: f"{r['decisions_per_s']:,.0f}"),
        ("decisions/s, a set per agency", lambda r: f"{r['per_owner_per_s']:,.0f}"),
        ("compile s, a set per agency (rules)", lambda r: f"{r['per_owner_compile_s']:.3f} "
                                                         f"({r['per_owner_python_s']:.3f})"),
        ("decisions/s + to_dict(), per agency", lambda r: f"{r['per_owner_json_per_s']:,.0f}"),
        ("RSS MB kept (databases), per agency", lambda r: f"{r['per_owner_rss_mb']:.0f} "
                                                              f"({r['per_owner_db_mb']:.1f})"),
        ("decisions/s + to_dict()", lambda r: f"{r['decisions_json_per_s']:,.0f}"),
        ("decisions/s unscoped", lambda r: f"{r['unscoped_per_s']:,.0f}"),
        ("ceiling: scan only /s", lambda r: f"{r['scan_per_s']:,.0f}"),
        ("ceiling: normalise+scan /s", lambda r: f"{r['normalise_scan_per_s']:,.0f}"),
        ("baseline: regex decisions/s", lambda r: f"{r['regex_per_s']:,.1f} (n={r['regex_sample']})"),
        ("baseline: regex compile s", lambda r: f"{r['regex_compile_s']:.2f}"),
        ("key hits / matched rules per report", lambda r: f"{r['key_hits_avg']:.1f} / {r['matched_rules_avg']:.2f}"),
        ("match / tie / no_match",
         lambda r: " / ".join(f"{r['reasons'][k]:.0%}" for k in ("match", "tie", "no_match"))),
    ]
    header = f"| {'':36} | " + " | ".join(f"{n:>22,}" for n in sizes) + " |"
    print(header)
    print("|" + "-" * 38 + "|" + "|".join("-" * 24 for _ in sizes) + "|")
    for label, fmt in rows:
        print(f"| {label:36} | " + " | ".join(f"{fmt(results[n]):>22}" for n in sizes) + " |")
    small, large = results[sizes[0]], results[sizes[-1]]
    print()
    print(f"slowdown {sizes[-1]:,} vs {sizes[0]:,} keywords (bar <= 1.5x): scoped "
          f"{small['decisions_per_s'] / large['decisions_per_s']:.2f}x, a set per agency "
          f"{small['per_owner_per_s'] / large['per_owner_per_s']:.2f}x")
    for n in sizes:
        r = results[n]
        print(f"{n:>7,} kw: engine = {r['decisions_per_s'] / r['scan_per_s']:.0%} of bare scan, "
              f"{r['decisions_per_s'] / r['normalise_scan_per_s']:.0%} of normalise+scan, "
              f"{r['decisions_per_s'] / r['regex_per_s']:,.0f}x the regex baseline "
              f"(baseline agrees on {r['regex_agreement']:.0%} of targets)")
    if not args.quick:
        r = results[100_000]
        print(f"bars at 100,000 keywords, a set per agency as production routes: "
              f"{r['per_owner_per_s']:,.0f} decisions/s (>= 30,000: "
              f"{'met' if r['per_owner_per_s'] >= 30_000 else 'NOT met'}), compile "
              f"{r['per_owner_compile_s']:.2f} s (<= 2 s: {'met' if r['per_owner_compile_s'] <= 2 else 'NOT met'}); "
              f"one set of every agency's rules: {r['decisions_per_s']:,.0f}/s scoped, compile {r['compile_s']:.2f} s")


if __name__ == "__main__":
    main()
