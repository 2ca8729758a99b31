"""`xietong data import` and `xietong models run` end to end."""

from __future__ import annotations

import json

import pytest

from xietong.analytics.engine import PRIMARY_DATASET, hit_identity
from xietong.analytics.engine.synth import generate
from xietong.analytics.models import DatasetVersion, Hit
from xietong.cli import main
from xietong.org.models import UnitKind
from xietong.org.services import unit_create

from .support import SCALE, id_number, write_csv


@pytest.fixture
def province(world):
    """The province commission: the default unit of both commands."""
    return unit_create(
        actor=None,
        name="河南省纪委监委",
        kind=UnitKind.COMMISSION,
        region=world.regions["prov"],
        supervised_regions=[world.regions["prov"]],
    )


def _run_json(capsys, *argv) -> list[dict]:
    capsys.readouterr()
    assert main(["models", "run", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_import_then_run_every_model_prints_every_hit_as_json(
    province, tmp_path, capsys
):
    truth = generate(tmp_path, scale=SCALE)
    for kind, files in truth.raw_files.items():
        for i, entry in enumerate(files):
            argv = ["data", "import", kind, str(tmp_path / "raw" / entry["file"])]
            argv += [f"--map={h}={c}" for h, c in truth.raw_headers[kind].items()]
            if i:
                argv += ["--name", f"{kind}-{entry['encoding']}"]
            assert main(argv) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert "已导入 户籍人口（residents）第 1 版：河南省纪委监委" in out
    assert "身份证号全角转半角：" in out and "15位身份证号升位：" in out
    assert "编码 gb18030" in out  # the GBK payroll file

    hits = _run_json(capsys, "--all")

    assert {h["model"] for h in hits} == set(PRIMARY_DATASET)
    for hit in hits:
        assert {"model", "evidence", "reason", "confidence", "subject"} <= set(hit)
        assert PRIMARY_DATASET[hit["model"]] in hit["evidence"]
        assert all(isinstance(v, list) for v in hit["evidence"].values())
    found = {hit_identity(h) for h in hits}
    assert {hit_identity(h) for h in truth.hits} <= found
    death = next(h for h in hits if h["model"] == "death_payment")
    assert set(death["evidence"]) >= {"deaths", "payments"}
    assert len(death["subject"]["id_number"]) == 18  # the console sees it whole

    # A second run prints the same hits (already known), stores no new ones.
    count = Hit.objects.count()
    again = _run_json(capsys, "--all", "--unit", str(province.pk))
    assert [hit_identity(h) for h in again] == [hit_identity(h) for h in hits]
    assert not any(h["new"] for h in again) and all(h["new"] for h in hits)
    assert Hit.objects.count() == count


def test_a_single_model_with_a_parameter_for_a_named_unit(world, tmp_path, capsys):
    unit = world.units["a_commission"]
    person = id_number(31)
    deaths = write_csv(
        tmp_path / "d.csv",
        ["身份证号", "姓名", "死亡日期"],
        [[person, "张伟", "2026-01-05"]],
    )
    payments = write_csv(
        tmp_path / "p.csv",
        ["发放流水号", "项目", "收款人姓名", "身份证号", "金额", "发放日期"],
        [["P9", "低保", "张伟", person, "1,200元", "2026-02-20"]],
    )
    assert main(["data", "import", "deaths", str(deaths), "--unit", unit.name]) == 0
    assert (
        main(["data", "import", "payments", str(payments), "--unit", str(unit.pk)]) == 0
    )

    hits = _run_json(capsys, "death_payment", "--unit", unit.name)
    assert [h["evidence"] for h in hits] == [{"deaths": [person], "payments": ["P9"]}]
    assert hits[0]["subject"] == {"id_number": person, "name": "张伟"}

    assert (
        _run_json(
            capsys, "death_payment", "--unit", unit.name, "--param", "grace_days=60"
        )
        == []
    )

    capsys.readouterr()
    code = main(
        [
            "models",
            "run",
            "death_payment",
            "--unit",
            unit.name,
            "--param",
            "grace_days=-3",
        ]
    )
    assert code == 2 and "grace_days" in capsys.readouterr().err


def test_import_errors_are_printed_with_row_numbers_and_exit_2(
    province, tmp_path, capsys
):
    good = id_number(41)
    path = write_csv(
        tmp_path / "d.csv",
        ["身份证号", "姓名", "死亡日期"],
        [[good, "甲", "2026-01-05"], ["12345", "乙", "2026-01-05"]],
    )
    assert main(["data", "import", "deaths", str(path)]) == 2
    captured = capsys.readouterr()
    assert "ERROR 第 3 行 身份证号（id_number）：" in captured.out
    assert "未导入任何数据" in captured.err
    assert not DatasetVersion.objects.exists()

    missing = write_csv(tmp_path / "m.csv", ["身份证号", "姓名"], [[good, "甲"]])
    assert main(["data", "import", "deaths", str(missing)]) == 2
    assert "死亡日期（death_date）" in capsys.readouterr().err


def test_unknown_unit_and_missing_model_are_refused(world, capsys):
    assert main(["data", "import", "deaths", "x.csv", "--unit", "不存在的单位"]) == 2
    assert "单位“不存在的单位”不存在" in capsys.readouterr().err
    assert main(["models", "run", "--unit", "1"]) == 2
    assert "请指定一个模型" in capsys.readouterr().err
    # Without --unit and without a province commission: a clear message.
    assert main(["models", "run", "--all"]) == 2
    assert "省纪委监委" in capsys.readouterr().err
