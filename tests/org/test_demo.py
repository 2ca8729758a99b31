"""The demo province: deterministic, valid identifiers, real accounts, all-or-nothing.

Runs at a tiny scale (0.05: ~1,100 persons, one township per county) to stay fast; the
figures at scale 1 and 10 are measured by ``xietong demo`` and reported, not asserted here.
"""

import pytest
from django.contrib.auth import authenticate
from django.db import transaction

from xietong.access.models import User
from xietong.access.roles import ADMIN_ROLES, Grant, Role
from xietong.audit.models import Action, AuditEntry
from xietong.core.crypto import field_cipher
from xietong.core.errors import ValidationError
from xietong.core.identifiers import mask_id_number, parse_id_number, validate_uscc
from xietong.org import demo
from xietong.org.models import (
    SUPERVISING_KINDS,
    CollaborationZone,
    Person,
    Posting,
    Region,
    RegionLevel,
    Relative,
    Unit,
    UnitKind,
)
from xietong.org.services import PHONE_KIND, id_lookup_hash

SCALE = 0.05


def _quiet(*args, **kwargs):
    pass


def _build(**kwargs):
    kwargs.setdefault("scale", SCALE)
    kwargs.setdefault("log", _quiet)
    return demo.build_demo(**kwargs)


class _Rollback(Exception):
    pass


def _snapshot():
    return {
        "regions": list(
            Region.objects.order_by("code").values_list("code", "name", "path")
        ),
        "units": list(Unit.objects.order_by("id").values_list("name", "kind", "uscc")),
        "persons": list(
            Person.objects.order_by("id").values_list(
                "name",
                "id_number_masked",
                "id_number_hash",
                "position",
                "management_level",
            )
        ),
        "relatives": list(
            Relative.objects.order_by("id").values_list(
                "relation", "name", "id_number_hash"
            )
        ),
        "accounts": list(
            User.objects.order_by("username").values_list("username", "full_name")
        ),
    }


def _build_and_discard(**kwargs):
    try:
        with transaction.atomic():
            _build(**kwargs)
            snap = _snapshot()
            raise _Rollback
    except _Rollback:
        pass
    assert not Region.objects.exists()
    return snap


@pytest.mark.django_db
def test_same_seed_and_scale_give_the_same_province():
    first = _build_and_discard(seed=7)
    second = _build_and_discard(seed=7)
    assert first["persons"], "the build produced no persons"
    assert first == second
    other = _build_and_discard(seed=8)
    assert other["persons"] != first["persons"]
    real = [r for r in first["regions"] if len(r[0]) == 6]  # province, cities, counties
    assert len(real) == 32
    assert [r for r in other["regions"] if len(r[0]) == 6] == real


@pytest.mark.django_db
def test_every_id_number_is_valid_and_stored_consistently():
    _build()
    cipher = field_cipher()
    numbers = set()
    for person in Person.objects.all():
        number = cipher.decrypt(person.id_number_enc)
        parsed = parse_id_number(number)
        assert parsed.number == number
        assert parsed.region_code.startswith("41")
        assert person.birth_date == parsed.birth_date
        assert person.gender == parsed.gender
        assert 1962 <= person.birth_date.year <= 2000
        assert person.id_number_masked == mask_id_number(number)
        assert person.id_number_hash == id_lookup_hash(number)
        if person.phone_enc:
            phone = cipher.decrypt(person.phone_enc)
            assert len(phone) == 11 and phone[:2] in ("13", "15", "18")
            assert person.phone_hash == cipher.lookup_hash(PHONE_KIND, phone)
        numbers.add(number)
    assert len(numbers) == Person.objects.count()
    relatives = Relative.objects.exclude(id_number_enc="")
    assert relatives.exists()
    for rel in relatives:
        number = cipher.decrypt(rel.id_number_enc)
        parse_id_number(number)
        assert rel.id_number_hash == id_lookup_hash(number)
        assert rel.id_number_masked == mask_id_number(number)
        if rel.linked_person_id:
            assert rel.linked_person.id_number_hash == rel.id_number_hash
            assert rel.linked_person.unit_id != rel.person.unit_id
        else:
            # An unlinked relative's number is not a supervised person's.
            assert number not in numbers


@pytest.mark.django_db
def test_persons_have_one_top_leader_per_unit_and_a_current_posting():
    _build()
    persons = Person.objects.count()
    assert persons >= round(demo.PERSONS_AT_SCALE_1 * SCALE)
    staffed = Unit.objects.filter(persons__isnull=False).distinct()
    for unit in staffed:
        assert unit.persons.filter(is_top_leader=True).count() == 1, unit
    assert Posting.objects.filter(end_date__isnull=True).count() == persons
    for posting in Posting.objects.filter(end_date__isnull=False)[:200]:
        assert posting.start_date < posting.end_date
        assert posting.unit_id != posting.person.unit_id
    assert Relative.objects.filter(linked_person__isnull=False).exists()
    assert Person.objects.filter(verified=False).exists()
    assert not Person.objects.filter(
        unit__kind__in=[UnitKind.PARTNER, *SUPERVISING_KINDS]
    ).exists()


@pytest.mark.django_db
def test_regions_and_units_form_a_consistent_tree():
    _build()
    assert Region.objects.get(code="410000").name == "河南省"
    assert Region.objects.get(code="410105").name == "金水区"
    assert Region.objects.filter(level=RegionLevel.CITY).count() == 5
    for region in Region.objects.select_related("parent"):
        expected = (region.parent.path if region.parent else "") + region.code + "/"
        assert region.path == expected
    for unit in Unit.objects.select_related("parent"):
        assert unit.path == (unit.parent.path if unit.parent else "/") + f"{unit.pk}/"
    usccs = list(Unit.objects.exclude(uscc=None).values_list("uscc", flat=True))
    assert len(usccs) == len(set(usccs))
    assert all(validate_uscc(code) == code for code in usccs)
    assert not Unit.objects.filter(kind=UnitKind.GOV_DEPARTMENT, uscc=None).exists()
    for group in Unit.objects.filter(kind=UnitKind.STATIONED_GROUP):
        hosts = list(group.host_units.all())
        assert 2 <= len(hosts) <= 4, group
        assert all(h.kind == UnitKind.GOV_DEPARTMENT for h in hosts)
        assert group.parent.kind == UnitKind.COMMISSION
    for tc in Unit.objects.filter(kind=UnitKind.TOWNSHIP_COMMISSION):
        assert list(tc.supervised_regions.all()) == [tc.region]
    # The structure alone gives more than 郑州's 127 supervising units, even when thinned.
    assert Unit.objects.filter(kind__in=SUPERVISING_KINDS).count() >= 127
    assert CollaborationZone.objects.count() == 10
    assert all(z.groups.count() >= 1 for z in CollaborationZone.objects.all())


@pytest.mark.django_db
def test_every_role_has_an_account_that_can_log_in():
    accounts = _build()
    usernames = {a.username for a in accounts}
    for prefix in ("sheng", "shi", "xian"):
        for role in Role:
            assert f"{prefix}_{role.value}" in usernames
    assert "zhen_handler" in usernames
    assert len(accounts) == 3 * len(Role) + 2
    org_liaison = User.objects.get(username="xian_zuzhibu")
    assert org_liaison.unit.partner_kind == "organisation"
    assert org_liaison.unit.region.code == "410105"
    for account in accounts:
        user = authenticate(
            None, username=account.username, password=demo.DEMO_PASSWORD
        )
        assert user is not None, account.username
        assert user.role_set == {account.role}
        assert user.unit.name == account.unit_name
        has_grant = Grant.SENSITIVE_IDENTITY in user.grant_set
        assert has_grant == account.sensitive
        assert has_grant == (
            account.role in ("leader", "handler", "case_manager")
            and account.username != "zhen_handler"
        )
    for user in User.objects.all():
        if user.role_set & ADMIN_ROLES:
            assert len(user.role_set) == 1
            assert not user.grant_set
    partner = User.objects.get(username="shi_partner_liaison")
    assert partner.unit.kind == UnitKind.PARTNER
    assert User.objects.get(username="xian_handler").unit.region.code == "410105"


@pytest.mark.django_db
def test_accounts_can_be_listed_again_and_printed():
    accounts = _build()
    assert demo.demo_exists()
    assert demo.existing_demo_accounts() == accounts
    table = demo.demo_accounts_summary(accounts)
    assert demo.DEMO_PASSWORD in table
    for account in accounts:
        assert account.username in table
    with pytest.raises(ValidationError):
        _build()


@pytest.mark.django_db
def test_bulk_generation_is_one_audit_entry():
    _build()
    entries = AuditEntry.objects.filter(object_type="org.demo")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.action == Action.IMPORT
    assert str(Person.objects.count()) in entry.summary
    assert not AuditEntry.objects.filter(object_type="org.person").exists()


@pytest.mark.django_db
def test_a_failure_leaves_nothing_behind(monkeypatch):
    from xietong.access import services

    def fail(**kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(services, "account_create", fail)
    with pytest.raises(RuntimeError):
        _build()
    assert not demo.demo_exists()
    assert not Unit.objects.exists()
    assert not Person.objects.exists()
    assert not AuditEntry.objects.filter(object_type="org.demo").exists()


@pytest.mark.django_db
def test_scale_must_be_positive():
    with pytest.raises(ValidationError):
        _build(scale=0)
    assert not Region.objects.exists()
