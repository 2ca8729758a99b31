"""党风廉政意见回复: submission (screen, .xlsx, API), bulk proposals, confirmation, the export,
need to know (the asking unit never learns clue content) and the query count at scale."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.clues.test_outcomes import (
    RECENT,
    case_about,
    open_case,
    record,
    register,
    staff,
)
from tests.factories import account, new_id_number, new_uscc
from xietong.access.roles import Role
from xietong.audit.models import Action, AuditEntry
from xietong.clues import services
from xietong.clues.models import IntegrityBatch, IntegrityEntry
from xietong.clues.services import SanctionInput
from xietong.clues.services.common import clue_transition
from xietong.core.crypto import field_cipher
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from xietong.dashboard.registry import todos_for
from xietong.org.models import UnitKind
from xietong.org.services import person_create, unit_create


def _id(person) -> str:
    return field_cipher().decrypt(person.id_number_enc)


def org_department(world, county="a"):
    region = world.regions[county]
    return unit_create(
        actor=None,
        name=f"{region.name}委组织部",
        kind=UnitKind.PARTNER,
        region=region,
        partner_kind="organisation",
        uscc=new_uscc(region.code),
    )


@pytest.fixture
def liaison(world):
    return account(org_department(world), Role.PARTNER_LIAISON)


@pytest.fixture
def vetting(world):
    """张建国 under an active sanction, 李秀英 with an open clue, 王磊 with nothing."""
    a = staff(world)
    case = case_about(world, "a_edu_head")
    record(
        a.handler,
        case,
        decided_date=RECENT,
        sanctions=[SanctionInput("party_warning", RECENT)],
    )
    clue = register(world, ["a_health_staff"], summary="反映其在药品采购中收受回扣")
    return {"case": case, "clue": clue, "staff": a}


def _rows(world, *keys):
    return [(world.persons[k].name, _id(world.persons[k])) for k in keys]


def submit(liaison, rows, purpose="2026年度科级干部选拔任用"):
    return services.integrity_batch_submit(actor=liaison, purpose=purpose, rows=rows)


# --- proposals ---------------------------------------------------------------------------


def test_proposals_from_sanctions_open_clues_and_the_registry(world, liaison, vetting):
    stranger = new_id_number("410105")
    batch = submit(
        liaison,
        _rows(world, "a_edu_head", "a_health_staff", "a_town_staff")
        + [("赵六", stranger)],
    )
    assert batch.commission == world.units["a_commission"]
    assert batch.requesting_unit == liaison.unit
    e = {x.row: x for x in batch.entries.all()}
    assert [e[i].proposal for i in (1, 2, 3, 4)] == [
        "objection",
        "defer",
        "none",
        "none",
    ]
    end = vetting["case"].outcomes.get().sanctions.get().influence_end
    assert e[1].reasons[0]["text"].startswith("受到党内警告处分")
    assert f"影响期至{end:%Y-%m-%d}" in e[1].reasons[0]["text"]
    assert e[1].reasons[0]["public"] == f"处分影响期内（至{end:%Y-%m-%d}）"
    # The concluded-or-not case of 张建国 is still open (立案审查调查) as well.
    assert "其中立案审查调查1件" in e[1].reasons[1]["text"]
    assert e[2].reasons == [
        {"text": "有1件尚未办结的问题线索", "public": "存在尚未办结的问题线索"}
    ]
    assert e[3].reasons == [] and e[3].person == world.persons["a_town_staff"]
    assert e[4].person is None and "监督对象库中无此人记录" in e[4].reasons[0]["text"]
    assert e[4].id_masked == stranger[:6] + "********" + stranger[-4:]
    entry = AuditEntry.objects.get(
        action=Action.CREATE, object_type="clues.integritybatch"
    )
    assert json.loads(entry.summary)["人数"] == 4 and entry.actor_id == liaison.pk


def test_expired_sanctions_and_closed_clues_give_no_opinion(world, liaison):
    a = staff(world)
    case = open_case(world, register(world, ["a_town_staff"], owner="a_commission"))
    record(
        a.handler, case, sanctions=[SanctionInput("gov_warning", dt.date(2026, 3, 10))]
    )
    clue_transition(actor=a.handler, clue=case, event="conclude")
    batch = submit(liaison, _rows(world, "a_town_staff"))
    assert batch.entries.get().proposal == "none"


# --- bad input ---------------------------------------------------------------------------


def test_bad_rows_refuse_the_whole_list(world, liaison):
    good = _id(world.persons["a_town_staff"])
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [
        ("王磊", good),
        ("张三", wrong_check),
        ("王磊", good),
        ("李四", _id(world.persons["a_health_staff"])),
        ("", new_id_number()),
    ]
    with pytest.raises(ValidationError) as exc:
        submit(liaison, rows)
    fields = exc.value.fields
    assert set(fields) == {"第 2 行", "第 3 行", "第 4 行", "第 5 行"}
    assert "校验位错误" in fields["第 2 行"]
    assert "与第 1 行重复" in fields["第 3 行"]
    assert "姓名与监督对象库" in fields["第 4 行"]
    assert "李秀英" not in fields["第 4 行"]  # the registry name is not disclosed
    assert "姓名为空" in fields["第 5 行"]
    assert "整份名单未提交" in exc.value.message
    assert not IntegrityBatch.objects.exists() and not IntegrityEntry.objects.exists()


def test_empty_list_missing_purpose_and_wrong_sender(world, liaison):
    with pytest.raises(ValidationError, match="名单为空"):
        submit(liaison, [])
    with pytest.raises(ValidationError) as exc:
        submit(liaison, _rows(world, "a_town_staff"), purpose=" ")
    assert "purpose" in exc.value.fields
    for user in (
        staff(world).registrar,
        account(world.units["a_edu"], Role.PARTNER_LIAISON),  # not a partner unit
    ):
        with pytest.raises(PermissionDenied):
            submit(user, _rows(world, "a_town_staff"))
    assert not IntegrityBatch.objects.exists()


def test_confirm_overrides_and_is_final(world, liaison, vetting):
    batch = submit(
        liaison, _rows(world, "a_edu_head", "a_health_staff", "a_town_staff")
    )
    cm = staff(world).registrar  # 案管 of the commission
    with pytest.raises(ValidationError) as exc:
        services.integrity_batch_confirm(
            actor=cm, batch=batch, overrides={3: ("defer", ""), 9: ("none", "x")}
        )
    assert set(exc.value.fields) == {"第 3 行", "第 9 行"}
    assert "须填写回复说明" in exc.value.fields["第 3 行"]
    batch.refresh_from_db()
    assert not batch.is_confirmed
    assert not IntegrityEntry.objects.exclude(reply="").exists()

    for outsider in (liaison, staff(world, "b").leader):
        with pytest.raises((NotFound, PermissionDenied)):
            services.integrity_batch_confirm(actor=outsider, batch=batch)
    with pytest.raises(NotFound):  # the commission, but not 案管 or 委领导
        services.integrity_batch_confirm(actor=staff(world).handler, batch=batch)

    services.integrity_batch_confirm(
        actor=cm, batch=batch, overrides={3: ("defer", "群众反映问题正在核查")}
    )
    e = {x.row: x for x in batch.entries.all()}
    end = vetting["case"].outcomes.get().sanctions.get().influence_end
    assert (e[1].reply, e[2].reply, e[3].reply) == ("objection", "defer", "defer")
    assert (
        e[1].reply_note == f"处分影响期内（至{end:%Y-%m-%d}）；存在尚未办结的问题线索"
    )
    assert e[2].reply_note == "存在尚未办结的问题线索"
    assert e[3].reply_note == "群众反映问题正在核查"
    batch.refresh_from_db()
    assert batch.is_confirmed and batch.confirmed_by == cm
    entry = AuditEntry.objects.get(
        action=Action.TRANSITION, object_type="clues.integritybatch"
    )
    assert json.loads(entry.summary)["改变建议意见的行"] == [3]
    with pytest.raises(Conflict, match="不能再次确认"):
        services.integrity_batch_confirm(actor=cm, batch=batch)


# --- screens, export and need to know ----------------------------------------------------


def _xlsx(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cells(resp) -> list[tuple]:
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(resp.content), read_only=True)
    return [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def test_xlsx_upload_confirm_and_export_round_trip(client, world, liaison, vetting):
    stranger = new_id_number("410105")
    upload = _xlsx(
        [
            ["2026年拟提拔人选名单"],  # a title row above the header
            ["序号", "姓名", "身份证号码", "备注"],
            [1, "张建国", _id(world.persons["a_edu_head"]), ""],
            [2, "李秀英", _id(world.persons["a_health_staff"]).lower(), ""],
            [],
            [3, "赵六", stranger, "外地调入"],
        ]
    )
    client.force_login(liaison)
    resp = client.post(
        reverse("clues:integrity_new"),
        {
            "purpose": "拟提拔人选",
            "file": SimpleUploadedFile("名单.xlsx", upload),
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    batch = IntegrityBatch.objects.get()
    assert [e.name for e in batch.entries.all()] == ["张建国", "李秀英", "赵六"]
    page = client.get(
        reverse("clues:integrity_batch", args=[batch.pk])
    ).content.decode()
    assert "待回复" in page
    assert "有意见" not in page and "处分" not in page and "线索" not in page
    # The asking unit may not export before the commission has replied.
    export = reverse("clues:integrity_batch", args=[batch.pk]) + "?export=xlsx"
    assert client.get(export).status_code == 404

    cm = staff(world).registrar
    client.force_login(cm)
    page = client.get(
        reverse("clues:integrity_batch", args=[batch.pk])
    ).content.decode()
    assert "受到党内警告处分" in page and "需核查" in page
    draft = _cells(client.get(export))
    assert draft[0] == (
        "序号",
        "姓名",
        "身份证号码",
        "建议意见",
        "依据",
        "回复意见",
        "回复说明",
    )
    assert draft[1][3] == "有意见" and "党内警告" in draft[1][4]
    resp = client.post(
        reverse("clues:integrity_confirm", args=[batch.pk]),
        {"reply_1": "objection", "reply_2": "none", "note_2": ""},
    )
    assert resp.status_code == 200  # a changed verdict without a note: shown again
    assert "须填写回复说明" in resp.content.decode()
    assert not IntegrityBatch.objects.get().is_confirmed
    resp = client.post(
        reverse("clues:integrity_confirm", args=[batch.pk]),
        {"reply_1": "objection", "reply_2": "defer", "reply_3": "none"},
    )
    assert resp.status_code == 302
    again = client.post(
        reverse("clues:integrity_confirm", args=[batch.pk]),
        {"reply_1": "none"},
        follow=True,
    )
    assert "不能再次确认" in again.content.decode()
    assert IntegrityEntry.objects.get(row=1).reply == "objection"

    client.force_login(liaison)
    page = client.get(
        reverse("clues:integrity_batch", args=[batch.pk])
    ).content.decode()
    assert "存在尚未办结的问题线索" in page and "处分影响期内" in page
    assert "药品采购" not in page and vetting["clue"].number not in page
    rows = _cells(client.get(export))
    assert rows[0] == ("序号", "姓名", "身份证号码", "回复意见", "说明")
    assert rows[1][:2] == (1, "张建国") and rows[1][3] == "有意见"
    assert rows[1][2].startswith(_id(world.persons["a_edu_head"])[:6] + "********")
    assert rows[2][3:] == ("暂缓", "存在尚未办结的问题线索")
    assert rows[3][3] == "无意见"
    flat = json.dumps(rows, ensure_ascii=False)
    assert "党内警告" not in flat and "立案" not in flat and "回扣" not in flat
    exports = AuditEntry.objects.filter(action=Action.EXPORT)
    assert {e.actor_id for e in exports} == {cm.pk, liaison.pk}


def test_textarea_submission_reports_row_errors(client, world, liaison):
    client.force_login(liaison)
    good = _id(world.persons["a_town_staff"])
    resp = client.post(
        reverse("clues:integrity_new"),
        {
            "purpose": "评先评优",
            "text": f"姓名,身份证号码\n王磊,{good}\n\n王磊，{good}\n",
        },
    )
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "第 4 行" in text and "与第 2 行重复" in text
    assert not IntegrityBatch.objects.exists()
    resp = client.post(
        reverse("clues:integrity_new"), {"purpose": "评先评优", "text": f"王磊 {good}"}
    )
    assert resp.status_code == 302
    assert IntegrityBatch.objects.get().entries.get().name == "王磊"


def test_another_county_cannot_see_the_batch(client, world, liaison, vetting):
    batch = submit(liaison, _rows(world, "a_edu_head"))
    url = reverse("clues:integrity_batch", args=[batch.pk])
    outsiders = [
        account(org_department(world, "b"), Role.PARTNER_LIAISON),
        staff(world, "b").registrar,
        staff(world).handler,  # the commission, but not 案管 or 委领导
        account(world.units["a_procuratorate"], Role.PARTNER_LIAISON),  # another unit
    ]
    for user in outsiders:
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(f"/api/integrity-batches/{batch.pk}").status_code == 404
        listed = client.get(reverse("clues:integrity_batches"))
        assert listed.status_code == 404 or batch.purpose not in listed.content.decode()


def test_api_gives_the_liaison_no_reasons(client, world, liaison, vetting):
    client.force_login(liaison)
    resp = client.post(
        "/api/integrity-batches",
        json.dumps(
            {
                "purpose": "年度考核",
                "rows": [
                    {"name": n, "id_number": i}
                    for n, i in _rows(world, "a_edu_head", "a_health_staff")
                ],
            }
        ),
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert all(e["proposal"] is None and e["reasons"] is None for e in body["entries"])
    assert all(e["reply"] is None for e in body["entries"])
    batch_id = body["id"]
    denied = client.post(
        f"/api/integrity-batches/{batch_id}/confirm",
        json.dumps({}),
        content_type="application/json",
    )
    assert denied.status_code == 404

    client.force_login(staff(world).leader)
    detail = client.get(f"/api/integrity-batches/{batch_id}").json()
    assert [e["proposal"] for e in detail["entries"]] == ["objection", "defer"]
    resp = client.post(
        f"/api/integrity-batches/{batch_id}/confirm",
        json.dumps(
            {"overrides": [{"row": 2, "verdict": "objection", "note": "另有问题"}]}
        ),
        content_type="application/json",
    )
    assert resp.status_code == 200
    again = client.post(
        f"/api/integrity-batches/{batch_id}/confirm",
        json.dumps({}),
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "conflict"

    client.force_login(liaison)
    detail = client.get(f"/api/integrity-batches/{batch_id}").json()
    assert [e["reply_label"] for e in detail["entries"]] == ["有意见", "有意见"]
    assert detail["entries"][1]["reply_note"] == "另有问题"
    assert "药品" not in json.dumps(detail, ensure_ascii=False)
    listed = client.get("/api/integrity-batches").json()
    assert [b["id"] for b in listed["items"]] == [batch_id]

    bad = client.post(
        "/api/integrity-batches",
        json.dumps({"purpose": "x", "rows": [{"name": "甲", "id_number": "123"}]}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and "第 1 行" in bad.json()["fields"]


def test_commission_to_do(world, liaison):
    batch = submit(liaison, _rows(world, "a_town_staff"))
    cm = staff(world).registrar
    titles = [t.title for t in todos_for(cm)]
    assert any("党风廉政意见征求待回复" in t for t in titles)
    assert not any(
        "党风廉政意见" in t.title for t in todos_for(staff(world, "b").registrar)
    )
    services.integrity_batch_confirm(actor=cm, batch=batch)
    assert not any("党风廉政意见" in t.title for t in todos_for(cm))


def test_parse_text_handles_headers_and_separators():
    rows, lines = services.parse_integrity_text(
        "姓名,身份证号码\n张三，410105\n\n李四\t410106\n王五 410107\n"
    )
    assert rows == [("张三", "410105"), ("李四", "410106"), ("王五", "410107")]
    assert lines == [2, 4, 5]


def test_a_file_that_is_not_a_workbook(client, world, liaison):
    client.force_login(liaison)
    resp = client.post(
        reverse("clues:integrity_new"),
        {"purpose": "x", "file": SimpleUploadedFile("名单.xlsx", b"not a zip")},
    )
    assert resp.status_code == 200 and "不是有效的 .xlsx" in resp.content.decode()
    assert not IntegrityBatch.objects.exists()


# --- scale ---------------------------------------------------------------------------------


def _people(world, n):
    unit = world.units["a_health"]
    out = []
    for i in range(n):
        number = new_id_number("410105")
        person_create(
            actor=None,
            name=f"干部{i:03d}",
            id_number=number,
            unit=unit,
            position="科员",
        )
        out.append((f"干部{i:03d}", number))
    return out


def test_query_count_does_not_grow_with_the_list(world, liaison, vetting):
    people = _people(world, 50)
    extra = _rows(world, "a_edu_head", "a_health_staff")

    def queries(rows):
        with CaptureQueriesContext(connection) as ctx:
            submit(liaison, rows)
        return len(ctx.captured_queries)

    submit(liaison, people[:1])  # warm the account's role cache
    small = queries(people[:3] + extra)
    large = queries(people + extra)
    assert small == large, (small, large)
    assert large <= 20
    batch = IntegrityBatch.objects.order_by("-id").first()
    assert batch.entries.count() == 52
    assert batch.entries.filter(proposal="objection").count() == 1


# --- need-to-know matrix support (tests/access/test_policy_matrix.py) ---------------------

REPLY_ROLES = frozenset({Role.LEADER, Role.CASE_MANAGER})
BATCH_ROLES = REPLY_ROLES | {Role.PARTNER_LIAISON}
RECORD_ROLES = frozenset({Role.HEAD, Role.HANDLER})


def matrix_target(kind: str, world, scope: str):
    """A case, an outcome or a batch in county a ("in") or county b ("out")."""
    county = "a" if scope == "in" else "b"
    if kind in ("outcome_case", "outcome"):
        case = case_about(world, f"{county}_edu_head", county=county)
        if kind == "outcome_case":
            return case
        return record(staff(world, county).handler, case, form=1)
    asker = account(world.units[f"{county}_procuratorate"], Role.PARTNER_LIAISON)
    batch = submit(asker, _rows(world, f"{county}_edu_head"), purpose="矩阵测试征求")
    if kind == "integrity_reply":
        services.integrity_batch_confirm(
            actor=staff(world, county).registrar, batch=batch
        )
    return batch


def _sanction_fields() -> dict:
    return {"kind_1": "party_warning", "effective_1": RECENT.isoformat()}


def matrix_outcome_body(ctx, t) -> dict:
    return {
        "subject": t.subjects.first().pk,
        "form": "2",
        "conclusion": "矩阵测试：给予党内警告处分",
        "decided_date": RECENT.isoformat(),
        **_sanction_fields(),
    }


def matrix_correct_body(ctx, t) -> dict:
    return {
        "reason": "矩阵测试更正",
        "form": "2",
        "conclusion": "矩阵测试：更正为党内警告",
        "decided_date": RECENT.isoformat(),
        **_sanction_fields(),
    }


def matrix_api_outcome_body(ctx, t) -> dict:
    return {
        "subject_id": t.subjects.first().pk,
        "form": 2,
        "conclusion": "矩阵测试：给予党内警告处分",
        "decided_date": RECENT.isoformat(),
        "sanctions": [{"kind": "party_warning", "effective_date": RECENT.isoformat()}],
    }


def matrix_check_outcome(ctx, resp):
    from xietong.clues.models import Sanction

    assert Sanction.objects.filter(
        kind="party_warning", person=ctx.world.persons["a_edu_head"]
    ).exists()


def matrix_check_report(ctx, resp):
    from xietong.clues.models import CaseReport

    assert CaseReport.objects.filter(title="矩阵测试剖析报告").exists()


def matrix_new_batch_body(ctx, t) -> dict:
    return {
        "purpose": "矩阵测试征求",
        "text": "\n".join(",".join(r) for r in _rows(ctx.world, "a_edu_head")),
    }


def matrix_api_batch_body(ctx, t) -> dict:
    return {
        "purpose": "矩阵测试征求",
        "rows": [
            {"name": n, "id_number": i} for n, i in _rows(ctx.world, "a_edu_head")
        ],
    }


def matrix_check_batch(ctx, resp):
    batch = IntegrityBatch.objects.get(purpose="矩阵测试征求")
    assert batch.commission == ctx.world.units["a_commission"]
    assert batch.entries.get().name == "张建国"


def matrix_check_confirmed(ctx, resp):
    assert IntegrityBatch.objects.get(purpose="矩阵测试征求").is_confirmed


def matrix_check_reply_export(ctx, resp):
    wb = openpyxl.load_workbook(io.BytesIO(resp.content), read_only=True)
    rows = [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    assert rows[1][1] == "张建国"
    if ctx.role == Role.PARTNER_LIAISON:
        assert rows[0] == ("序号", "姓名", "身份证号码", "回复意见", "说明")
    else:
        assert "建议意见" in rows[0] and "依据" in rows[0]
