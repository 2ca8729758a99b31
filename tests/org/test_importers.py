"""Bulk import of units and persons: CSV (UTF-8/GBK) and XLSX, all rows or none."""

import csv
import datetime as dt
import io
import json

import pytest
from openpyxl import Workbook

from tests.factories import new_id_number, new_uscc
from xietong.audit.models import Action, AuditEntry
from xietong.core.crypto import field_cipher
from xietong.core.identifiers import make_id_number
from xietong.org import importers
from xietong.org.importers import ImportFileError, import_persons, import_units
from xietong.org.models import Person, Unit, UnitKind
from xietong.org.services import id_lookup_hash, person_create, unit_create

PERSON_HEADER = [
    "姓名",
    "身份证号码",
    "单位",
    "职务",
    "干部管理权限",
    "手机号码",
    "中共党员",
    "一把手",
]
UNIT_HEADER = ["单位名称", "单位类别", "区划代码", "统一社会信用代码", "上级单位"]


def write_csv(path, rows, encoding="utf-8-sig"):
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path, rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def snapshot():
    """Everything an import could write."""
    return (
        Person.objects.count(),
        Unit.objects.count(),
        AuditEntry.objects.count(),
        AuditEntry.objects.filter(action=Action.IMPORT).count(),
    )


def id_of(birth_day: int, seq: int = 1) -> str:
    return make_id_number("410105", dt.date(1985, 3, birth_day), seq)


def bad_check(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:17] + wrong


# --- persons: success --------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_persons_in_every_encoding(world, tmp_path, encoding):
    zhang, li = id_of(1), id_of(2)
    path = write_csv(
        tmp_path / "人员.csv",
        [
            PERSON_HEADER,
            [
                "张三",
                zhang,
                "金水区教育局",
                "副局长",
                "县管",
                "13912345678",
                "否",
                "是",
            ],
            ["李四", li, "金水区卫生健康委员会", "科员", "", "", "", ""],
        ],
        encoding,
    )
    before = Person.objects.count()

    report = import_persons(path)

    assert report.ok, report.errors
    assert report.created == [
        (2, "张三（金水区教育局）"),
        (3, "李四（金水区卫生健康委员会）"),
    ]
    assert report.lines() == [
        "第 2 行\t已导入：张三（金水区教育局）",
        "第 3 行\t已导入：李四（金水区卫生健康委员会）",
        "共导入 2 条。",
    ]
    assert Person.objects.count() == before + 2
    zs = Person.objects.get(id_number_hash=id_lookup_hash(zhang))
    assert zs.name == "张三"
    assert zs.unit == world.units["a_edu"]
    assert (zs.management_level, zs.position) == ("county", "副局长")
    assert (zs.is_party_member, zs.is_top_leader) == (False, True)
    ls = Person.objects.get(id_number_hash=id_lookup_hash(li))
    # Blank cells take the service defaults.
    assert (ls.management_level, ls.is_party_member, ls.is_top_leader) == (
        "other",
        True,
        False,
    )


def test_success_encrypts_ids_and_writes_one_import_entry(world, tmp_path):
    number = id_of(3)
    path = write_csv(
        tmp_path / "金水区干部.csv",
        [
            PERSON_HEADER,
            ["王五", number, "金水区教育局", "科长", "乡管", "", "是", "否"],
        ],
    )
    entries = AuditEntry.objects.count()

    import_persons(path)

    person = Person.objects.get(id_number_hash=id_lookup_hash(number))
    assert person.id_number_enc != number
    assert number not in person.id_number_enc
    assert field_cipher().decrypt(person.id_number_enc) == number
    assert person.id_number_masked == number[:6] + "********" + number[-4:]
    imports = AuditEntry.objects.filter(action=Action.IMPORT)
    assert imports.count() == 1
    entry = imports.get()
    assert entry.object_type == "org.person"
    assert entry.object_repr == "导入金水区干部.csv"
    assert json.loads(entry.summary) == {"行数": 1}
    assert entry.actor_id is None
    # Written through person_create: its own create entry plus the summary.
    assert AuditEntry.objects.count() == entries + 2


def test_xlsx_persons_with_english_headers(world, tmp_path):
    number = id_of(4)
    path = write_xlsx(
        tmp_path / "persons.xlsx",
        [
            ["name", "id_number", "unit", "position", "management_level", "phone"],
            ["赵六", number, "中原区教育局", "副局长", "county", 13800001111],
        ],
    )

    report = import_persons(path)

    assert report.ok, report.errors
    assert report.created == [(2, "赵六（中原区教育局）")]
    person = Person.objects.get(id_number_hash=id_lookup_hash(number))
    assert person.unit == world.units["b_edu"]
    assert field_cipher().decrypt(person.phone_enc) == "13800001111"


def test_xlsx_number_cells_that_lost_digits_are_rejected(world, tmp_path):
    # Excel keeps 15 significant digits: an ID typed as a number ends in zeros.
    path = write_xlsx(
        tmp_path / "人员.xlsx",
        [["姓名", "身份证号码", "单位"], ["孙七", 410105198503011000, "金水区教育局"]],
    )
    before = snapshot()

    report = import_persons(path)

    assert not report.ok
    assert report.errors[0][0] == 2
    assert "身份证号码被 Excel 存成了数字" in report.errors[0][1]
    assert snapshot() == before


def test_unit_may_be_named_by_uscc_or_id(world, tmp_path):
    edu = world.units["a_edu"]
    a, b = id_of(5), id_of(6)
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["姓名", "身份证号", "所在单位"],
            ["甲", a, edu.uscc.lower()],
            ["乙", b, str(edu.pk)],
        ],
    )

    report = import_persons(path)

    assert report.ok, report.errors
    assert Person.objects.filter(unit=edu, name__in=["甲", "乙"]).count() == 2


def test_file_like_source_with_filename(world):
    number = id_of(7)
    data = f"姓名,身份证号码,单位\n钱八,{number},金水区教育局\n".encode("gbk")

    report = import_persons(io.BytesIO(data), filename="上传.csv")

    assert report.ok, report.errors
    assert report.filename == "上传.csv"
    assert AuditEntry.objects.get(action=Action.IMPORT).object_repr == "导入上传.csv"


def test_dry_run_checks_but_writes_nothing(world, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["姓名", "身份证号码", "单位"],
            ["周九", id_of(8), "金水区教育局"],
            ["吴十", id_of(9), "中原区教育局"],
        ],
    )
    before = snapshot()

    report = import_persons(path, dry_run=True)

    assert report.ok and report.dry_run
    assert snapshot() == before
    assert report.lines() == [
        "第 2 行\t可导入：周九（金水区教育局）",
        "第 3 行\t可导入：吴十（中原区教育局）",
        "检查通过，共 2 条（未写入，--dry-run）。",
    ]


def test_empty_rows_are_skipped_and_keep_excel_row_numbers(world, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["姓名", "身份证号码", "单位"],
            ["", "", ""],
            ["郑一", id_of(10), "金水区教育局"],
            [" ", "", ""],
            ["郑二", "123", "金水区教育局"],
        ],
    )

    report = import_persons(path)

    assert report.total == 2
    assert [row for row, _ in report.errors] == [5]


# --- persons: every kind of bad row ------------------------------------------------------


def test_every_bad_person_row_is_reported_and_nothing_written(world, tmp_path):
    unit_create(
        actor=None,
        name="办公室",
        kind=UnitKind.GOV_DEPARTMENT,
        region=world.regions["a"],
    )
    unit_create(
        actor=None,
        name="办公室",
        kind=UnitKind.GOV_DEPARTMENT,
        region=world.regions["b"],
    )
    registered = new_id_number("410105")
    person_create(
        actor=None, name="已登记", id_number=registered, unit=world.units["a_edu"]
    )
    good = id_of(11)
    rows = [
        PERSON_HEADER,
        ["好人", good, "金水区教育局", "", "", "", "", ""],  # 2
        ["校验", bad_check(id_of(12)), "金水区教育局", "", "", "", "", ""],  # 3
        ["日期", "41010519800230001X", "金水区教育局", "", "", "", "", ""],  # 4
        ["无单位", id_of(13), "不存在的局", "", "", "", "", ""],  # 5
        ["重名", id_of(14), "办公室", "", "", "", "", ""],  # 6
        ["重复", good, "金水区教育局", "", "", "", "", ""],  # 7
        ["已有", registered, "中原区教育局", "", "", "", "", ""],  # 8
        ["权限", id_of(15), "金水区教育局", "", "部管", "", "", ""],  # 9
        ["电话", id_of(16), "金水区教育局", "", "", "12345", "", ""],  # 10
        ["党员", id_of(17), "金水区教育局", "", "", "", "也许", ""],  # 11
        ["", id_of(18), "金水区教育局", "", "", "", "", ""],  # 12
    ]
    path = write_csv(tmp_path / "p.csv", rows)
    before = snapshot()

    report = import_persons(path)

    assert not report.ok
    assert snapshot() == before
    errors = dict(report.errors)
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert errors[3].startswith("身份证号码校验位错误")
    assert "出生日期“19800230”无效" in errors[4]
    assert "单位“不存在的局”不存在" in errors[5]
    assert "2 个同名单位" in errors[6] and "统一社会信用代码" in errors[6]
    assert "身份证号码" in errors[7] and "与第 2 行重复" in errors[7]
    assert good not in errors[7]  # shown masked
    assert errors[8] == "身份证号码已登记为监督对象，请勿重复导入"
    assert "干部管理权限“部管”无效" in errors[9]
    assert errors[10].startswith("手机号码")
    assert "中共党员应填“是”或“否”" in errors[11]
    assert errors[12] == "姓名不能为空"
    lines = report.lines()
    assert lines[0].startswith("第 3 行\t错误：身份证号码校验位错误")
    assert lines[-1] == "共 10 行有错误，未导入任何数据。"


def test_one_bad_row_among_many_good_blocks_them_all(world, tmp_path):
    rows = [["姓名", "身份证号码", "单位"]]
    rows += [[f"人员{i}", id_of(20, i), "金水区教育局"] for i in range(1, 30)]
    rows.append(["坏", bad_check(id_of(21)), "金水区教育局"])
    path = write_xlsx(tmp_path / "p.xlsx", rows)
    before = snapshot()

    report = import_persons(path)

    assert report.errors == [(31, report.errors[0][1])]
    assert snapshot() == before


def test_a_row_refused_while_writing_rolls_back_everything(
    world, tmp_path, monkeypatch
):
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["姓名", "身份证号码", "单位"],
            ["甲", id_of(22), "金水区教育局"],
            ["乙", id_of(23), "金水区教育局"],
        ],
    )
    real = importers.person_create
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["name"])
        if len(calls) == 2:
            raise importers.ValidationError(
                "该身份证号码已登记为监督对象，请勿重复登记。"
            )
        return real(**kwargs)

    monkeypatch.setattr(importers, "person_create", flaky)
    before = snapshot()

    report = import_persons(path)

    assert report.errors == [(3, "该身份证号码已登记为监督对象，请勿重复登记。")]
    assert report.created == []
    assert snapshot() == before


# --- units ---------------------------------------------------------------------------------


def test_units_import_with_parents_from_file_and_database(world, tmp_path):
    commission = world.units["a_commission"]
    uscc = new_uscc("410105")
    rows = [
        UNIT_HEADER + ["协作单位类型"],
        ["金水区财政局", "政府部门", "410105", uscc, "", ""],
        [
            "金水区财政局办公室（综合科）",
            "gov_department",
            "410105",
            "",
            "金水区财政局",
            "",
        ],
        [
            "金水区纪委监委第二监督检查室",
            "监督检查室",
            "410105",
            "",
            str(commission.pk),
            "",
        ],
        ["金水区审计局", "协作单位", "410105", "", "", "审计局"],
        ["经八路街道某社区", "社区", "410105001", "", "", ""],
    ]
    path = write_csv(tmp_path / "单位.csv", rows, "gbk")
    before = Unit.objects.count()

    report = import_units(path)

    assert report.ok, report.errors
    assert report.lines()[0] == "第 2 行\t已导入：金水区财政局（金水区）"
    assert report.lines()[-1] == "共导入 5 条。"
    assert Unit.objects.count() == before + 5
    finance = Unit.objects.get(uscc=uscc)
    office = Unit.objects.get(name="金水区财政局办公室（综合科）")  # full-width kept
    assert office.parent == finance
    assert office.path == f"/{finance.pk}/{office.pk}/"
    second = Unit.objects.get(name="金水区纪委监委第二监督检查室")
    assert (second.parent, second.kind) == (commission, UnitKind.SUPERVISION_OFFICE)
    assert Unit.objects.get(name="金水区审计局").partner_kind == "audit"
    assert Unit.objects.get(name="经八路街道某社区").region == world.regions["a_town"]
    entry = AuditEntry.objects.get(action=Action.IMPORT)
    assert (entry.object_type, json.loads(entry.summary)) == ("org.unit", {"行数": 5})


def test_units_xlsx_dry_run(world, tmp_path):
    path = write_xlsx(
        tmp_path / "u.xlsx",
        [["单位名称", "单位类别", "区划代码"], ["中原区财政局", "政府部门", 410102]],
    )
    before = snapshot()

    report = import_units(path, dry_run=True)

    assert report.ok, report.errors
    assert report.lines()[-1] == "检查通过，共 1 条（未写入，--dry-run）。"
    assert snapshot() == before


def test_every_bad_unit_row_is_reported_and_nothing_written(world, tmp_path):
    used = world.units["a_edu"].uscc
    fresh = new_uscc("410105")
    rows = [
        UNIT_HEADER + ["协作单位类型"],
        ["好单位", "政府部门", "410105", fresh, "", ""],  # 2
        [
            "坏代码",
            "政府部门",
            "410105",
            fresh[:17] + ("0" if fresh[-1] != "0" else "1"),
            "",
            "",
        ],  # 3
        ["无区划", "政府部门", "419999", "", "", ""],  # 4
        ["坏类别", "外星机构", "410105", "", "", ""],  # 5
        ["重复代码", "国有企业", "410105", fresh, "", ""],  # 6
        ["已用代码", "国有企业", "410105", used, "", ""],  # 7
        ["无上级", "政府部门", "410105", "", "不存在的上级", ""],  # 8
        ["错类型", "政府部门", "410105", "", "", "检察院"],  # 9
        ["", "政府部门", "410105", "", "", ""],  # 10
        ["金水区教育局", "政府部门", "410105", "", "", ""],  # 11: already exists
        ["坏区划", "政府部门", "4101", "", "", ""],  # 12
    ]
    path = write_csv(tmp_path / "u.csv", rows)
    before = snapshot()

    report = import_units(path)

    assert snapshot() == before
    errors = dict(report.errors)
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert errors[3].startswith("统一社会信用代码校验位错误")
    assert errors[4] == "区划代码“419999”在系统中不存在：请先录入该行政区划"
    assert errors[5].startswith("单位类别“外星机构”无效")
    assert "统一社会信用代码" in errors[6] and "与第 2 行重复" in errors[6]
    assert "已被系统中其他单位使用" in errors[7]
    assert "上级单位“不存在的上级”不存在" in errors[8]
    assert "协作单位类型只适用于" in errors[9]
    assert errors[10] == "单位名称不能为空"
    assert "已存在" in errors[11]
    assert errors[12].startswith("区划代码长度不对")
    assert report.lines()[-1] == "共 10 行有错误，未导入任何数据。"


def test_parent_named_twice_is_ambiguous(world, tmp_path):
    path = write_csv(
        tmp_path / "u.csv",
        [
            UNIT_HEADER,
            ["综合科", "政府部门", "410105", "", "金水区教育局"],
            ["综合科", "政府部门", "410102", "", "中原区教育局"],
            ["综合科档案室", "政府部门", "410105", "", "综合科"],
        ],
    )

    report = import_units(path)

    assert [row for row, _ in report.errors] == [4]
    assert "第 2 行、第 3 行" in report.errors[0][1]


# --- files that cannot be read -----------------------------------------------------------


def test_missing_file(db, tmp_path):
    with pytest.raises(ImportFileError, match="不存在"):
        import_persons(tmp_path / "无此文件.csv")


def test_unsupported_format(db, tmp_path):
    path = tmp_path / "名单.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(ImportFileError, match="只能导入 CSV 或 XLSX"):
        import_persons(path)


def test_old_xls_format(db, tmp_path):
    path = tmp_path / "名单.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(ImportFileError, match=r"\.xls"):
        import_persons(path)


def test_damaged_xlsx(db, tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ImportFileError, match="已损坏"):
        import_persons(path)


def test_unknown_encoding(db, tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes("姓名,身份证号码,单位\n".encode() + b"\xff\xfe\xff\n")
    with pytest.raises(ImportFileError, match="编码"):
        import_persons(path)


def test_missing_required_column_is_named_in_chinese(db, tmp_path):
    path = write_csv(tmp_path / "p.csv", [["姓名", "单位"], ["张三", "金水区教育局"]])
    with pytest.raises(ImportFileError) as exc:
        import_persons(path)
    assert "缺少必填列“身份证号码”" in exc.value.message


def test_missing_unit_columns(db, tmp_path):
    path = write_csv(tmp_path / "u.csv", [["单位名称"], ["某局"]])
    with pytest.raises(ImportFileError) as exc:
        import_units(path)
    assert "“单位类别”、“区划代码”" in exc.value.message


def test_header_marks_and_notes_are_ignored(world, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["*姓名", "身份证号码（18位）", " 单位 "],
            ["冯一", id_of(24), "金水区教育局"],
        ],
    )
    assert import_persons(path).ok


def test_duplicate_column(db, tmp_path):
    path = write_csv(tmp_path / "p.csv", [["姓名", "身份证号", "身份证号码", "单位"]])
    with pytest.raises(ImportFileError, match="出现了两次"):
        import_persons(path)


@pytest.mark.parametrize("content", [b"", "姓名,身份证号码,单位\n,,\n".encode()])
def test_file_without_data_rows(db, tmp_path, content):
    path = tmp_path / "p.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match="空文件|没有数据行"):
        import_persons(path)


def test_row_cap(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "MAX_ROWS", 2)
    rows = [["姓名", "身份证号码", "单位"]] + [
        ["某", id_of(25, i), "某局"] for i in range(3)
    ]
    with pytest.raises(ImportFileError, match="超过 2 行上限"):
        import_persons(write_csv(tmp_path / "p.csv", rows))
