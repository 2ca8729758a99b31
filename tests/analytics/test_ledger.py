"""The hit ledger: hits per model and month, per region, precision from triage, the
SVG charts and the .xlsx export; and the evidence reader on its own."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
from django.urls import reverse
from django.utils import timezone

from xietong.analytics import charts, selectors
from xietong.analytics.evidence import mask_key, read_evidence_rows
from xietong.analytics.models import Hit
from xietong.analytics.services import hit_triage, model_run_execute
from xietong.audit.models import Action, AuditEntry

from .matrix_hits import import_death_payments, make_hit
from .support import analyst, id_number


def _at(day: dt.date):
    """Run the real services as if on ``day`` (hits record when they were found)."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    return mock.patch("django.utils.timezone.now", lambda: moment)


def _ledger_world(world):
    """County a: two hits found in 2026-09 and one in 2026-11; one of the September
    hits turned into a clue, the other dismissed. County b: one hit."""
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    with _at(dt.date(2026, 9, 10)):
        import_death_payments(
            actor, unit, [(id_number(300), "甲"), (id_number(301), "乙")], prefix="S"
        )
        model_run_execute(actor=actor, model="death_payment", unit=unit)
    september = list(Hit.objects.filter(unit=unit).order_by("pk"))
    with _at(dt.date(2026, 11, 20)):
        import_death_payments(actor, unit, [(id_number(302), "丙")], prefix="N")
        model_run_execute(actor=actor, model="death_payment", unit=unit)
    hit_triage(actor=actor, hit=september[0], decision="to_clue", reason="")
    hit_triage(actor=actor, hit=september[1], decision="dismissed", reason="补发")
    make_hit(world, "b")
    return actor


def test_ledger_counts_per_model_month_region_and_precision(world):
    actor = _ledger_world(world)

    ledger = selectors.hit_ledger(viewer=actor, date_to=dt.date(2026, 11, 30))

    assert ledger.months[0] == "2025-12" and ledger.months[-1] == "2026-11"
    assert ledger.total == 3
    line = next(m for m in ledger.models if m.key == "death_payment")
    assert line.months[-3:] == [2, 0, 1] and sum(line.months) == 3
    assert line.statuses == {"to_clue": 1, "dismissed": 1, "new": 1}
    assert (line.triaged, line.positive, line.precision) == (2, 1, 0.5)
    idle = next(m for m in ledger.models if m.key == "split_purchase")
    assert idle.total == 0 and idle.precision is None
    assert [(r.name, r.counts, r.total) for r in ledger.regions] == [
        ("金水区", {"death_payment": 3}, 3)
    ]

    september = selectors.hit_ledger(
        viewer=actor, date_from=dt.date(2026, 9, 1), date_to=dt.date(2026, 9, 30)
    )
    assert september.total == 2
    other_unit = selectors.hit_ledger(viewer=actor, unit=world.units["a_edu"].pk)
    assert other_unit.total == 0


def test_ledger_page_draws_charts_and_shows_precision(client, world):
    actor = _ledger_world(world)
    client.force_login(actor)

    resp = client.get(reverse("analytics:ledger"), {"date_to": "2026-11-30"})

    text = resp.content.decode()
    assert resp.status_code == 200
    assert text.count("<svg") == 8  # one column chart per model and the precision
    assert "http" not in text.split("<svg", 1)[1].split("</main>")[0]
    assert "50.0%" in text and "1/2" in text
    assert "—（未研判）" in text  # models without triaged hits
    assert "金水区" in text and "中原区" not in text
    resp = client.get(reverse("analytics:ledger"), {"date_from": "9月"})
    assert "不是有效日期" in resp.content.decode()


def test_ledger_export_has_four_sheets_and_is_audited(client, world):
    actor = _ledger_world(world)
    client.force_login(actor)

    resp = client.get(
        reverse("analytics:ledger"), {"date_to": "2026-11-30", "export": "xlsx"}
    )

    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(resp.content), read_only=True)
    assert wb.sheetnames == ["台账明细", "按模型按月", "按地区", "精准率"]
    detail = list(wb["台账明细"].iter_rows(values_only=True))
    assert len(detail) == 4 and detail[0][0] == "发现时间"
    assert {r[4] for r in detail[1:]} == {"甲", "乙", "丙"}
    assert not any(id_number(300) in str(c) for r in detail for c in r)
    by_month = {r[0]: r for r in wb["按模型按月"].iter_rows(values_only=True)}
    assert by_month["模型"][1] == "2025-12" and by_month["死亡冒领"][-4:] == (
        2,
        0,
        1,
        3,
    )
    regions = list(wb["按地区"].iter_rows(values_only=True))
    assert regions[1] == ("金水区", 3, 3)
    precision = {r[0]: r for r in wb["精准率"].iter_rows(values_only=True)}
    assert precision["死亡冒领"][-1] == 0.5 and precision["化整为零"][-1] == "—"
    entry = AuditEntry.objects.get(action=Action.EXPORT)
    assert entry.actor_id == actor.pk and "3" in entry.summary


def test_ledger_api_gives_the_page_figures(client, world):
    actor = _ledger_world(world)
    client.force_login(actor)

    body = client.get("/api/analytics/ledger", {"date_to": "2026-11-30"}).json()

    expected = selectors.ledger_as_dict(
        selectors.hit_ledger(viewer=actor, date_to=dt.date(2026, 11, 30))
    )
    assert body == expected
    line = next(m for m in body["models"] if m["key"] == "death_payment")
    assert line["precision"] == 0.5 and line["statuses"]["to_clue"] == 1
    resp = client.get("/api/analytics/ledger", {"date_to": "x"})
    assert resp.status_code in (400, 422)


def test_charts_scale_and_escape():
    svg = charts.column_chart([0, 3, 7], ["<a>", "b", "c"], title="t&t")
    assert "&lt;a&gt;" in svg and "t&amp;t" in svg and "<a>" not in svg
    assert ">10<" in svg  # 7 rounds up to a scale of 10
    bars = charts.ratio_bars([("模型", None, "—"), ("另一个", 0.25, "25%")], title="p")
    assert bars.count("<rect") == 3  # two tracks, one filled bar


def test_evidence_reader_matches_full_row_keys(tmp_path):
    path = tmp_path / "vehicles.parquet"
    start = dt.datetime(2026, 3, 1, 22, 30)
    pq.write_table(
        pa.table(
            {
                "plate": ["豫A12345", "豫A12345", "豫B00001"],
                "unit_name": ["教育局"] * 3,
                "start_time": [start, start + dt.timedelta(hours=1), start],
                "purpose": [None, "接待", None],
            }
        ),
        path,
    )

    found = read_evidence_rows(
        [path, tmp_path / "gone.parquet"],
        "vehicles_use",
        ["豫A12345|2026-03-01 22:30:00", "豫C99999|2026-03-01 22:30:00"],
    )

    assert list(found) == ["豫A12345|2026-03-01 22:30:00"]
    assert found["豫A12345|2026-03-01 22:30:00"][0]["start_time"] == start
    assert mask_key("payroll", "U1|410105197503091000|2026-03") == (
        "U1|410105********1000|2026-03"
    )
