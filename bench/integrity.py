"""党风廉政意见回复 at the size of one real vetting round (竹溪: 550 persons in one batch).

``bench_integrity_batch(n=550, repeat=5)`` builds ``n`` persons in the current database
through the services — one in ten under an active sanction, one in seven with an open clue —
then times submitting the list (with the bulk proposals), rendering the commission's page
of the batch, confirming it and exporting the reply, ``repeat`` times, and returns the medians. Everything it writes is rolled back at the
end unless ``keep=True``. It prints nothing and asserts nothing: ``bench/run.py`` reports it.

Django must be set up (``DJANGO_SETTINGS_MODULE``) before calling it.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time


class _Rollback(Exception):
    pass


def _world(stamp: str):
    """A county with its commission, offices, a supervised unit and a 组织部 liaison: the
    existing 金水区 when the database has one, else built from scratch."""
    from xietong.access.roles import Role
    from xietong.access.services import account_create
    from xietong.org.models import Region, Unit, UnitKind
    from xietong.org.services import region_create, unit_create

    def region(code, name):
        return Region.objects.filter(code=code).first() or region_create(
            actor=None, code=code, name=name
        )

    region("410000", "河南省")
    region("410100", "郑州市")
    county = region("410105", "金水区")
    commission = Unit.objects.filter(kind=UnitKind.COMMISSION, region=county).first()
    if commission is None:
        commission = unit_create(
            actor=None,
            name="金水区纪委监委",
            kind=UnitKind.COMMISSION,
            region=county,
            supervised_regions=[county],
        )

    def office(kind, name):
        return Unit.objects.filter(kind=kind, parent=commission).first() or unit_create(
            actor=None, name=name, kind=kind, region=county, parent=commission
        )

    cases = office(UnitKind.CASE_MANAGEMENT, "金水区纪委监委案件监督管理室")
    supervision = office(UnitKind.SUPERVISION_OFFICE, "金水区纪委监委第一监督检查室")
    target = unit_create(
        actor=None,
        name=f"基准测试局{stamp}",
        kind=UnitKind.GOV_DEPARTMENT,
        region=county,
    )
    org_dept = unit_create(
        actor=None,
        name=f"金水区委组织部（基准{stamp}）",
        kind=UnitKind.PARTNER,
        region=county,
        partner_kind="organisation",
    )

    def user(unit, role):
        return account_create(
            actor=None,
            username=f"bench_{role}_{stamp}",
            full_name="基准测试",
            unit=unit,
            password="Bench@Pass2026",
            roles=(role,),
        )

    return {
        "unit": target,
        "registrar": user(cases, Role.CASE_MANAGER),
        "handler": user(supervision, Role.HANDLER),
        "leader": user(commission, Role.LEADER),
        "liaison": user(org_dept, Role.PARTNER_LIAISON),
    }


def _persons(w, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """``n`` registry persons; every tenth under sanction, every seventh with an open clue."""
    from xietong.clues import services
    from xietong.clues.services.common import clue_transition
    from xietong.core.errors import ValidationError
    from xietong.core.identifiers import make_id_number
    from xietong.org.services import person_create

    today = dt.date.today()
    received = today - dt.timedelta(days=60)
    effective = today - dt.timedelta(days=20)
    rows = []
    while len(rows) < n:
        i = len(rows)
        number = make_id_number(
            "410105",
            dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(12_000)),
            rng.randrange(1, 1000),
        )
        name = f"基准干部{i:04d}"
        try:
            person = person_create(
                actor=None,
                name=name,
                id_number=number,
                unit=w["unit"],
                position="科员",
                management_level="county",
            )
        except ValidationError:  # an ID number already taken: draw another
            continue
        rows.append((name, number))
        if i % 10 == 0 or i % 7 == 0:
            clue = services.clue_register(
                actor=w["registrar"],
                source="petition",
                received_date=received,
                summary=f"反映{name}违规收受管理服务对象礼金（基准测试 {i}）",
                subjects=[services.SubjectInput(person=person)],
            )
        if i % 10 == 0:
            clue_transition(actor=w["handler"], clue=clue, event="propose")
            clue_transition(
                actor=w["leader"], clue=clue, event="approve", method="case"
            )
            services.outcome_record(
                actor=w["handler"],
                clue=clue,
                subject=clue.subjects.get(),
                form=2,
                conclusion="给予党内警告处分",
                decided_date=effective,
                sanctions=[services.SanctionInput("party_warning", effective)],
            )
            clue_transition(actor=w["handler"], clue=clue, event="conclude")
    return rows


def bench_integrity_batch(
    n: int = 550, repeat: int = 5, *, seed: int = 2026, keep: bool = False
) -> dict:
    """Median seconds to submit ``n`` persons, confirm and export the reply; the number of
    queries one submission takes; the proposal counts."""
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from xietong.clues import services
    from xietong.clues.selectors_outcomes import integrity_reply_table
    from xietong.core.exports import xlsx_bytes

    stamp = f"{time.time_ns() % 10**10:010d}"
    result: dict = {}
    try:
        with transaction.atomic():
            t0 = time.perf_counter()
            w = _world(stamp)
            rows = _persons(w, n, random.Random(seed))
            result["setup_seconds"] = round(time.perf_counter() - t0, 2)
            submit, confirm, export, queries, pages = [], [], [], [], []
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(w["registrar"])
            for r in range(repeat):
                t = time.perf_counter()
                with CaptureQueriesContext(connection) as ctx:
                    batch = services.integrity_batch_submit(
                        actor=w["liaison"], purpose=f"基准测试第{r + 1}批", rows=rows
                    )
                submit.append(time.perf_counter() - t)
                queries.append(len(ctx.captured_queries))
                # The commission's page: 550 rows with their proposals and reply fields.
                t = time.perf_counter()
                resp = client.get(reverse("clues:integrity_batch", args=[batch.pk]))
                pages.append(time.perf_counter() - t)
                assert resp.status_code == 200, resp.status_code
                t = time.perf_counter()
                services.integrity_batch_confirm(actor=w["registrar"], batch=batch)
                confirm.append(time.perf_counter() - t)
                t = time.perf_counter()
                for side in (True, False):
                    headers, table = integrity_reply_table(batch, for_commission=side)
                    xlsx_bytes("党风廉政意见回复", headers, table)
                export.append(time.perf_counter() - t)
            proposals = {
                v: batch.entries.filter(proposal=v).count()
                for v in ("none", "defer", "objection")
            }
            result.update(
                persons=n,
                repeat=repeat,
                submit_median_s=round(statistics.median(submit), 4),
                confirm_median_s=round(statistics.median(confirm), 4),
                export_median_s=round(statistics.median(export), 4),
                page_median_s=round(statistics.median(pages), 4),
                submit_queries=max(queries),
                proposals=proposals,
            )
            if not keep:
                raise _Rollback
    except _Rollback:
        pass
    return result


if __name__ == "__main__":  # python bench/integrity.py (settings from the environment)
    import json
    import os
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xietong.settings.demo")
    import django

    django.setup()
    print(json.dumps(bench_integrity_batch(), ensure_ascii=False, indent=2))
