"""Benchmarks: page latency and server memory over the demo province at scale 10; clue
registration with the related-clue check at 1,000,000 clues (``bench/clues.py``); the
党风廉政意见回复 batch of 550 persons (``bench/integrity.py``); the big-data supervision
models over a synthetic province of 20,000,000 payments (``bench/analytics.py``).

Usage: ``make bench`` (everything), or ``python bench/run.py
--only pages|clues|integrity|analytics|all [--scale 10] [--requests 200]
[--clues 1000000] [--registrations 200] [--analytics-scale 1.0]``.
Builds the demo province once into ``bench/out/`` (reused while the scale and seed match),
starts the real server (gunicorn, 2 workers, as ``xietong serve``), logs in as demo accounts
and measures each page sequentially from one client. Prints p50/p95 per page and the peak
resident memory of the server processes. It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
PASSWORD = "Xietong@2026"


def env_for(home: Path) -> dict:
    env = dict(os.environ)
    env["XIETONG_HOME"] = str(home)
    env["DJANGO_SETTINGS_MODULE"] = "xietong.settings.demo"
    return env


def ensure_demo(home: Path, scale: float, seed: int) -> None:
    marker = home / "bench-demo.json"
    want = {
        "scale": scale,
        "seed": seed,
        "db": os.environ.get("DATABASE_URL", "sqlite"),
    }
    if marker.exists() and json.loads(marker.read_text()) == want:
        print(f"复用已生成的演示数据：{home}（scale={scale}）")
        return
    home.mkdir(parents=True, exist_ok=True)
    print(f"生成演示省份 scale={scale} …（首次运行需要几分钟）", flush=True)
    t0 = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "xietong"),
            "demo",
            "--scale",
            str(scale),
            "--seed",
            str(seed),
            "--reset",
        ],
        env=env_for(home),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"生成完成，用时 {time.perf_counter() - t0:.0f} 秒")
    marker.write_text(json.dumps(want))


def start_server(
    home: Path, port: int, extra_env: dict | None = None
) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(BIN / "xietong"), "serve", "--port", str(port), "--workers", "2"],
        env={**env_for(home), **(extra_env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(300):
        try:
            if (
                requests.get(f"http://127.0.0.1:{port}/login/", timeout=1).status_code
                == 200
            ):
                return proc
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("服务器未能启动")


def server_pids(root_pid: int) -> list[int]:
    pids = [root_pid]
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                stat = (p / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == root_pid:
                pids.append(int(p.name))
    return pids


def peak_rss_mb(pids: list[int]) -> tuple[float, float]:
    """(sum of peak RSS over processes, largest single-process peak) in MiB."""
    peaks = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            pass
    return sum(peaks), max(peaks or [0])


def login(base: str, username: str) -> requests.Session:
    s = requests.Session()
    page = s.get(f"{base}/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = s.post(
        f"{base}/login/",
        data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        headers={"Referer": f"{base}/login/"},
        allow_redirects=False,
    )
    if r.status_code != 302:
        raise SystemExit(f"无法以 {username} 登录（{r.status_code}）")
    return s


def measure(session: requests.Session, urls: list[str], n: int) -> list[float]:
    times = []
    for i in range(n + 5):
        url = urls[i % len(urls)]
        t0 = time.perf_counter()
        r = session.get(url)
        dt = (time.perf_counter() - t0) * 1000
        if r.status_code != 200:
            raise SystemExit(f"{url} 返回 {r.status_code}")
        if i >= 5:  # warm-up
            times.append(dt)
    return times


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=BENCHES + ("all",), default="all")
    ap.add_argument("--scale", type=float, default=10)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--port", type=int, default=8799)
    ap.add_argument("--clues", type=int, default=1_000_000)
    ap.add_argument("--registrations", type=int, default=200)
    ap.add_argument("--analytics-scale", type=float, default=1.0)
    args = ap.parse_args()
    wanted = BENCHES if args.only == "all" else (args.only,)
    for name in wanted:
        print(f"\n######## {name} ########", flush=True)
        BENCH_FUNCTIONS[name](args)


def bench_clues(args) -> None:
    """Registration with the related-clue check at 1,000,000 clues, SQLite and PostgreSQL
    (each in its own process: bench/clues.py)."""
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "clues.py"),
            "--db",
            "both",
            "--clues",
            str(args.clues),
            "--registrations",
            str(args.registrations),
        ],
        check=True,
    )


PG_BENCH_URL = os.environ.get(
    "XIETONG_BENCH_PG", "postgres://postgres@127.0.0.1:5432/xietong_bench_integrity"
)


def bench_integrity(args) -> None:
    """党风廉政意见回复: one batch of 550 persons submitted, confirmed and exported, on SQLite
    and PostgreSQL (each in a fresh database of its own; bench/integrity.py)."""
    for kind, url in (("SQLite", None), ("PostgreSQL", PG_BENCH_URL)):
        home = OUT / f"integrity-{kind.lower()}"
        home.mkdir(parents=True, exist_ok=True)
        env = env_for(home)
        if url:
            env["DATABASE_URL"] = url
            _pg_recreate(url)
        else:
            env.pop("DATABASE_URL", None)
            (home / "xietong.sqlite3").unlink(missing_ok=True)
        subprocess.run(
            [str(BIN / "xietong"), "migrate"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        out = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "integrity.py")],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out)
        p = r["proposals"]
        print(
            f"{kind}：{r['persons']} 人一批（重复 {r['repeat']} 次取中位数）"
            f" 提交并生成拟回复 {r['submit_median_s'] * 1000:.0f} ms"
            f"（{r['submit_queries']} 次查询），"
            f"委机关审核页面 {r['page_median_s'] * 1000:.0f} ms，"
            f"确认 {r['confirm_median_s'] * 1000:.0f} ms，"
            f"导出 {r['export_median_s'] * 1000:.0f} ms；"
            f"拟回复 无意见 {p['none']}、暂缓 {p['defer']}、有意见 {p['objection']}",
            flush=True,
        )


def _pg_recreate(url: str) -> None:
    """Drop and create the benchmark's own PostgreSQL database (never the test database)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def bench_pages(args) -> None:
    """Page latency and server memory over the demo province (``--scale``)."""
    kind = (
        "postgresql"
        if os.environ.get("DATABASE_URL", "").startswith("postgres")
        else "sqlite"
    )
    home = OUT / f"scale{args.scale:g}-{kind}"
    ensure_demo(home, args.scale, args.seed)

    # Sample ids straight from the database the server will use.
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.update(env_for(home))
    import django

    django.setup()
    from xietong.access.models import User
    from xietong.access.policies import scope_persons
    from xietong.org.models import Person, Region, Unit

    rng = random.Random(7)
    proc = start_server(home, args.port)
    base = f"http://127.0.0.1:{args.port}"
    results = []
    try:
        for username in ("sheng_case_manager", "xian_handler"):
            user = User.objects.get(username=username)
            persons = list(scope_persons(user).values_list("id", flat=True)[:50000])
            person_ids = rng.sample(persons, min(200, len(persons)))
            busy_units = list(
                scope_persons(user).values_list("unit_id", flat=True).distinct()[:2000]
            )
            unit_ids = rng.sample(busy_units, min(50, len(busy_units)))
            region = Region.objects.filter(parent__isnull=True).first()
            city = Region.objects.filter(parent=region).first()
            s = login(base, username)
            pages = {
                "首页（工作台）": [f"{base}/"],
                "组织机构树": [
                    f"{base}/org/",
                    f"{base}/org/region/{region.pk}/children/",
                    f"{base}/org/region/{city.pk}/children/",
                ],
                "廉政档案": [f"{base}/persons/{pk}/" for pk in person_ids],
                "按单位筛选的人员列表": [f"{base}/persons/?unit={u}" for u in unit_ids],
            }
            for label, urls in pages.items():
                t = measure(s, urls, args.requests)
                results.append(
                    (username, label, statistics.median(t), pct(t, 95), len(t))
                )
        total_peak, worker_peak = peak_rss_mb(server_pids(proc.pid))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)

    # The home page's counts are cached per reach for 60 s; measure them uncached too.
    proc = start_server(home, args.port, {"XIETONG_STATS_CACHE_SECONDS": "0"})
    try:
        for username in ("sheng_case_manager", "xian_handler"):
            s = login(base, username)
            t = measure(s, [f"{base}/"], args.requests)
            results.append(
                (
                    username,
                    "首页（计数不缓存）",
                    statistics.median(t),
                    pct(t, 95),
                    len(t),
                )
            )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)

    n_persons = Person.objects.count()
    n_units = Unit.objects.count()
    print()
    print(
        f"演示省份 scale={args.scale:g}：监督对象 {n_persons}，单位 {n_units}；"
        f"数据库 {os.environ.get('DATABASE_URL', 'SQLite')}；gunicorn 2 进程 × 4 线程；"
        f"单客户端顺序请求，每页 {args.requests} 次（预热 5 次不计）"
    )
    print(f"{'账号':<20}{'页面':<22}{'p50 (ms)':>10}{'p95 (ms)':>10}")
    for user, label, p50, p95, _ in results:
        print(f"{user:<20}{label:<22}{p50:>10.1f}{p95:>10.1f}")
    print(
        f"服务器峰值内存（各进程 VmHWM 之和）：{total_peak:.0f} MiB；单进程峰值 {worker_peak:.0f} MiB"
    )


def bench_analytics(args) -> None:
    """The seven models over the synthetic province (``--analytics-scale``; 1.0 is
    20,000,000 payments): generation, the real importer, DuckDB against hand-written
    queries, the whole catalogue on DuckDB and Spark (bench/analytics.py)."""
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "analytics.py"),
            "--scale",
            str(args.analytics_scale),
        ],
        check=True,
    )


#: The benchmarks ``--only`` may name, in the order ``all`` runs them.
BENCHES = ("pages", "clues", "integrity", "analytics")
BENCH_FUNCTIONS = {
    "pages": bench_pages,
    "clues": bench_clues,
    "integrity": bench_integrity,
    "analytics": bench_analytics,
}

if __name__ == "__main__":
    main()
