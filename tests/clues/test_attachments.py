"""Attachments on petitions and clues: checks, encryption at rest, audited download, reach."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import account
from xietong.access.roles import Role
from xietong.audit.models import Action, AuditEntry
from xietong.clues.models import Attachment
from xietong.clues.services import (
    SubjectInput,
    attachment_add,
    attachment_download,
    clue_register,
    petition_register,
    team_close,
    team_form,
)
from xietong.clues.services.attachments import (
    access_attachment_by_id,
    clean_name,
    storage_dir,
)
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_home(settings, tmp_path):
    """Keys and stored files of this test only (parallel workers share the session home)."""
    from xietong.audit.services import checkpoint_file
    from xietong.core.crypto import reset_cipher_cache

    settings.XIETONG_HOME = tmp_path
    checkpoint_file.cache_clear()
    reset_cipher_cache()
    yield tmp_path
    checkpoint_file.cache_clear()
    reset_cipher_cache()


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%% \xe4\xb8\xbe\xe6\x8a\xa5\xe6\x9d\x90\xe6\x96\x99 SECRET-PLAINTEXT-MARKER\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32
MP3 = b"ID3\x03\x00" + b"\x00" * 32
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 16
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def _zip(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in names:
            z.writestr(n, "<x/>")
    return buf.getvalue()


DOCX = _zip("[Content_Types].xml", "word/document.xml")
XLSX = _zip("[Content_Types].xml", "xl/workbook.xml")
OFD = _zip("OFD.xml", "Doc_0/Document.xml")


def _clue(world, county="a"):
    registrar = account(world.units[f"{county}_case_management"], Role.CASE_MANAGER)
    return clue_register(
        actor=registrar,
        source="petition",
        received_date=dt.date(2026, 3, 2),
        summary=f"{county}县教育局长违规收受礼金",
        subjects=[SubjectInput(person=world.persons[f"{county}_edu_head"])],
    )


def _petition(world, clerk):
    return petition_register(
        actor=clerk,
        channel="letter",
        received_date=dt.date(2026, 3, 1),
        content="举报某局长收受礼金",
    )


@pytest.fixture
def people(world):
    u = world.units
    return {
        "manager": account(u["a_case_management"], Role.CASE_MANAGER),
        "handler": account(u["a_supervision_office"], Role.HANDLER),
        "clerk": account(u["a_petition_office"], Role.PETITION_CLERK),
        "town": account(u["a_town_commission"], Role.HANDLER),
        "b_handler": account(u["b_supervision_office"], Role.HANDLER),
        "b_clerk": account(u["b_petition_office"], Role.PETITION_CLERK),
        "sysadmin": account(u["a_commission"], Role.SYSADMIN),
    }


def _stored() -> set[str]:
    folder = storage_dir()
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def _refused(fn, **kw):
    rows, files = Attachment.objects.count(), _stored()
    audits = AuditEntry.objects.count()
    with pytest.raises((ValidationError, PermissionDenied, NotFound)) as exc:
        fn(**kw)
    assert Attachment.objects.count() == rows
    assert _stored() == files
    assert AuditEntry.objects.count() == audits
    return exc.value


# --- storing ----------------------------------------------------------------------------------


def test_attachment_is_encrypted_at_rest_and_hashed(world, people):
    clue = _clue(world)
    a = attachment_add(
        actor=people["handler"],
        clue=clue,
        name="举报材料.pdf",
        content=PDF,
        content_type="text/html",  # what the browser claims is not trusted
    )
    assert a.name == "举报材料.pdf" and a.size == len(PDF)
    assert a.content_type == "application/pdf"
    assert a.sha256 == hashlib.sha256(PDF).hexdigest()
    raw = (storage_dir() / a.storage_key).read_bytes()
    assert b"SECRET-PLAINTEXT-MARKER" not in raw and b"%PDF" not in raw
    assert raw.startswith(b"XTATT1\n")
    assert (storage_dir() / a.storage_key).stat().st_mode & 0o077 == 0
    entry = AuditEntry.objects.get(
        action=Action.CREATE, object_type="clues.attachment", object_id=str(a.pk)
    )
    assert json.loads(entry.summary)["SHA-256"] == a.sha256


@pytest.mark.parametrize(
    "name,content",
    [
        ("扫描件.PDF", PDF),
        ("照片.jpg", JPG),
        ("照片.jpeg", JPG),
        ("截图.png", PNG),
        ("谈话记录.doc", OLE),
        ("谈话记录.docx", DOCX),
        ("明细.xls", OLE),
        ("明细.xlsx", XLSX),
        ("公文.ofd", OFD),
        ("说明.txt", "举报人称：某局长收受礼金。\n".encode("gb18030")),
        ("录音.mp3", MP3),
        ("录音.wav", WAV),
        ("录像.mp4", MP4),
    ],
)
def test_every_allowed_type_is_accepted(world, people, name, content):
    a = attachment_add(
        actor=people["manager"], clue=_clue(world), name=name, content=content
    )
    assert a.name == name


@pytest.mark.parametrize(
    "name,content,needle",
    [
        ("程序.exe", EXE, "类型（.exe）不允许上传"),
        ("页面.html", b"<html><script>alert(1)</script></html>", "（.html）不允许"),
        ("图.svg", b"<svg onload=alert(1)></svg>", "（.svg）不允许"),
        ("脚本.js", b"alert(1)", "（.js）不允许"),
        ("材料.zip", _zip("a.exe"), "（.zip）不允许"),
        ("举报材料.pdf", EXE, "内容是Windows 可执行程序"),
        ("说明.txt", b"\x7fELF\x02\x01\x01", "内容是Linux 可执行程序"),
        ("说明.txt", b"<!DOCTYPE html><html></html>", "内容与扩展名 .txt 不符"),
        ("照片.jpg", PNG, "内容与扩展名 .jpg 不符"),
        ("明细.xlsx", DOCX, "不是有效的Excel 表格"),
        ("谈话记录.docx", _zip("evil.exe"), "不是有效的Word 文档"),
        ("空文件.pdf", b"", "是空文件"),
        ("无扩展名", PDF, "须有文件名和扩展名"),
        ("../", PDF, "文件名无效"),
    ],
)
def test_bad_files_are_refused_by_name_and_change_nothing(
    world, people, name, content, needle
):
    err = _refused(
        attachment_add,
        actor=people["handler"],
        clue=_clue(world),
        name=name,
        content=content,
    )
    assert needle in err.message, err.message
    assert err.fields.get("file")


def test_oversize_is_refused_naming_the_file(world, people, settings):
    settings.XIETONG_ATTACHMENT_MAX_BYTES = 1024
    clue = _clue(world)
    err = _refused(
        attachment_add,
        actor=people["handler"],
        clue=clue,
        name="大文件.pdf",
        content=PDF + b"0" * 1024,
    )
    assert "“大文件.pdf”" in err.message and "上限" in err.message
    ok = attachment_add(
        actor=people["handler"],
        clue=clue,
        name="刚好.pdf",
        content=PDF.ljust(1024, b"0"),
    )
    assert ok.size == 1024


@pytest.mark.parametrize(
    "raw,clean",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\证据.pdf", "证据.pdf"),
        ("/abs/path/材料.png", "材料.png"),
        ("a\x00b\r\n.pdf", "ab.pdf"),
        ('x<>:"|?*.pdf', "x.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        ("长" * 200 + ".pdf", "长" * 116 + ".pdf"),
    ],
)
def test_names_are_sanitised(raw, clean):
    assert clean_name(raw) == clean


def test_path_traversal_name_is_stored_as_a_plain_name(world, people):
    a = attachment_add(
        actor=people["handler"],
        clue=_clue(world),
        name="../../../../etc/cron.d/证据.pdf",
        content=PDF,
    )
    assert a.name == "证据.pdf"
    assert (storage_dir() / a.storage_key).exists()
    assert "/" not in a.storage_key and ".." not in a.storage_key


# --- who may add and see ----------------------------------------------------------------------


def test_who_may_attach_to_a_clue(world, people):
    clue = _clue(world)
    assert isinstance(
        _refused(
            attachment_add,
            actor=people["b_handler"],
            clue=clue,
            name="a.pdf",
            content=PDF,
        ),
        NotFound,
    )
    assert isinstance(
        _refused(
            attachment_add,
            actor=people["sysadmin"],
            clue=clue,
            name="a.pdf",
            content=PDF,
        ),
        NotFound,
    )
    # A joint-team member from the township attaches while the team works, not after.
    team = team_form(
        actor=people["manager"],
        clue=clue,
        name="排查组",
        purpose="screening",
        lead_unit=world.units["a_supervision_office"],
        members=[people["town"]],
    )
    a = attachment_add(actor=people["town"], clue=clue, name="走访.pdf", content=PDF)
    assert attachment_download(actor=people["town"], attachment=a) == PDF
    team_close(actor=people["manager"], team=team)
    _refused(attachment_add, actor=people["town"], clue=clue, name="b.pdf", content=PDF)
    with pytest.raises(NotFound):
        access_attachment_by_id(people["town"], a.pk)


def test_who_may_attach_to_a_petition(world, people):
    petition = _petition(world, people["clerk"])
    a = attachment_add(
        actor=people["clerk"], petition=petition, name="来信扫描.jpg", content=JPG
    )
    # 案管 sees the petition but does not add to it; county b's clerk does not see it.
    err = _refused(
        attachment_add,
        actor=people["manager"],
        petition=petition,
        name="x.pdf",
        content=PDF,
    )
    assert isinstance(err, PermissionDenied)
    err = _refused(
        attachment_add,
        actor=people["b_clerk"],
        petition=petition,
        name="x.pdf",
        content=PDF,
    )
    assert isinstance(err, NotFound)
    assert attachment_download(actor=people["manager"], attachment=a) == JPG
    with pytest.raises(NotFound):
        attachment_download(actor=people["handler"], attachment=a)
    err = _refused(attachment_add, actor=people["clerk"], name="x.pdf", content=PDF)
    assert "信访举报或一条线索" in err.message


def test_download_is_audited_and_checks_integrity(world, people):
    a = attachment_add(
        actor=people["handler"], clue=_clue(world), name="举报材料.pdf", content=PDF
    )
    before = AuditEntry.objects.filter(action=Action.EXPORT).count()
    assert attachment_download(actor=people["manager"], attachment=a) == PDF
    entry = AuditEntry.objects.filter(action=Action.EXPORT).order_by("-seq").first()
    assert AuditEntry.objects.filter(action=Action.EXPORT).count() == before + 1
    assert entry.actor_id == people["manager"].pk
    assert entry.object_id == str(a.pk)
    assert json.loads(entry.summary)["操作"] == "下载附件"
    # A tampered file does not decrypt, and nothing is handed out.
    path = storage_dir() / a.storage_key
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(Conflict) as exc:
        attachment_download(actor=people["manager"], attachment=a)
    assert "已损坏" in exc.value.message


# --- pages ----------------------------------------------------------------------------------


def test_upload_and_download_through_the_clue_page(client, world, people):
    clue = _clue(world)
    client.force_login(people["handler"])
    page = client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in page and "20 MB" in page
    resp = client.post(
        reverse("clues:clue_attachment_add", args=[clue.pk]),
        {
            "file": [
                SimpleUploadedFile("证据 一.pdf", PDF, "application/pdf"),
                SimpleUploadedFile("截图.png", PNG, "image/png"),
            ]
        },
        follow=True,
    )
    text = resp.content.decode()
    assert "已上传附件" in text and "证据 一.pdf" in text and "截图.png" in text
    a = Attachment.objects.get(name="证据 一.pdf")
    resp = client.get(reverse("clues:attachment", args=[a.pk]))
    assert resp.status_code == 200
    assert b"".join(resp.streaming_content) == PDF
    assert resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"] == (
        f"attachment; filename=\"attachment.pdf\"; filename*=UTF-8''{quote('证据 一.pdf')}"
    )
    assert resp["Cache-Control"] == "private, no-store"
    assert AuditEntry.objects.filter(
        action=Action.EXPORT, actor_id=people["handler"].pk, object_id=str(a.pk)
    ).exists()


def test_a_bad_file_in_a_batch_stores_none(client, world, people):
    clue = _clue(world)
    client.force_login(people["handler"])
    files = _stored()
    resp = client.post(
        reverse("clues:clue_attachment_add", args=[clue.pk]),
        {
            "file": [
                SimpleUploadedFile("好的.pdf", PDF),
                SimpleUploadedFile("伪装.pdf", EXE),
            ]
        },
        follow=True,
    )
    assert "“伪装.pdf”的内容是Windows 可执行程序" in resp.content.decode()
    assert not Attachment.objects.exists() and _stored() == files


def test_out_of_reach_attachment_answers_like_a_missing_one(client, world, people):
    a = attachment_add(
        actor=people["handler"], clue=_clue(world), name="a.pdf", content=PDF
    )
    client.force_login(people["b_handler"])
    out = client.get(reverse("clues:attachment", args=[a.pk]))
    missing = client.get(reverse("clues:attachment", args=[987654321]))
    assert out.status_code == missing.status_code == 404
    token = re.compile(rb'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')
    assert token.sub(b"", out.content) == token.sub(b"", missing.content)
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()
    resp = client.post(
        reverse("clues:clue_attachment_add", args=[a.clue_id]),
        {"file": SimpleUploadedFile("x.pdf", PDF)},
    )
    assert resp.status_code == 404 and Attachment.objects.count() == 1


def test_petition_page_lists_and_takes_attachments(client, world, people):
    petition = _petition(world, people["clerk"])
    client.force_login(people["clerk"])
    url = reverse("clues:petition", args=[petition.pk])
    assert 'name="file"' in client.get(url).content.decode()
    resp = client.post(
        reverse("clues:petition_attachment_add", args=[petition.pk]),
        {"file": SimpleUploadedFile("来信.pdf", PDF)},
        follow=True,
    )
    assert "已上传附件 “来信.pdf”" in resp.content.decode()
    client.force_login(people["manager"])
    page = client.get(url).content.decode()
    assert "来信.pdf" in page and 'name="file"' not in page
    resp = client.post(
        reverse("clues:petition_attachment_add", args=[petition.pk]),
        {"file": SimpleUploadedFile("另一.pdf", PDF)},
    )
    assert resp.status_code == 403 and Attachment.objects.count() == 1


def test_twenty_megabytes_pass_and_one_byte_more_is_refused_in_chinese(
    client, world, people, settings
):
    limit = settings.XIETONG_ATTACHMENT_MAX_BYTES
    assert limit == 20 * 1024 * 1024
    clue = _clue(world)
    client.force_login(people["handler"])
    url = reverse("clues:clue_attachment_add", args=[clue.pk])
    big = PDF.ljust(limit + 1, b"0")
    resp = client.post(url, {"file": SimpleUploadedFile("超大.pdf", big)}, follow=True)
    assert resp.status_code == 200
    text = resp.content.decode()
    assert (
        "附件“超大.pdf”大小为 20 MB（20,971,521 字节），超过 20 MB 的上限，未上传"
        in text
    )
    assert not Attachment.objects.exists()
    resp = client.post(
        url, {"file": SimpleUploadedFile("刚好.pdf", big[:limit])}, follow=True
    )
    assert "已上传附件 “刚好.pdf”" in resp.content.decode()
    a = Attachment.objects.get()
    assert a.size == limit
    assert (
        b"".join(client.get(reverse("clues:attachment", args=[a.pk])).streaming_content)
        == big[:limit]
    )
