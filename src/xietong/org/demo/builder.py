"""Generates the demo province phase by phase: the shared builder state and ``build_demo``."""

from __future__ import annotations

import random
import time

from django.db import transaction

from xietong.core.errors import ValidationError

from ..models import Region, Unit
from .accounts import DemoAccount, build_accounts, demo_exists
from .persons import build_persons
from .places import build_regions
from .units import Level, build_units, build_zones


class DemoBuilder:
    """What the generation phases share: random streams, the rows so far and counts."""

    # Set by build_regions.
    province: Region
    cities: list[Region]
    counties: list[Region]
    townships: list[Region]
    township_kind: dict[str, str]  # township code -> 街道/镇/乡
    villages: list[Region]
    # Set by build_units.
    levels: dict[str, Level]  # region code -> province, city or county level
    city_levels: list[Level]
    county_levels: list[Level]
    township_commissions: dict[str, list[Unit]]  # by county code
    units_by_kind: dict[str, int]
    # Set by build_persons.
    used_ids: set[str]
    used_phones: set[str]
    all_birth_codes: tuple[str, ...]
    place_names: dict[str, str]
    people: list[tuple]  # light per-person records for linking relatives

    def __init__(self, *, scale: float, seed: int, log):
        self.scale = scale
        self.seed = seed
        self.log = log
        master = random.Random(seed)
        # One stream per phase, so the structure does not shift when the person count changes.
        self.rng_regions = random.Random(master.getrandbits(64))
        self.rng_units = random.Random(master.getrandbits(64))
        self.rng_persons = random.Random(master.getrandbits(64))
        self.rng_accounts = random.Random(master.getrandbits(64))
        self.started = time.monotonic()
        self.units: list[Unit] = []
        self.supervised: list[tuple[Unit, Region]] = []
        self.hosts: list[tuple[Unit, Unit]] = []
        self.usccs: set[str] = set()
        self.counts: dict[str, int] = {}

    def elapsed(self) -> str:
        """Time since the generation started, for the progress log."""
        return f"{time.monotonic() - self.started:.1f} 秒"


def build_demo(*, scale: float = 1, seed: int = 2026, log=print) -> list[DemoAccount]:
    """Generate the demo province into an empty database; returns the demo logins.

    ``scale`` multiplies the number of supervised persons (21,600 at 1); below 1 it also
    thins out townships, for fast tests. Everything is written in one transaction.
    """
    from xietong.audit.models import Action
    from xietong.audit.services import audit_record
    from xietong.workdays.services import calendar_load_shipped

    if not scale or scale <= 0:
        raise ValidationError("规模倍数必须大于 0。", fields={"scale": "必须大于 0"})
    if demo_exists():
        raise ValidationError("演示省份已存在，请先清空数据库再重新生成。")
    builder = DemoBuilder(scale=scale, seed=seed, log=log)
    log(f"开始生成演示省份（规模 {scale:g}，随机种子 {seed}）…")
    with transaction.atomic():
        build_regions(builder)
        build_units(builder)
        build_zones(builder)
        build_persons(builder)
        years = calendar_load_shipped(actor=None)
        log(
            f"载入工作日历：{'、'.join(map(str, years)) or '已存在，未重复载入'}（{builder.elapsed()}）"
        )
        c = builder.counts
        audit_record(
            actor=None,
            action=Action.IMPORT,
            object_type="org.demo",
            object_repr="演示省份数据",
            summary={
                "规模": scale,
                "随机种子": seed,
                "行政区划": c["regions"],
                "单位": c["units"],
                "监督单位": c["supervising_units"],
                "联动协作区": c["zones"],
                "协作组": c["groups"],
                "监督对象": c["persons"],
                "任职经历": c["postings"],
                "亲属": c["relatives"],
            },
        )
        accounts = build_accounts(builder)
    log(f"演示省份生成完毕（共 {builder.elapsed()}）")
    return accounts
