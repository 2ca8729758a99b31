"""The demo province's big-data supervision: real imports, one run, a triaged ledger."""

import pytest

from xietong.access.models import User
from xietong.access.policies import scope_hits
from xietong.analytics.demo import build_analytics
from xietong.analytics.engine import CATALOGUE
from xietong.analytics.models import (
    Dataset,
    Hit,
    HitStatus,
    ModelRun,
    RunSchedule,
    RunStatus,
)
from xietong.org import demo
from xietong.org.models import Person


def _quiet(*args, **kwargs):
    pass


@pytest.mark.django_db
def test_demo_county_has_hits_of_every_model_some_triaged_and_archive_links():
    demo.build_demo(scale=0.05, log=_quiet)
    made = build_analytics(log=_quiet)

    analyst = User.objects.get(username="xian_analyst")
    assert made == Hit.objects.count() > 0
    assert {d.kind for d in Dataset.objects.all()} == {
        "residents", "deaths", "officials", "relatives", "companies",
        "shareholders", "contracts", "payments", "payroll", "vehicles_use",
    }  # fmt: skip
    assert set(ModelRun.objects.values_list("status", flat=True)) == {RunStatus.DONE}
    assert set(Hit.objects.values_list("model", flat=True)) == {*CATALOGUE, "custom"}
    # A shared custom model of the county, run through the job queue, and a monthly
    # schedule of the whole catalogue.
    custom = Hit.objects.filter(model="custom")
    assert custom.exists() and all(h.custom_model.shared for h in custom)
    assert all("个项目补贴" in h.reason for h in custom)
    assert RunSchedule.objects.get().every == "monthly"
    statuses = set(Hit.objects.values_list("status", flat=True))
    assert {HitStatus.NEW, HitStatus.DISMISSED, HitStatus.TO_CLUE} <= statuses
    dismissed = Hit.objects.filter(status=HitStatus.DISMISSED)
    assert all(h.triage_reason for h in dismissed)
    # The county's analyst sees them all; the city's analyst none of them.
    assert scope_hits(analyst, Hit.objects.all()).count() == made
    city = User.objects.get(username="shi_analyst")
    assert not scope_hits(city, Hit.objects.all()).exists()
    # Two 低保 recipients are persons of the demo: their hits open onto an archive.
    linked = Person.objects.filter(
        id_number_hash__in=Hit.objects.filter(model="relative_welfare").values(
            "subject_id_number_hash"
        )
    )
    assert linked.count() == 2
    # Running it again adds nothing.
    assert build_analytics(log=_quiet) == 0
