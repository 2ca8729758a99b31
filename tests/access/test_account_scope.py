"""Administrators manage the accounts of their own commission's reach, nobody else's."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, account
from xietong.access.models import User
from xietong.access.roles import Role
from xietong.access.services import account_create, role_assign
from xietong.core.errors import NotFound, ValidationError


@pytest.fixture
def accounts(world):
    return {
        "a_sys": account(world.units["a_commission"], "sysadmin"),
        "a_sec": account(world.units["a_commission"], "secadmin"),
        "in": account_create(
            actor=None,
            username="in_reach",
            full_name="甲",
            unit=world.units["a_edu"],
            password=PASSWORD,
        ),
        "out": account_create(
            actor=None,
            username="out_of_reach",
            full_name="乙",
            unit=world.units["b_edu"],
            password=PASSWORD,
        ),
    }


def test_account_list_shows_only_accounts_in_reach(client, accounts):
    client.force_login(accounts["a_sys"])
    body = client.get(reverse("access:accounts")).content.decode()
    assert "in_reach" in body
    assert "out_of_reach" not in body


@pytest.mark.parametrize("admin", ["a_sys", "a_sec"])
def test_out_of_reach_account_answers_404(client, accounts, admin):
    client.force_login(accounts[admin])
    assert (
        client.get(reverse("access:account", args=[accounts["out"].pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("access:account", args=[accounts["in"].pk])).status_code
        == 200
    )


def test_secadmin_cannot_give_roles_outside_reach(accounts):
    with pytest.raises(NotFound):
        role_assign(actor=accounts["a_sec"], user=accounts["out"], role=Role.HANDLER)
    assert not accounts["out"].role_assignments.exists()


def test_sysadmin_cannot_create_accounts_in_other_counties(world, accounts):
    with pytest.raises(ValidationError) as err:
        account_create(
            actor=accounts["a_sys"],
            username="new_b",
            full_name="丙",
            unit=world.units["b_edu"],
            password=PASSWORD,
        )
    assert "不在您管理的范围内" in err.value.message
    assert not User.objects.filter(username="new_b").exists()


def test_province_administrator_manages_every_county(world, client):
    province = world.units.get("prov_commission")
    if province is None:
        from xietong.org.models import UnitKind
        from xietong.org.services import unit_create

        province = unit_create(
            actor=None,
            name="河南省纪委监委",
            kind=UnitKind.COMMISSION,
            region=world.regions["prov"],
            supervised_regions=[world.regions["prov"]],
        )
    admin = account(province, "sysadmin")
    target = account_create(
        actor=None,
        username="b_target",
        full_name="丁",
        unit=world.units["b_edu"],
        password=PASSWORD,
    )
    client.force_login(admin)
    assert client.get(reverse("access:account", args=[target.pk])).status_code == 200
