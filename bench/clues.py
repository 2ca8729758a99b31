"""Clue registration with the related-clue check at 1,000,000 existing clues (issue 3).

Usage: ``make bench`` (all benchmarks) or
``python bench/clues.py [--db sqlite|postgresql|both] [--clues 1000000] [--registrations 200]``.

Per database it builds, once, under ``bench/out/clues-<db>/`` (SQLite) or in the PostgreSQL
database ``xietong_bench_clues``: the demo province (``xietong demo --scale 5``: units,
108,000 persons, accounts), then ``--clues`` clues written by ``bench/clue_corpus.py`` —
matters written up one to four times by different people about registry persons or names
and units as reported — inserted in bulk with the rows the services write: Clue (numbered
per commission and year), ClueSubject, ClueSignature from ``matching.signature_keys``,
ClueCounter. The build is reused while its parameters match (``bench-clues.json``).

It then measures ``--registrations`` registrations as ``POST /api/clues`` does them:
``services.clue_register`` in its own committed transaction, then the related-clue check
``related.related_for_viewer`` (half of them new write-ups of matters already in the
corpus, half new matters), and prints p50/p95/max, the check's phases, the build time and
the database size. The measured clues are deleted and the counters put back, so the corpus
stays as built. Finally the labelled paraphrase set (tests/clues/paraphrases.py) is
registered on top of the corpus and precision/recall of the related check is reported
(rolled back). It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("XIETONG_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_NAME = "xietong_bench_clues"
#: Bump when the corpus generator or the stored rows change: the build is redone.
CORPUS_VERSION = 1
CHUNK_MATTERS = 4000

sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))


def env_for(kind: str) -> dict:
    env = dict(os.environ)
    env["XIETONG_HOME"] = str(OUT / f"clues-{kind}")
    env["DJANGO_SETTINGS_MODULE"] = "xietong.settings.demo"
    env.pop("DATABASE_URL", None)
    if kind == "postgresql":
        env["DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
    return env


def pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


# --------------------------------------------------------------------------------------
# Build (runs in the per-database child process)
# --------------------------------------------------------------------------------------


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _pg_exists() -> bool:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME]
        ).fetchone()
    return row is not None


def _fresh_database(kind: str) -> None:
    home = Path(env_for(kind)["XIETONG_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    checkpoints = home / "audit" / "checkpoints.log"  # of the database being replaced
    if checkpoints.exists():
        checkpoints.rename(checkpoints.with_suffix(f".{int(time.time())}.bak"))
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (home / f"xietong.sqlite3{suffix}").unlink(missing_ok=True)
    else:
        _pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME}")
        _pg_admin(f"CREATE DATABASE {PG_NAME}")


_CORPUS = None  # set before the worker pool forks


def _write_chunk(first_matter: int):
    """Worker: the clues of matters [first, first + CHUNK_MATTERS) with their index keys."""
    from xietong.clues import matching

    out = []
    for index in range(first_matter, first_matter + CHUNK_MATTERS):
        matter = _CORPUS.matter(index)
        for version in range(_CORPUS.group_size(index)):
            w = _CORPUS.write(matter, version)
            out.append((w, matching.signature_keys(w.summary)))
    return out


_STATUSES = (
    ("registered", 10),
    ("opinion", 3),
    ("inquiry", 7),
    ("verification", 8),
    ("shelved", 5),
    ("case", 5),
    ("closed", 35),
    ("concluded", 27),
)


def _commission_map():
    """Region id → the nearest county-or-higher commission over it, with its offices."""
    from xietong.clues.services.registration import clue_number
    from xietong.org.models import Region, Unit, UnitKind

    parent = dict(Region.objects.values_list("id", "parent_id"))
    commissions, prefixes = {}, set()
    # Higher levels first. Two commissions whose numbers would collide (安阳市 and 安阳县
    # both number 安阳纪线〔…〕): the lower one's clues go to the one above (see report).
    for u in sorted(
        Unit.objects.filter(kind=UnitKind.COMMISSION).select_related("region"),
        key=lambda u: (len(u.region.code.rstrip("0")), u.pk),
    ):
        prefix = clue_number(u, 2000, 0)
        if prefix not in prefixes:
            prefixes.add(prefix)
            commissions[u.region_id] = u
    case_offices = dict(
        Unit.objects.filter(kind=UnitKind.CASE_MANAGEMENT).values_list(
            "parent_id", "id"
        )
    )
    nearest = {}
    for rid in parent:
        node = rid
        while node is not None and node not in commissions:
            node = parent.get(node)
        nearest[rid] = commissions.get(node)
    return nearest, case_offices, list(commissions.values())


def build(kind: str, args, marker: Path, want: dict) -> None:
    """The demo province, then ``args.clues`` clues in bulk (a few minutes)."""
    global _CORPUS
    from multiprocessing import Pool

    t_start = time.perf_counter()
    _fresh_database(kind)
    print(f"[{kind}] 生成演示省份 scale={args.scale:g} …", flush=True)
    subprocess.run(
        [str(BIN / "xietong"), "demo", "--scale", str(args.scale), "--seed", "2026"],
        env=env_for(kind),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    t_demo = time.perf_counter() - t_start

    import django

    django.setup()
    from clue_corpus import ClueCorpus, PersonRow
    from django.core.management.color import no_style
    from django.db import connection, connections, transaction
    from django.utils import timezone

    from xietong.clues.models import (
        Clue,
        ClueCounter,
        ClueSignature,
        ClueSubject,
    )
    from xietong.clues.services.registration import clue_number, number_prefix
    from xietong.org.models import Person

    rows = Person.objects.values_list(
        "id", "name", "unit__name", "position", "unit__region_id"
    ).order_by("id")
    persons, person_region = [], {}
    for pid, name, unit, position, region_id in rows.iterator(chunk_size=20000):
        persons.append(PersonRow(pid, name, unit, position))
        person_region[pid] = region_id
    nearest, case_offices, commissions = _commission_map()
    counters = {
        (c, y): last
        for c, y, last in ClueCounter.objects.values_list(
            "commission_id", "year", "last"
        )
    }
    _CORPUS = ClueCorpus(persons, seed=args.seed)
    connections.close_all()  # the workers fork: they must not share the connection

    sig_table = ClueSignature._meta.db_table
    sig_index = next(i for i in ClueSignature._meta.indexes if i.fields[0] == "key")
    subject_index = ClueSubject._meta.indexes[0]
    with connection.schema_editor() as editor:  # rebuilt once after the load
        editor.remove_index(ClueSignature, sig_index)
        editor.remove_index(ClueSubject, subject_index)
    if kind == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size = -1000000")

    rng = random.Random(args.seed)
    statuses = [s for s, _ in _STATUSES]
    weights = [w for _, w in _STATUSES]
    first_day = dt.date(2019, 1, 1).toordinal()
    days = dt.date(2025, 12, 31).toordinal() - first_day
    now = timezone.now()
    next_clue = (
        Clue.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ) + 1
    made = keys_total = matters = 0
    prefixes: dict[int, str] = {}
    t_load = time.perf_counter()
    with Pool(2) as pool:
        chunks = pool.imap(_write_chunk, range(0, 10**9, CHUNK_MATTERS), chunksize=1)
        for chunk in chunks:
            chunk = chunk[: args.clues - made]
            clues, subjects, sigs = [], [], []
            for w, keys in chunk:
                first = w.subjects[0]
                commission = (
                    nearest.get(person_region.get(first.person_id))
                    if first.person_id
                    else None
                ) or rng.choice(commissions)
                day = dt.date.fromordinal(first_day + rng.randrange(days))
                if commission.pk not in prefixes:  # one look-up per commission
                    prefixes[commission.pk] = number_prefix(commission.region)
                seq = counters.get((commission.pk, day.year), 0) + 1
                counters[(commission.pk, day.year)] = seq
                clues.append(
                    Clue(
                        id=next_clue,
                        number=clue_number(
                            commission, day.year, seq, prefix=prefixes[commission.pk]
                        ),
                        commission_id=commission.pk,
                        year=day.year,
                        seq=seq,
                        source=w.source,
                        received_date=day,
                        summary=w.summary,
                        registering_unit_id=case_offices.get(
                            commission.pk, commission.pk
                        ),
                        owner_unit_id=commission.pk,
                        proposed_unit_id=commission.pk if first.person_id else None,
                        status=rng.choices(statuses, weights)[0],
                        created_at=now,
                    )
                )
                for s in w.subjects:
                    subjects.append(
                        ClueSubject(
                            clue_id=next_clue,
                            person_id=s.person_id,
                            name=s.name,
                            unit_name=s.unit_name,
                        )
                    )
                sigs.extend((next_clue, k) for k in keys)
                next_clue += 1
            with transaction.atomic():
                Clue.objects.bulk_create(clues, batch_size=2000)
                ClueSubject.objects.bulk_create(subjects, batch_size=5000)
                _insert_signatures(connection, sig_table, sigs)
            made += len(chunk)
            keys_total += len(sigs)
            matters = chunk[-1][0].matter + 1 if chunk else matters
            if made // 100_000 != (made - len(chunk)) // 100_000:
                rate = made / (time.perf_counter() - t_load)
                print(f"[{kind}]   {made:,} 条线索（{rate:,.0f} 条/秒）", flush=True)
            if made >= args.clues:
                pool.terminate()
                break
    with transaction.atomic():
        for (commission_id, year), last in counters.items():
            ClueCounter.objects.update_or_create(
                commission_id=commission_id, year=year, defaults={"last": last}
            )
    t_index = time.perf_counter()
    print(f"[{kind}] 建立索引 …", flush=True)
    if kind == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '1GB'")
    with connection.schema_editor() as editor:
        editor.add_index(ClueSignature, sig_index)
        editor.add_index(ClueSubject, subject_index)
    if kind == "postgresql":  # the ids were given: move the sequences past them
        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Clue, ClueSubject]
            ):
                cur.execute(sql)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if kind == "postgresql" else "ANALYZE")
    done = time.perf_counter()
    want = dict(
        want,
        matters=matters,
        built={
            "seconds": round(done - t_start),
            "demo_seconds": round(t_demo),
            "load_seconds": round(t_index - t_load),
            "index_seconds": round(done - t_index),
            "keys_per_clue": round(keys_total / max(made, 1), 1),
        },
    )
    marker.write_text(json.dumps(want, ensure_ascii=False))


def _insert_signatures(connection, table: str, rows: list[tuple[int, int]]) -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            data = "".join(f"{c}\t{k}\n" for c, k in rows)
            with cur.copy(f"COPY {table} (clue_id, key) FROM STDIN") as copy:
                copy.write(data)
        else:
            cur.executemany(f"INSERT INTO {table} (clue_id, key) VALUES (%s, %s)", rows)


# --------------------------------------------------------------------------------------
# Measure (child process)
# --------------------------------------------------------------------------------------


def _subject_inputs(written, persons_by_id):
    from xietong.clues.services import SubjectInput

    return [
        SubjectInput(person=persons_by_id[s.person_id])
        if s.person_id
        else SubjectInput(name=s.name, unit_name=s.unit_name)
        for s in written.subjects
    ]


def _database_size(kind: str) -> int:
    from django.db import connection

    if kind == "sqlite":
        db = Path(connection.settings_dict["NAME"])
        return sum(
            p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists()
        )
    with connection.cursor() as cur:
        cur.execute("SELECT pg_database_size(current_database())")
        return cur.fetchone()[0]


def measure(kind: str, args, info: dict) -> dict:
    """``args.registrations`` registrations with the related check; then P/R."""
    import django

    django.setup()
    from clue_corpus import ClueCorpus, PersonRow
    from django.db import transaction
    from tests.clues import paraphrases as P

    from xietong.access.models import User
    from xietong.clues.models import Clue, ClueCounter
    from xietong.clues.related import related_clues, related_for_viewer
    from xietong.clues.services import clue_register
    from xietong.org.models import Person

    if kind == "sqlite":
        # As in the server (xietong/wsgi.py): WAL checkpoints in a background thread.
        from xietong.core.sqlite_wal import start_checkpointer

        start_checkpointer()
    if (
        args.sqlite_pragma and kind == "sqlite"
    ):  # e.g. to see the WAL checkpoints' share
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute(args.sqlite_pragma)
    user = User.objects.select_related("unit").get(username="xian_case_manager")
    rng = random.Random(args.seed + 1)
    # Regenerate the corpus' matters: half the registrations write up a matter again.
    pool = [
        PersonRow(pid, name, unit, position)
        for pid, name, unit, position in Person.objects.values_list(
            "id", "name", "unit__name", "position"
        )
        .order_by("id")
        .iterator(chunk_size=20000)
    ]
    corpus = ClueCorpus(pool, seed=args.seed)
    n = args.registrations + args.warmup
    written = []
    for i in range(n):
        if i % 2 == 0:
            matter = corpus.matter(rng.randrange(info["matters"]))
            written.append(corpus.write(matter, 4 + rng.randrange(8)))
        else:
            written.append(corpus.write(corpus.matter(info["matters"] + 1000 + i), 0))
    ids = {s.person_id for w in written for s in w.subjects if s.person_id}
    persons_by_id = Person.objects.select_related("unit__region").in_bulk(ids)
    counters_before = {
        (c.commission_id, c.year): c.last for c in ClueCounter.objects.all()
    }
    total_before = info["clues_in_db"]

    # A server that has been running: its processes know the common text keys.
    sample = random.Random(args.seed + 2)
    last = Clue.objects.order_by("-id").values_list("id", flat=True).first()
    for pk in sample.sample(
        range(last - info["clues"] + 1, last + 1), args.warm_checks
    ):
        clue = Clue.objects.filter(pk=pk).first()
        if clue is not None:
            related_clues(clue)

    register_ms, check_ms, total_ms, found = [], [], [], []
    phases: dict[str, list[float]] = {}
    measured: list[int] = []
    day = dt.date(2026, 3, 2)
    try:
        for i, w in enumerate(written):
            subjects = _subject_inputs(w, persons_by_id)
            t0 = time.perf_counter()
            with transaction.atomic():
                clue = clue_register(
                    actor=user,
                    source=w.source,
                    received_date=day,
                    summary=w.summary,
                    subjects=subjects,
                )
            t1 = time.perf_counter()
            measured.append(clue.pk)
            timings: dict = {}
            views = related_for_viewer(user, clue, timings=timings)
            t2 = time.perf_counter()
            if i < args.warmup:
                continue
            register_ms.append((t1 - t0) * 1000)
            check_ms.append((t2 - t1) * 1000)
            total_ms.append((t2 - t0) * 1000)
            found.append(len(views))
            for k, v in timings.items():
                phases.setdefault(k, []).append(v if k == "candidates" else v * 1000)

        # Recall at scale: the corpus' own write-ups of the matters written up again.
        same_found = same_total = text_found = text_total = 0
        last_id = (
            Clue.objects.exclude(pk__in=measured)
            .order_by("-id")
            .values_list("id", flat=True)
            .first()
        )
        first_id = last_id - info["clues"] + 1  # the corpus was inserted last, in order
        rewrites = [i for i in range(args.warmup, n) if i % 2 == 0]
        wanted = {written[i].matter for i in rewrites}
        spans, offset = {}, 0
        for m in range(max(wanted) + 1):
            size = min(corpus.group_size(m), info["clues"] - offset)
            if m in wanted:
                spans[m] = (first_id + offset, size)
            offset += size
        for i in rewrites:
            w, pk = written[i], measured[i]
            start, size = spans[w.matter]
            listed = {c.pk for c, _ in related_clues(Clue.objects.get(pk=pk))}
            mine = {(s.person_id, s.name, s.unit_name) for s in w.subjects}
            matter = corpus.matter(w.matter)
            for v in range(size):
                other = corpus.write(matter, v)
                hit = start + v in listed
                same_total += 1
                same_found += hit
                linked = any(
                    (s.person_id and s.person_id in {p for p, _, _ in mine})
                    or (s.person_id, s.name, s.unit_name) in mine
                    for s in other.subjects
                )
                if not linked:
                    text_total += 1
                    text_found += hit

        # The labelled set on top of the corpus: precision/recall, then rolled back.
        region = user.unit.region
        with transaction.atomic():
            t0 = time.perf_counter()
            loaded = P.load_into_db(registrar=user, region=region, received_date=day)
            t1 = time.perf_counter()
            precision, recall, errors = P.evaluate_db(
                loaded, lambda c: [x for x, _ in related_clues(c, limit=50)]
            )
            t2 = time.perf_counter()
            transaction.set_rollback(True)
    finally:
        # Leave the corpus as built: the measured clues go, the counters go back.
        with transaction.atomic():
            Clue.objects.filter(pk__in=measured).delete()
            for (commission_id, year), last in counters_before.items():
                ClueCounter.objects.filter(
                    commission_id=commission_id, year=year
                ).update(last=last)
            ClueCounter.objects.exclude(
                pk__in=[
                    c.pk
                    for c in ClueCounter.objects.all()
                    if (c.commission_id, c.year) in counters_before
                ]
            ).delete()
    return {
        "kind": kind,
        "clues": total_before,
        "register": register_ms,
        "check": check_ms,
        "total": total_ms,
        "found": found,
        "phases": phases,
        "pr": (precision, recall, len(loaded), errors),
        "scale_recall": (len(rewrites), same_found, same_total, text_found, text_total),
        "pr_seconds": (t1 - t0, t2 - t1),
        "size": _database_size(kind),
        "pragma": args.sqlite_pragma if kind == "sqlite" else "",
    }


def _pad(text: str, width: int) -> str:
    """Left-justify by display width (a Chinese character takes two columns)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - used, 0)


def report(result: dict, info: dict) -> None:
    kind = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[result["kind"]]
    built = info["built"]
    print()
    print(f"== 线索登记 + 相关线索检查：{kind}，现有线索 {result['clues']:,} 条 ==")
    print(
        f"语料：{info['matters']:,} 个事项、{info['clues']:,} 条线索（每条存 "
        f"{built['keys_per_clue']} 个文本键）；构建 {built['seconds']} 秒（演示省份 "
        f"{built['demo_seconds']} 秒，写入 {built['load_seconds']} 秒，索引 "
        f"{built['index_seconds']} 秒）；数据库 {result['size'] / 2**30:.2f} GiB"
    )
    n = len(result["total"])
    pragma = f"（测量连接上另执行 {result['pragma']}）" if result["pragma"] else ""
    if result["kind"] == "sqlite":
        pragma += "（与服务器相同：WAL 检查点由后台线程执行）"
    print(f"登记 {n} 次，各自一个事务（预热不计）{pragma}：")
    print(f"  {_pad('', 30)}{'p50':>8}{'p95':>8}{'max':>8}  (ms)")
    for label, key in (
        ("登记 clue_register（含提交）", "register"),
        ("相关线索检查", "check"),
        ("合计", "total"),
    ):
        v = result[key]
        print(
            f"  {_pad(label, 30)}{statistics.median(v):>8.1f}{pct(v, 95):>8.1f}"
            f"{max(v):>8.1f}"
        )
    parts = []
    for k, v in result["phases"].items():
        unit = "" if k == "candidates" else " ms"
        parts.append(f"{k} {statistics.median(v):.1f}/{pct(v, 95):.1f}{unit}")
    print("  检查各阶段 p50/p95：" + "，".join(parts))
    f = result["found"]
    print(f"  列出的相关线索：平均 {sum(f) / len(f):.1f} 条，最多 {max(f)} 条")
    rewrites, same_found, same_total, text_found, text_total = result["scale_recall"]
    print(
        f"  再次写到语料中已有事项的 {rewrites} 次登记：同一事项的既有线索列出 "
        f"{same_found}/{same_total} = {same_found / max(same_total, 1):.3f}；其中人员"
        f"未关联（仅凭文字）的 {text_found}/{text_total} = "
        f"{text_found / max(text_total, 1):.3f}"
    )
    precision, recall, count, errors = result["pr"]
    load_s, eval_s = result["pr_seconds"]
    print(
        f"标注集 {count} 条叠加在语料之上：precision {precision:.3f}，recall "
        f"{recall:.3f}（检查 {eval_s / count * 1000:.1f} ms/条）"
    )
    for e in errors:
        print("   ", e)


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------


def run_one(kind: str, args) -> None:
    """In the child process whose environment names the database."""
    home = Path(env_for(kind)["XIETONG_HOME"])
    marker = home / "bench-clues.json"
    want = {
        "clues": args.clues,
        "seed": args.seed,
        "scale": args.scale,
        "corpus": CORPUS_VERSION,
        "keys": _signature_keys(),
    }
    info = json.loads(marker.read_text()) if marker.exists() else {}
    fresh = {k: info.get(k) for k in want} == want and (
        kind == "sqlite" or _pg_exists()
    )
    if fresh:
        print(f"[{kind}] 复用已生成的语料（{home}）", flush=True)
    else:
        build(kind, args, marker, want)
        info = json.loads(marker.read_text())
    if args.build_only:
        return
    import django

    django.setup()
    from xietong.clues.models import Clue

    info["clues_in_db"] = Clue.objects.count()
    report(measure(kind, args, info), info)


def _signature_keys() -> int:
    from xietong.clues import matching

    return matching.SIGNATURE_KEYS


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--clues", type=int, default=1_000_000)
    ap.add_argument("--registrations", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument(
        "--warm-checks",
        type=int,
        default=200,
        help="先对语料中随机线索做的相关检查次数（不计时，如同已运行的服务器）",
    )
    ap.add_argument("--scale", type=float, default=5)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--build-only", action="store_true", help="只生成语料，不测量")
    ap.add_argument(
        "--sqlite-pragma",
        default="",
        help="测量前在 SQLite 连接上执行的 PRAGMA（如 PRAGMA wal_autocheckpoint=0）",
    )
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        run_one(args.db, args)
        return
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    for kind in kinds:
        cmd = [sys.executable, __file__, "--child", "--db", kind]
        for opt in ("clues", "registrations", "warmup", "warm_checks", "scale", "seed"):
            cmd += [f"--{opt.replace('_', '-')}", str(getattr(args, opt))]
        if args.build_only:
            cmd.append("--build-only")
        if args.sqlite_pragma:
            cmd += ["--sqlite-pragma", args.sqlite_pragma]
        subprocess.run(cmd, env=env_for(kind), check=True)


if __name__ == "__main__":
    main()
