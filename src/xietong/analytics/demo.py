"""Demo big-data supervision for the demo province: the county commission's datasets,
a run of the whole catalogue and a triaged ledger — all through the real services.

The ten standard datasets come from the engine's synthetic generator (with its dirty
cells, a GBK payroll file and planted anomalies of every model). On top of them the
demo adds a 干部名册 of real persons of the county and a few 低保 payments to two of
them, so that a 优亲厚友 hit opens straight onto a person archive of the demo.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from pathlib import Path

from django.utils import timezone

from xietong.access.models import User
from xietong.access.policies import person_units, supervising_root
from xietong.analytics.engine import DATASETS
from xietong.analytics.engine.synth import generate
from xietong.core.crypto import field_cipher
from xietong.org.models import Person

from .jobs import Worker
from .models import Dataset, Hit, HitStatus, ScheduleEvery
from .services import dataset_import, hit_triage, model_run_enqueue, model_run_execute
from .services.custom_models import custom_model_save
from .services.schedules import schedule_create

DEMO_SCALE = 0.001
DISMISS_REASONS = {
    "death_payment": "经与民政部门核对，该笔资金为死亡前应发未发的补发款，符合规定。",
    "relative_welfare": "经核实，领取人系同名同姓的另一人，与公职人员无亲属关系。",
    "supplier_conflict": "经查，该股东已于合同签订前转让全部股权，工商登记未及时变更。",
    "split_purchase": "经查，两份合同分属不同预算项目，已分别履行审批程序。",
    "double_payroll": "经核实，系人员调动当月两单位工资交接，已追回多发部分。",
    "duplicate_payment": "经与代发银行核对，第二笔为退票后重新发放，未重复到账。",
    "vehicle_misuse": "经查，出车系节假日应急值班保障任务，已补录用车事由。",
}


def _official_rows(analyst: User, rng: random.Random) -> list[dict]:
    """Persons of the county's own units, as the 组织部 roster would list them."""
    persons = list(
        Person.objects.filter(unit_id__in=person_units(analyst).values("pk"))
        .exclude(id_number_enc="")
        .select_related("unit")
        .order_by("id")[:400]
    )
    chosen = rng.sample(persons, min(12, len(persons)))
    cipher = field_cipher()
    return [
        {
            "身份证号": cipher.decrypt(p.id_number_enc),
            "姓名": p.name,
            "单位名称": p.unit.name,
            "职务": p.position or "科员",
        }
        for p in chosen
    ]


def _write(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def build_analytics(*, seed: int = 2026, log=print) -> int:
    """Import, run and triage the county commission's demo data; returns the hits."""
    analyst = User.objects.filter(username="xian_analyst").first()
    if analyst is None or Dataset.objects.exists():
        return 0
    unit = supervising_root(analyst.unit)
    rng = random.Random(f"{seed}:analytics")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        truth = generate(folder / "synth", scale=DEMO_SCALE, seed=seed)
        rows = 0
        for kind, files in truth.raw_files.items():
            for i, entry in enumerate(files):
                version = dataset_import(
                    actor=analyst,
                    kind=kind,
                    path_or_file=folder / "synth" / "raw" / entry["file"],
                    unit=unit,
                    name=None if i == 0 else f"{DATASETS[kind].label}（{i + 1}）",
                    period_start=dt.date(2026, 1, 1),
                    period_end=dt.date(2026, 10, 31),
                )
                rows += version.rows
        officials = _official_rows(analyst, rng)
        dataset_import(
            actor=analyst,
            kind="officials",
            path_or_file=_write(folder / "干部名册.csv", officials),
            unit=unit,
            name="县管干部名册（组织部）",
        )
        payments = [
            {
                "流水号": f"DB2026{seq:06d}",
                "项目名称": "低保",
                "领取人姓名": person["姓名"],
                "领取人身份证号": person["身份证号"],
                "银行账号": f"622848{rng.randrange(10**12):012d}",
                "发放金额": "680.00",
                "发放日期": f"2026-{month:02d}-15",
            }
            for seq, (person, month) in enumerate(
                ((officials[0], 3), (officials[0], 4), (officials[1], 6)), start=1
            )
        ]
        dataset_import(
            actor=analyst,
            kind="payments",
            path_or_file=_write(folder / "低保发放补录.csv", payments),
            unit=unit,
            name="最低生活保障金发放（民政局补录）",
        )
    run = model_run_execute(actor=analyst, model="all", unit=unit)
    log(
        f"演示数据集 {rows + len(officials) + len(payments)} 行，预警 {run.hits_new} 条"
    )
    _triage(analyst, rng)
    custom_hits = _custom_model(analyst, unit)
    first = timezone.localtime().replace(day=1, hour=2, minute=0, second=0)
    schedule_create(
        actor=analyst,
        model="all",
        unit=unit,
        every=ScheduleEvery.MONTHLY,
        first_run_at=(first + dt.timedelta(days=32)).replace(day=1, microsecond=0),
    )
    return run.hits_new + custom_hits


CUSTOM_SQL = """\
-- 同一银行账号在同一天收到多个项目的补贴
select bank_account, pay_date,
       count(distinct program) as programs,
       sum(amount) as total,
       min(payee_name) as name
from payments
where bank_account is not null
group by bank_account, pay_date
having count(distinct program) >= $min_programs
"""


def _custom_model(analyst: User, unit) -> int:
    """A shared custom model of the county's analysts, run once through the job queue."""
    model = custom_model_save(
        actor=analyst,
        unit=unit,
        name="一账号同日多项补贴",
        description="同一银行账号在同一天收到两个以上不同项目的补贴资金，可能重复享受或被冒领。",
        sql=CUSTOM_SQL,
        params=[
            {
                "name": "min_programs",
                "label": "最少项目数",
                "type": "int",
                "default": 2,
                "min": 2,
                "max": 10,
            }
        ],
        reason_template=(
            "银行账号 {bank_account} 于 {pay_date} 收到 {programs} 个项目补贴，"
            "合计 {total} 元。"
        ),
        shared=True,
    )
    run = model_run_enqueue(
        actor=analyst, model="custom", unit=unit, custom_model=model, params={}
    )
    Worker(poll=0).run_until_empty()
    run.refresh_from_db()
    return run.hits_new


def _triage(analyst: User, rng: random.Random) -> None:
    """Leave a realistic ledger: some hits decided each way, most still to be judged."""
    hits = list(Hit.objects.order_by("model", "id"))
    by_model: dict[str, list[Hit]] = {}
    for hit in hits:
        by_model.setdefault(hit.model, []).append(hit)
    decisions = (
        HitStatus.TO_CLUE,
        HitStatus.TO_PROBLEM,
        HitStatus.DISMISSED,
        HitStatus.TO_RISK,
    )
    for model, group in by_model.items():
        for i, hit in enumerate(group[: 3 if model != "relative_welfare" else 1]):
            decision = decisions[(i + len(model)) % len(decisions)]
            reason = (
                DISMISS_REASONS.get(model, "经核实，不属于违规情形。")
                if decision == HitStatus.DISMISSED
                else "经初步核查，情况基本属实，建议按程序处置。"
            )
            hit_triage(actor=analyst, hit=hit, decision=decision, reason=reason)
