"""Unit and person screens: forms reject bad input naming the field and save nothing."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, account, new_id_number
from xietong.audit.models import Action, AuditEntry
from xietong.core.crypto import field_cipher
from xietong.core.errors import ValidationError
from xietong.org.models import Person, Unit, UnitKind


@pytest.fixture
def sysadmin(world):
    return account(world.units["a_commission"], "sysadmin")


@pytest.fixture
def case_manager(world):
    return account(world.units["a_case_management"], "case_manager")


def test_sysadmin_registers_a_stationed_group_with_host_units(client, world, sysadmin):
    client.force_login(sysadmin)
    before = Unit.objects.count()
    resp = client.post(
        reverse("org:unit_create"),
        {
            "name": "金水区纪委监委派驻第二纪检监察组",
            "kind": UnitKind.STATIONED_GROUP,
            "region_code": "410105",
            "parent": world.units["a_commission"].pk,
            "host_units": f"{world.units['a_health'].pk}",
            "is_active": "on",
        },
    )
    assert resp.status_code == 302
    unit = Unit.objects.get(name="金水区纪委监委派驻第二纪检监察组")
    assert Unit.objects.count() == before + 1
    assert list(unit.host_units.all()) == [world.units["a_health"]]
    assert unit.path == world.units["a_commission"].path + f"{unit.pk}/"


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("region_code", "419999", "区划代码 419999 不存在"),
        ("uscc", "91410105MA44BBBBB0", "统一社会信用代码"),
        ("parent", "999999", "上级单位编号 999999 不存在"),
        ("host_units", "abc", "派驻单位编号不存在"),
    ],
)
def test_unit_form_rejects_bad_input_and_saves_nothing(
    client, world, sysadmin, field, value, message
):
    client.force_login(sysadmin)
    data = {
        "name": "测试单位",
        "kind": UnitKind.GOV_DEPARTMENT,
        "region_code": "410105",
    }
    data[field] = value
    before = Unit.objects.count()
    resp = client.post(reverse("org:unit_create"), data)
    assert resp.status_code == 200
    assert message in resp.content.decode()
    assert Unit.objects.count() == before


def test_only_sysadmin_may_edit_units(client, world, case_manager):
    client.force_login(case_manager)
    assert client.get(reverse("org:unit_create")).status_code == 404
    assert (
        client.get(reverse("org:unit_edit", args=[world.units["a_edu"].pk])).status_code
        == 404
    )


def test_unit_edit_changes_supervised_regions_and_audits(client, world, sysadmin):
    client.force_login(sysadmin)
    c = world.units["a_commission"]
    resp = client.post(
        reverse("org:unit_edit", args=[c.pk]),
        {"name": c.name, "supervised_regions": "410105, 410102", "is_active": "on"},
    )
    assert resp.status_code == 302
    assert sorted(c.supervised_regions.values_list("code", flat=True)) == [
        "410102",
        "410105",
    ]
    entry = AuditEntry.objects.filter(
        action=Action.CHANGE, object_type="org.unit"
    ).first()
    assert "监督区域" in entry.summary


def test_person_form_names_the_bad_id_number_and_saves_nothing(
    client, world, case_manager
):
    client.force_login(case_manager)
    before = Person.objects.count()
    resp = client.post(
        reverse("org:person_create"),
        {
            "name": "赵六",
            "id_number": "410105198013171234",
            "unit": world.units["a_edu"].pk,
            "management_level": "other",
        },
    )
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "身份证号码" in body and "未保存" in body
    assert Person.objects.count() == before


def test_person_form_registers_with_encrypted_id(client, world, case_manager):
    client.force_login(case_manager)
    number = new_id_number("410105")
    resp = client.post(
        reverse("org:person_create"),
        {
            "name": "赵六",
            "id_number": number.lower() if number.endswith("X") else " " + number,
            "unit": world.units["a_edu"].pk,
            "management_level": "other",
            "phone": "139 0000 1111",
        },
    )
    assert resp.status_code == 302
    person = Person.objects.get(name="赵六")
    assert number not in person.id_number_enc
    assert field_cipher().decrypt(person.id_number_enc) == number
    assert field_cipher().decrypt(person.phone_enc) == "13900001111"


def test_person_search_by_full_id_number_uses_keyed_hash(client, world, case_manager):
    client.force_login(case_manager)
    target = world.persons["a_health_staff"]
    number = field_cipher().decrypt(target.id_number_enc)
    resp = client.get(reverse("org:persons"), {"q": number})
    body = resp.content.decode()
    assert target.name in body
    assert world.persons["a_edu_head"].name not in body
    # The same number of a person outside reach finds nothing.
    other = field_cipher().decrypt(world.persons["b_edu_head"].id_number_enc)
    resp = client.get(reverse("org:persons"), {"q": other})
    assert world.persons["b_edu_head"].name not in resp.content.decode()


def test_opening_an_archive_is_audited(client, world, case_manager):
    client.force_login(case_manager)
    person = world.persons["a_edu_head"]
    client.get(reverse("org:person", args=[person.pk]), REMOTE_ADDR="10.1.2.3")
    entry = AuditEntry.objects.filter(action=Action.VIEW).first()
    assert entry.object_id == str(person.pk)
    assert entry.actor_username == case_manager.username
    assert entry.client_ip == "10.1.2.3"


def test_login_page_then_password(client, world):
    user = account(world.units["a_case_management"], "case_manager")
    resp = client.post(
        reverse("access:login"), {"username": user.username, "password": PASSWORD}
    )
    assert resp.status_code == 302


def test_web_import_of_persons_checks_reach_and_writes_all_or_nothing(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    user = account(world.units["a_case_management"], "case_manager")
    client.force_login(user)
    good = new_id_number("410105")
    other = new_id_number("410102")
    csv = (
        "姓名,身份证号码,单位,职务\n"
        f"钱七,{good},金水区教育局,科员\n"
        f"孙八,{other},中原区教育局,科员\n"
    ).encode()
    before = Person.objects.count()
    resp = client.post(
        reverse("org:import", args=["persons"]),
        {"file": SimpleUploadedFile("persons.csv", csv, "text/csv")},
    )
    body = resp.content.decode()
    assert "第 3 行" in body and "不在您的管辖范围内" in body
    assert Person.objects.count() == before
    csv_ok = f"姓名,身份证号码,单位,职务\n钱七,{good},金水区教育局,科员\n".encode()
    resp = client.post(
        reverse("org:import", args=["persons"]),
        {"file": SimpleUploadedFile("persons.csv", csv_ok, "text/csv"), "dry_run": ""},
    )
    assert "已导入 1 条" in resp.content.decode()
    assert Person.objects.filter(name="钱七", unit=world.units["a_edu"]).exists()
    entry = AuditEntry.objects.filter(action=Action.IMPORT).first()
    assert entry.actor_username == user.username


def test_unit_import_page_is_for_the_system_administrator_only(
    client, world, case_manager
):
    client.force_login(case_manager)
    assert client.get(reverse("org:import", args=["units"])).status_code == 404
    assert client.get(reverse("org:import", args=["persons"])).status_code == 200


def test_zone_and_group_rules(world, sysadmin):
    from xietong.org.models import CollaborationZone
    from xietong.org.services import group_create, zone_create

    u = world.units
    with pytest.raises(ValidationError) as err:
        zone_create(
            actor=sysadmin,
            name="金水区协作区",
            region=world.regions["a"],
            lead_unit=u["a_edu"],
            members=[u["a_group"]],
        )
    assert "不是监督单位" in err.value.fields["lead_unit"]
    assert not CollaborationZone.objects.filter(name="金水区协作区").exists()
    zone = zone_create(
        actor=sysadmin,
        name="金水区协作区",
        region=world.regions["a"],
        lead_unit=u["a_supervision_office"],
        members=[u["a_group"], u["a_town_commission"]],
    )
    with pytest.raises(ValidationError) as err:
        group_create(
            actor=sysadmin,
            zone=zone,
            name="第一协作组",
            lead_unit=u["a_group"],
            members=[u["b_commission"]],
        )
    assert "不是该协作区成员" in err.value.fields["members"]
    group = group_create(
        actor=sysadmin,
        zone=zone,
        name="第一协作组",
        lead_unit=u["a_group"],
        members=[u["a_town_commission"]],
    )
    assert set(group.members.all()) == {u["a_group"], u["a_town_commission"]}
    assert AuditEntry.objects.filter(object_type="org.collaborationgroup").exists()


def test_zone_form_reports_errors_in_chinese(client, world, sysadmin):
    client.force_login(sysadmin)
    resp = client.post(reverse("org:zones"), {"name": "", "region": "419999"})
    body = resp.content.decode()
    assert "协作区名称不能为空" in body and "区划不存在" in body


@pytest.mark.parametrize("seconds,fresh", [(60, False), (0, True)])
def test_home_counts_are_cached_per_reach_only_when_configured(
    world, case_manager, settings, seconds, fresh
):
    from xietong.access.models import User
    from xietong.org.selectors import person_stats
    from xietong.org.services import person_create

    settings.XIETONG_STATS_CACHE_SECONDS = seconds
    before = person_stats(viewer=User.objects.get(pk=case_manager.pk))["total"]
    person_create(
        actor=None,
        name="新人",
        id_number=new_id_number("410105"),
        unit=world.units["a_edu"],
        management_level="other",
    )
    after = person_stats(viewer=User.objects.get(pk=case_manager.pk))["total"]
    assert after == (before + 1 if fresh else before)
