"""The ``xietong`` console script, run in-process against the test database."""

import csv
import datetime as dt
import io

import pytest

from tests.factories import build_world
from tests.tamper import tamper_sql
from xietong import cli
from xietong.audit.models import Action, AuditEntry
from xietong.audit.services import checkpoint_file
from xietong.core.crypto import field_cipher, reset_cipher_cache
from xietong.core.identifiers import make_id_number
from xietong.org.models import Person
from xietong.org.services import id_lookup_hash


def run(capsys, *argv):
    """Exit code, stdout lines and stderr of one command."""
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


@pytest.fixture
def own_home(settings, tmp_path):
    """A private XIETONG_HOME: key ring and audit checkpoints untouched by other tests."""
    settings.XIETONG_HOME = tmp_path
    reset_cipher_cache()
    checkpoint_file.cache_clear()
    yield tmp_path
    reset_cipher_cache()
    checkpoint_file.cache_clear()


# --- workdays ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_workdays_add(capsys):
    code, out, err = run(capsys, "workdays", "add", "2026-09-28", "15")
    assert (code, out, err) == (0, ["2026-10-23"], "")


@pytest.mark.django_db
def test_workdays_between(capsys):
    code, out, _ = run(capsys, "workdays", "between", "2026-09-28", "2026-10-23")
    assert (code, out) == (0, ["15"])


@pytest.mark.django_db
def test_workdays_in_a_year_without_calendar_fails_in_chinese(capsys):
    code, out, err = run(capsys, "workdays", "add", "2030-01-02", "3")
    assert code != 0
    assert out == []
    assert "2030 年的法定节假日和调休数据尚未录入" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["workdays", "add", "2026-13-01", "3"], "日期“2026-13-01”无效"),
        (["workdays", "add", "2026-09-28", "三"], "工作日数“三”应为整数"),
        (["workdays", "add", "2026-09-28", "-1"], "工作日数不能为负数"),
        (["workdays", "between", "昨天", "2026-10-23"], "日期“昨天”无效"),
    ],
)
def test_bad_arguments_exit_2_with_chinese_message(capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


# --- import --------------------------------------------------------------------------------


def write_persons(path, rows):
    buf = io.StringIO()
    csv.writer(buf).writerows([["姓名", "身份证号码", "单位", "干部管理权限"], *rows])
    path.write_text(buf.getvalue(), encoding="utf-8-sig")
    return str(path)


def id_of(day: int) -> str:
    return make_id_number("410105", dt.date(1990, 6, day), 7)


def test_import_persons_good_file(world, tmp_path, capsys):
    path = write_persons(
        tmp_path / "人员.csv",
        [
            ["张三", id_of(1), "金水区教育局", "县管"],
            ["李四", id_of(2), "中原区教育局", ""],
        ],
    )
    before = Person.objects.count()

    code, out, err = run(capsys, "import", "persons", path)

    assert code == 0, err
    assert out == [
        "第 2 行\t已导入：张三（金水区教育局）",
        "第 3 行\t已导入：李四（中原区教育局）",
        "共导入 2 条。",
    ]
    assert Person.objects.count() == before + 2
    assert AuditEntry.objects.filter(action=Action.IMPORT).count() == 1


def test_import_persons_bad_file_writes_nothing(world, tmp_path, capsys):
    wrong = id_of(3)[:17] + ("0" if id_of(3)[-1] != "0" else "1")
    path = write_persons(
        tmp_path / "人员.csv",
        [
            ["张三", id_of(4), "金水区教育局", ""],
            ["李四", wrong, "金水区教育局", ""],
            ["王五", id_of(5), "无此单位", ""],
        ],
    )
    before = Person.objects.count()

    code, out, _ = run(capsys, "import", "persons", path)

    assert code == 2
    assert out[0].startswith("第 3 行\t错误：身份证号码校验位错误")
    assert out[1].startswith("第 4 行\t错误：单位“无此单位”不存在")
    assert out[2] == "共 2 行有错误，未导入任何数据。"
    assert Person.objects.count() == before
    assert not AuditEntry.objects.filter(action=Action.IMPORT).exists()


def test_import_dry_run(world, tmp_path, capsys):
    path = write_persons(tmp_path / "p.csv", [["赵六", id_of(6), "金水区教育局", ""]])
    before = Person.objects.count()

    code, out, _ = run(capsys, "import", "persons", path, "--dry-run")

    assert code == 0
    assert out[-1] == "检查通过，共 1 条（未写入，--dry-run）。"
    assert Person.objects.count() == before


@pytest.mark.django_db
def test_import_unreadable_file(tmp_path, capsys):
    code, out, err = run(capsys, "import", "units", str(tmp_path / "无此文件.csv"))
    assert (code, out) == (2, [])
    assert "不存在" in err


# --- audit verify --------------------------------------------------------------------------


@pytest.mark.django_db
def test_audit_verify_on_a_fresh_log(
    own_home, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        build_world()
    entries = AuditEntry.objects.count()
    assert entries > 0
    assert checkpoint_file().read()[0], "checkpoints were written"

    code, out, _ = run(capsys, "audit", "verify")

    assert code == 0
    assert out == [f"审计日志完整：共校验 {entries} 条，哈希链与签名检查点一致。"]


@pytest.mark.django_db
def test_audit_verify_finds_removed_newest_entry(
    own_home, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        build_world()
    last = AuditEntry.objects.order_by("-seq").first().seq
    # Bypass the model's append-only guard, as an attacker with database access could.
    tamper_sql("DELETE FROM audit_auditentry WHERE seq = %s", [last])

    code, out, _ = run(capsys, "audit", "verify")

    assert code == 1
    assert out[0].startswith(f"审计日志被篡改：第 {last} 条")


# --- keys rotate ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_keys_rotate_reencrypts_every_person(own_home, capsys):
    build_world()
    old = field_cipher()
    plain = {
        p.pk: (old.decrypt(p.id_number_enc), p.phone_enc and old.decrypt(p.phone_enc))
        for p in Person.objects.all()
    }
    old_kids = {p.id_number_enc.split(":")[1] for p in Person.objects.all()}
    fields = len(plain) + sum(1 for _, phone in plain.values() if phone)

    code, out, _ = run(capsys, "keys", "rotate")

    assert code == 0
    new_kid = str(int(max(old_kids)) + 1)
    assert out[-1] == f"密钥轮换完成：新密钥编号 {new_kid}，重新加密 {fields} 个字段。"
    reset_cipher_cache()
    cipher = field_cipher()
    for person in Person.objects.all():
        number, phone = plain[person.pk]
        assert person.id_number_enc.split(":")[1] == new_kid
        assert cipher.decrypt(person.id_number_enc) == number
        if phone:
            assert person.phone_enc.split(":")[1] == new_kid
            assert cipher.decrypt(person.phone_enc) == phone
        assert Person.objects.get(id_number_hash=id_lookup_hash(number)) == person
    assert AuditEntry.objects.filter(action=Action.KEY_ROTATE).count() == 1
    # New records are written under the new key too.
    assert cipher.encrypt("x").split(":")[1] == new_kid


@pytest.mark.django_db
def test_demo_command_builds_then_reprints_logins(own_home, capsys):
    code, lines, _ = run(capsys, "demo", "--scale", "0.02")
    out = "\n".join(lines)
    assert code == 0
    assert "sheng_case_manager" in out and "Xietong@2026" in out
    from xietong.org.models import Person

    persons = Person.objects.count()
    assert persons > 0
    code, lines, _ = run(capsys, "demo", "--scale", "0.02")
    out = "\n".join(lines)
    assert code == 0
    assert "演示省份已存在" in out and "xian_auditor" in out
    assert Person.objects.count() == persons


@pytest.mark.django_db
def test_import_regions_all_or_nothing(tmp_path, capsys):
    from xietong.org.models import Region

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "区划代码,名称\n420000,湖北省\n420100,武汉市\n420199X,坏代码\n430100,长沙市\n",
        encoding="utf-8",
    )
    code, lines, _ = run(capsys, "import", "regions", str(bad))
    assert code == 2
    text = "\n".join(lines)
    assert "第 4 行" in text and "第 5 行" in text and "430000" in text
    assert not Region.objects.filter(code__startswith="42").exists()
    good = tmp_path / "good.csv"
    # Children before parents in the file: written parents first.
    good.write_text(
        "区划代码,名称\n420102,江岸区\n420100,武汉市\n420000,湖北省\n", encoding="gbk"
    )
    code, lines, _ = run(capsys, "import", "regions", str(good))
    assert code == 0, lines
    assert Region.objects.get(code="420102").path == "420000/420100/420102/"


def test_argument_errors_are_in_chinese(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["workdays", "add"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "缺少必填参数：start, n" in err
    with pytest.raises(SystemExit):
        cli.main(["nosuchcommand"])
    assert "无效" in capsys.readouterr().err
