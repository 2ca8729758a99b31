"""The main leader (主要负责人) mark: set by the 安全保密管理员, only on a 委领导, audited."""

import pytest

from tests.factories import account
from xietong.access.services import account_set_main_leader
from xietong.audit.models import AuditEntry
from xietong.core.errors import NotFound, ValidationError


def test_secadmin_marks_a_leader_and_it_is_audited(world):
    secadmin = account(world.units["a_commission"], "secadmin")
    leader = account(world.units["a_commission"], "leader")
    account_set_main_leader(actor=secadmin, user=leader, main=True)
    leader.refresh_from_db()
    assert leader.is_main_leader
    assert AuditEntry.objects.filter(
        actor_id=secadmin.pk, object_id=str(leader.pk), summary__contains="主要负责人"
    ).exists()
    account_set_main_leader(actor=secadmin, user=leader, main=False)
    leader.refresh_from_db()
    assert not leader.is_main_leader


def test_only_a_leader_can_be_main_leader(world):
    secadmin = account(world.units["a_commission"], "secadmin")
    handler = account(world.units["a_supervision_office"], "handler")
    with pytest.raises(ValidationError) as err:
        account_set_main_leader(actor=secadmin, user=handler, main=True)
    assert "委领导" in err.value.message
    handler.refresh_from_db()
    assert not handler.is_main_leader


def test_a_sysadmin_or_business_user_cannot_mark(world):
    leader = account(world.units["a_commission"], "leader")
    for role in ("sysadmin", "leader", "case_manager"):
        actor = account(world.units["a_commission"], role)
        with pytest.raises((NotFound, ValidationError)):
            account_set_main_leader(actor=actor, user=leader, main=True)
    leader.refresh_from_db()
    assert not leader.is_main_leader
