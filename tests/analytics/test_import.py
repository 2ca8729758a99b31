"""Importing department files as versions of the standard datasets."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from xietong.analytics.models import Dataset, DatasetVersion
from xietong.analytics.services import dataset_import, datasets_root
from xietong.audit.models import Action, AuditEntry
from xietong.core.errors import PermissionDenied, ValidationError

from .support import analyst, id_number, id_number_ending_x, write_csv

RESIDENT_HEADER = ["公民身份号码", "姓名", "性别", "出生日期", "户籍地址", "备注"]


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in text)


def _stored_files() -> set:
    """Files under XIETONG_HOME/datasets (shared by the whole test session)."""
    root = datasets_root()
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def actor(world):
    return analyst(world, "a_commission")


def test_chinese_headers_are_mapped_and_dirty_cells_normalised_and_reported(
    world, actor, tmp_path
):
    normal = id_number(1)
    with_x = id_number_ending_x()
    eighteen = id_number(2, birth=__import__("datetime").date(1980, 5, 17))
    fifteen = eighteen[:6] + eighteen[8:17]  # the old form: 2-digit year, no check
    rows = [
        [normal, "张伟", "男", "1975-03-09", "金水路1号", "甲"],
        [_fullwidth(id_number(3)), "李 秀英", "女", "1975/3/9", "", ""],
        [fifteen, "阿依古丽•买买提", "2", "19800517", "", ""],
        [with_x.lower(), "陳明", "男", "1968年2月1日", "", ""],
        ["", "", "", "", "", ""],  # blank lines are skipped, not errors
    ]
    path = write_csv(tmp_path / "户籍.csv", RESIDENT_HEADER, rows, encoding="utf-8-sig")

    progress = []
    version = dataset_import(
        actor=actor,
        kind="residents",
        path_or_file=path,
        unit=world.units["a_commission"],
        progress=progress.append,
    )

    assert version.number == 1 and version.rows == 4
    assert version.dataset.kind == "residents"
    assert version.dataset.name == "户籍人口"
    assert version.source_encoding == "utf-8-sig"
    assert version.column_mapping["公民身份号码"] == "id_number"
    assert "备注" not in version.column_mapping
    changes = version.report["changes"]
    assert changes["身份证号全角转半角"] == 1
    assert changes["15位身份证号升位"] == 1
    assert changes["身份证号小写x转大写"] == 1
    assert changes["姓名去除空格"] == 1
    assert changes["姓名间隔号统一"] == 1
    assert changes["姓名繁体转简体"] == 1
    assert changes["日期斜杠格式转换"] == 1
    assert version.report["blank_rows"] == 1
    assert progress == [4]

    table = pq.read_table(version.path).to_pylist()
    assert [r["id_number"] for r in table] == [normal, id_number(3), eighteen, with_x]
    assert [r["name"] for r in table] == ["张伟", "李秀英", "阿依古丽·买买提", "陈明"]
    assert table[2]["gender"] == "女"
    assert table[0]["备注"] == "甲"  # extra columns are kept
    assert version.path == (datasets_root() / str(version.dataset_id) / "v1.parquet")
    assert AuditEntry.objects.filter(
        action=Action.IMPORT, object_id=str(version.pk)
    ).exists()


def test_gbk_csv_is_detected_and_decoded(world, actor, tmp_path):
    path = write_csv(
        tmp_path / "工资.csv",
        ["发放单位", "身份证号", "姓名", "工资月份", "实发工资"],
        [["金水区教育局", id_number(5), "王芳", "2026年3月", "5,432.10元"]],
        encoding="gbk",
    )
    version = dataset_import(
        actor=actor, kind="payroll", path_or_file=path, unit=actor.unit
    )
    assert version.source_encoding == "gb18030"
    row = pq.read_table(version.path).to_pylist()[0]
    assert row["name"] == "王芳" and row["payroll_unit_name"] == "金水区教育局"
    assert row["month"] == "2026-03"
    assert str(row["amount"]) == "5432.10"
    assert version.report["changes"]["金额去除千分位逗号"] == 1


def test_a_second_import_is_the_next_version(world, actor, tmp_path):
    path = write_csv(
        tmp_path / "d.csv",
        ["身份证号", "姓名", "死亡日期"],
        [[id_number(7), "赵六", "2026-01-05"]],
    )
    first = dataset_import(
        actor=actor, kind="deaths", path_or_file=path, unit=actor.unit
    )
    second = dataset_import(
        actor=actor, kind="deaths", path_or_file=path, unit=actor.unit
    )
    assert (first.dataset_id, first.number) == (second.dataset_id, 1)
    assert second.number == 2 and second.path.name == "v2.parquet"
    assert first.path.exists() and second.path.exists()


def test_missing_required_column_is_named_and_nothing_is_written(
    world, actor, tmp_path
):
    path = write_csv(
        tmp_path / "deaths.csv",
        ["身份证号", "姓名", "登记机关"],
        [[id_number(8), "钱七", "公安"]],
    )
    before = _stored_files()
    with pytest.raises(ValidationError) as exc:
        dataset_import(actor=actor, kind="deaths", path_or_file=path, unit=actor.unit)
    assert "死亡日期（death_date）" in exc.value.message
    assert not Dataset.objects.exists() and not DatasetVersion.objects.exists()
    assert _stored_files() == before


def test_an_explicit_mapping_overrides_header_recognition(world, actor, tmp_path):
    path = write_csv(
        tmp_path / "deaths.csv",
        ["身份证号", "姓名", "注销日期"],
        [[id_number(9), "孙八", "2026-02-01"]],
    )
    version = dataset_import(
        actor=actor,
        kind="deaths",
        path_or_file=path,
        unit=actor.unit,
        mapping={"注销日期": "death_date"},
    )
    assert pq.read_table(version.path).column("death_date").to_pylist()[0].month == 2


def test_bad_rows_are_listed_with_row_and_column_and_nothing_is_written(
    world, actor, tmp_path
):
    good = id_number(10)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check digit
    path = write_csv(
        tmp_path / "deaths.csv",
        ["身份证号", "姓名", "死亡日期"],
        [
            [good, "周九", "2026-01-05"],
            [bad, "吴十", "2026-01-05"],
            [good, "郑一", "2026-02-30"],
        ],
    )
    before = _stored_files()
    with pytest.raises(ValidationError) as exc:
        dataset_import(actor=actor, kind="deaths", path_or_file=path, unit=actor.unit)
    error = exc.value
    assert "2 行数据无法规范化" in error.message and "未导入任何数据" in error.message
    assert set(error.fields) == {
        "第 3 行 身份证号（id_number）",
        "第 4 行 死亡日期（death_date）",
    }
    assert "不是真实存在的日期" in error.fields["第 4 行 死亡日期（death_date）"]
    assert not DatasetVersion.objects.exists()
    assert _stored_files() == before


def test_xlsx_is_read_and_a_too_large_one_is_refused(world, actor, tmp_path, settings):
    book = Workbook()
    sheet = book.active
    sheet.append(["车牌号", "使用单位", "出车时间", "用车事由"])
    sheet.append(["豫Ａ·12345", "金水区教育局", "2026-03-01 23:10:00", None])
    path = tmp_path / "公车.xlsx"
    book.save(path)

    version = dataset_import(
        actor=actor, kind="vehicles_use", path_or_file=path, unit=actor.unit
    )
    row = pq.read_table(version.path).to_pylist()[0]
    assert row["plate"] == "豫A12345" and row["start_time"].hour == 23

    settings.XIETONG_DATASET_XLSX_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as exc:
        dataset_import(
            actor=actor, kind="vehicles_use", path_or_file=path, unit=actor.unit
        )
    assert "XLSX 文件过大" in exc.value.message
    assert DatasetVersion.objects.count() == 1


def test_parquet_input_streams_in_batches(world, actor, tmp_path):
    path = tmp_path / "companies.parquet"
    from tests.factories import new_uscc

    codes = [new_uscc() for _ in range(3)]
    pq.write_table(
        pa.table(
            {
                "uscc": codes,
                "name": [
                    "郑州甲有限公司",
                    "郑州乙有限责任公司",
                    "郑州丙有限公司（金水分公司）",
                ],
                "reg_date": ["2020-01-01", "2021/2/3", "20220304"],
            }
        ),
        path,
    )
    version = dataset_import(
        actor=actor, kind="companies", path_or_file=path, unit=actor.unit
    )
    rows = pq.read_table(version.path).to_pylist()
    assert [r["name"] for r in rows] == ["郑州甲", "郑州乙", "郑州丙"]
    assert rows[2]["name_branch"] == "金水分公司"
    assert version.report["changes"]["企业名称去除组织形式后缀"] == 2


def test_an_uploaded_file_object_is_imported(world, actor, tmp_path):
    path = write_csv(
        tmp_path / "x.csv",
        ["身份证号", "姓名", "死亡日期"],
        [[id_number(11), "冯二", "2026-01-05"]],
    )
    incoming = datasets_root() / "incoming"
    # Other tests may leave staged uploads of queued imports; compare, not expect empty.
    before = set(incoming.iterdir()) if incoming.exists() else set()
    with open(path, "rb") as fh:
        version = dataset_import(
            actor=actor,
            kind="deaths",
            path_or_file=fh,
            unit=actor.unit,
            file_name="死亡.csv",
        )
    assert version.source_name == "死亡.csv" and version.rows == 1
    assert set(incoming.iterdir()) == before


def test_unknown_kind_and_unsupported_type_are_refused(world, actor, tmp_path):
    path = tmp_path / "a.xls"
    path.write_bytes(b"old excel")
    with pytest.raises(ValidationError, match="未知的数据集类型“people”"):
        dataset_import(actor=actor, kind="people", path_or_file=path, unit=actor.unit)
    with pytest.raises(ValidationError, match="不支持的文件类型"):
        dataset_import(actor=actor, kind="deaths", path_or_file=path, unit=actor.unit)


def test_only_analysts_of_the_units_commission_may_import(world, tmp_path):
    path = write_csv(
        tmp_path / "d.csv",
        ["身份证号", "姓名", "死亡日期"],
        [[id_number(12), "陈三", "2026-01-05"]],
    )
    other = analyst(world, "b_commission")
    with pytest.raises(PermissionDenied):
        dataset_import(
            actor=other,
            kind="deaths",
            path_or_file=path,
            unit=world.units["a_commission"],
        )
    from tests.factories import account
    from xietong.access.roles import Role

    leader = account(world.units["a_commission"], Role.LEADER)
    with pytest.raises(PermissionDenied):
        dataset_import(
            actor=leader,
            kind="deaths",
            path_or_file=path,
            unit=world.units["a_commission"],
        )
    office_analyst = analyst(world, "a_case_management")
    version = dataset_import(
        actor=office_analyst,
        kind="deaths",
        path_or_file=path,
        unit=world.units["a_commission"],
    )
    assert version.rows == 1
