"""xietong clues import: one line per data row, a number or a reason; GBK accepted."""

import pytest

from tests.factories import new_id_number
from xietong import cli
from xietong.clues.models import Clue
from xietong.org.models import Person, Unit, UnitKind
from xietong.org.services import unit_create


@pytest.fixture
def province_case_office(world):
    prov = unit_create(
        actor=None,
        name="河南省纪委监委",
        kind=UnitKind.COMMISSION,
        region=world.regions["prov"],
        supervised_regions=[world.regions["prov"]],
    )
    return unit_create(
        actor=None,
        name="河南省纪委监委案件监督管理室",
        kind=UnitKind.CASE_MANAGEMENT,
        region=world.regions["prov"],
        parent=prov,
    )


def test_import_prints_numbers_and_errors_per_row(
    world, province_case_office, tmp_path, capsys
):
    from xietong.core.crypto import field_cipher

    known = field_cipher().decrypt(world.persons["a_edu_head"].id_number_enc)
    fresh = new_id_number("410105")
    csv = (
        "source,received_date,person_name,person_id_number,person_unit,summary,receiving_unit\n"
        f"信访举报,2026-03-01,张建国,{known},金水区教育局,收受礼金,\n"
        f"审计移交,2026/3/2,周新,{fresh},金水区教育局,套取专项资金,金水区纪委监委\n"
        "无此来源,2026-03-03,王五,,某单位,问题,\n"
        "信访举报,2026-02-30,王五,,某单位,问题,\n"
        "巡视巡察移交,20260304,赵六,410105198013171234,金水区教育局,问题,\n"
    )
    path = tmp_path / "clues.csv"
    path.write_bytes(csv.encode("gbk"))
    code = cli.main(["clues", "import", str(path)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 2
    assert lines[0] == "1\t河南纪线〔2026〕00001号"
    assert lines[1] == "2\t金水纪线〔2026〕00001号"
    assert lines[2].startswith("3\tERROR: 来源“无此来源”无效")
    assert lines[3].startswith("4\tERROR: 收到日期")
    assert lines[4].startswith("5\tERROR: ") and "身份证号码" in lines[4]
    assert len(lines) == 5
    assert Clue.objects.count() == 2
    added = Person.objects.get(name="周新")
    assert added.verified is False and added.unit == Unit.objects.get(
        name="金水区教育局"
    )
    assert (
        Clue.objects.get(number="金水纪线〔2026〕00001号").subjects.get().person
        == added
    )
