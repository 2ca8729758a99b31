"""Need-to-know matrix rows of the analytics hits pages and endpoints, with their
targets, bodies and checks (merged into ``tests/access/test_policy_matrix.py``).

Hits are made the real way: a death register and a payment file imported into a
county's commission, then the 死亡冒领 model run over them.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from tests.analytics.support import write_csv
from tests.factories import account
from xietong.access.policies import ANALYTICS_VIEW_ROLES
from xietong.access.roles import Role
from xietong.analytics.models import Hit, HitStatus
from xietong.analytics.services import dataset_import, model_run_execute
from xietong.audit.models import Action, AuditEntry
from xietong.core.crypto import field_cipher

TARGETS: frozenset[str] = frozenset({"hit"})
ANALYSTS = frozenset({Role.ANALYST})
LOOKERS = ANALYTICS_VIEW_ROLES - ANALYSTS  # see hits, may not triage them


def import_death_payments(actor, unit, people, *, prefix="P", days_after=40):
    """Import deaths of ``people`` ((id_number, name) pairs, dead 2026-01-05) and a
    pension paid to each ``days_after`` days later, into ``unit``'s datasets."""
    folder = Path(tempfile.mkdtemp(prefix="hits-"))
    death = dt.date(2026, 1, 5)
    paid = death + dt.timedelta(days=days_after)
    deaths = write_csv(
        folder / "deaths.csv",
        ["身份证号", "姓名", "死亡日期"],
        [[number, name, death.isoformat()] for number, name in people],
    )
    payments = write_csv(
        folder / "payments.csv",
        ["发放流水号", "项目", "收款人姓名", "身份证号", "金额", "发放日期"],
        [
            [f"{prefix}{i:03d}", "养老", name, number, "300", paid.isoformat()]
            for i, (number, name) in enumerate(people, start=1)
        ],
    )
    dataset_import(actor=actor, kind="deaths", path_or_file=deaths, unit=unit)
    dataset_import(actor=actor, kind="payments", path_or_file=payments, unit=unit)


def person_number(person) -> str:
    return field_cipher().decrypt(person.id_number_enc)


def make_hit(world, county: str = "a") -> Hit:
    """A 死亡冒领 hit of ``county``'s commission about its 教育局局长 (a person of
    the registry, so the hit links to an integrity archive)."""
    unit = world.units[f"{county}_commission"]
    analyst = account(unit, Role.ANALYST)
    person = world.persons[f"{county}_edu_head"]
    import_death_payments(
        analyst, unit, [(person_number(person), person.name)], prefix=f"{county}-P"
    )
    run = model_run_execute(actor=analyst, model="death_payment", unit=unit)
    assert run.status == "done", run.error
    return Hit.objects.get(unit=unit, last_run=run)


def target(name: str, ctx, scope):
    """The record a row with ``target=name`` is called on, in or out of reach."""
    if name != "hit":
        raise KeyError(name)
    return make_hit(ctx.world, "a" if scope == "in" else "b")


# --- checks ---------------------------------------------------------------------------------


def _text(resp) -> str:
    return resp.content.decode("utf-8", errors="replace")


def _only_county_a_hits(ctx, resp):
    text = _text(resp)
    assert "张建国" in text and "刘洋" not in text


def check_hit_page(ctx, resp):
    text = _text(resp)
    assert "张建国" in text and "发放流水号" in text and "a-P001" in text
    number = person_number(ctx.world.persons["a_edu_head"])
    assert number not in text  # masked without the grant's explicit view


def check_hit_revealed(ctx, resp):
    number = person_number(ctx.world.persons["a_edu_head"])
    assert number in _text(resp)
    assert AuditEntry.objects.filter(
        action=Action.VIEW_SENSITIVE, actor_id=ctx.user.pk, object_type="analytics.hit"
    ).exists()


def check_dismissed(ctx, resp):
    hit = Hit.objects.get(unit=ctx.world.units["a_commission"])
    assert hit.status == HitStatus.DISMISSED and hit.triaged_by_id == ctx.user.pk
    assert hit.triage_reason == "矩阵：已核实"


def check_api_hits(ctx, resp):
    names = {h["subject_name"] for h in resp.json()["items"]}
    assert names == {"张建国"}


def check_api_hit(ctx, resp):
    body = resp.json()
    assert body["subject_name"] == "张建国"
    rows = {t["dataset"]: t["rows"] for t in body["evidence"]}
    assert rows["payments"][0]["payment_id"] == "a-P001"


def check_api_ledger(ctx, resp):
    body = resp.json()
    line = next(m for m in body["models"] if m["key"] == "death_payment")
    assert body["total"] == 1 and line["total"] == 1


def check_ledger_export(ctx, resp):
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(resp.content), read_only=True)
    assert wb.sheetnames == ["台账明细", "按模型按月", "按地区", "精准率"]
    cells = {str(c) for row in wb["台账明细"].iter_rows(values_only=True) for c in row}
    assert "张建国" in cells and "刘洋" not in cells


def rows(m) -> dict:
    """Matrix rows: ``m`` is the matrix module (Endpoint, scoped, only, _url…)."""
    view = frozenset(ANALYTICS_VIEW_ROLES)

    def both(path):
        def url(ctx, t):
            make_hit(ctx.world, "a")
            make_hit(ctx.world, "b")
            return path

        return url

    triage = m.scoped(ANALYSTS, ok=302, denied_roles=LOOKERS)
    return {
        "analytics:hits": m.Endpoint(
            "analytics:hits",
            "get",
            m.only(view),
            both("/analytics/hits/"),
            check=_only_county_a_hits,
        ),
        "analytics:hit": m.Endpoint(
            "analytics:hit",
            "get",
            m.in_reach(view),
            m._url("analytics:hit", m.pk_of),
            target="hit",
            check=check_hit_page,
        ),
        "analytics:hit?reveal=1[granted]": m.Endpoint(
            "analytics:hit",
            "get",
            m.in_reach(view),
            m._url("analytics:hit", m.pk_of, query="?reveal=1"),
            target="hit",
            grant=True,
            check=check_hit_revealed,
        ),
        "analytics:hit_triage": m.Endpoint(
            "analytics:hit_triage",
            "post",
            triage,
            m._url("analytics:hit_triage", m.pk_of),
            target="hit",
            data=lambda ctx, t: {"decision": "dismissed", "reason": "矩阵：已核实"},
            check=check_dismissed,
        ),
        "analytics:hits_dismiss": m.Endpoint(
            "analytics:hits_dismiss",
            "post",
            triage,
            m._url("analytics:hits_dismiss"),
            target="hit",
            data=lambda ctx, t: {"ids": [t.pk], "reason": "矩阵：已核实"},
            check=check_dismissed,
        ),
        "analytics:ledger": m.Endpoint(
            "analytics:ledger",
            "get",
            m.only(view),
            both("/analytics/ledger/"),
        ),
        "analytics:ledger?export=xlsx": m.Endpoint(
            "analytics:ledger",
            "get",
            m.only(view),
            both("/analytics/ledger/?export=xlsx"),
            export=True,
            check=check_ledger_export,
        ),
        "api:analytics_hits": m.Endpoint(
            "api:analytics_hits",
            "get",
            m.only(view),
            both("/api/analytics/hits"),
            openapi=("get", "/api/analytics/hits"),
            check=check_api_hits,
        ),
        "api:analytics_hit": m.Endpoint(
            "api:analytics_hit",
            "get",
            m.in_reach(view),
            lambda ctx, t: f"/api/analytics/hits/{t.pk}",
            target="hit",
            openapi=("get", "/api/analytics/hits/{hit_id}"),
            check=check_api_hit,
        ),
        "api:analytics_hit_triage": m.Endpoint(
            "api:analytics_hit_triage",
            "post",
            m.scoped(ANALYSTS, denied_roles=LOOKERS),
            lambda ctx, t: f"/api/analytics/hits/{t.pk}/triage",
            target="hit",
            data=lambda ctx, t: {"decision": "dismissed", "reason": "矩阵：已核实"},
            json_body=True,
            openapi=("post", "/api/analytics/hits/{hit_id}/triage"),
            check=check_dismissed,
        ),
        "api:analytics_ledger": m.Endpoint(
            "api:analytics_ledger",
            "get",
            m.only(view),
            both("/api/analytics/ledger"),
            openapi=("get", "/api/analytics/ledger"),
            check=check_api_ledger,
        ),
    }
