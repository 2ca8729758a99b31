"""Attachments on petitions and clues: upload forms and the audited download."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from xietong.access import policies
from xietong.core.errors import ValidationError

from .. import selectors, services
from ..models import Attachment, Petition
from ..services import attachments as attachment_services

MAX_FILES_PER_UPLOAD = 10


def _section(attachments, *, can_add: bool, upload_url: str, hint: str) -> dict:
    return {
        "attachments": attachments,
        "can_add": can_add,
        "upload_url": upload_url,
        "accept": attachment_services.ACCEPT,
        "allowed": attachment_services.ALLOWED_TEXT,
        "max_size": attachment_services.size_text(attachment_services.max_bytes()),
        "max_files": MAX_FILES_PER_UPLOAD,
        "hint": hint,
    }


def clue_section(request, clue):
    """Files on the clue; the upload form for the handling commission and team members."""
    attachments = list(clue.attachments.select_related("uploaded_by__unit"))
    can_add = policies.can_add_clue_attachment(request.user, clue)
    if not attachments and not can_add:
        return None
    return _section(
        attachments,
        can_add=can_add,
        upload_url=reverse("clues:clue_attachment_add", args=[clue.pk]),
        hint="线索承办机关和联合工作组成员可上传；每次下载均留痕。",
    )


def petition_section(request, petition):
    """Files on a petition (the petition page's ``attachments``)."""
    return _section(
        list(petition.attachments.select_related("uploaded_by__unit")),
        can_add=policies.can_add_petition_attachment(request.user, petition),
        upload_url=reverse("clues:petition_attachment_add", args=[petition.pk]),
        hint="受理机关信访工作人员可上传；每次下载均留痕。",
    )


def _store(request, *, clue=None, petition=None) -> None:
    """Check every chosen file first, then store them all or none."""
    attachment_services.authorise_add(request.user, clue=clue, petition=petition)
    files = request.FILES.getlist("file")
    if not files:
        raise ValidationError("请选择要上传的文件。", fields={"file": "未选择文件"})
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise ValidationError(
            f"一次最多上传 {MAX_FILES_PER_UPLOAD} 个文件。", fields={"file": "文件过多"}
        )
    for f in files:
        # The size is known before the file is read: an oversize file is never loaded.
        attachment_services.check_size(f.name, f.size)
        attachment_services.check_file(f.name, f.read())
        f.seek(0)
    created: list[Attachment] = []
    try:
        with transaction.atomic():
            for f in files:
                created.append(
                    services.attachment_add(
                        actor=request.user,
                        clue=clue,
                        petition=petition,
                        name=f.name,
                        content=f.read(),
                        content_type=f.content_type or "",
                    )
                )
    except BaseException:
        for a in created:
            (attachment_services.storage_dir() / a.storage_key).unlink(missing_ok=True)
        raise
    names = "、".join(f"“{a.name}”" for a in created)
    messages.success(request, f"已上传附件 {names}")


@login_required
@require_POST
def clue_attachment_add(request, pk):
    clue = selectors.access_clue_by_id(request.user, pk)
    try:
        _store(request, clue=clue)
    except ValidationError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("clues:detail", args=[clue.pk]) + "#attachments")


@login_required
@require_POST
def petition_attachment_add(request, pk):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    petition = policies.scope_petitions(
        request.user, Petition.objects.filter(pk=pk)
    ).first()
    policies.require(petition is not None)
    try:
        _store(request, petition=petition)
    except ValidationError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("clues:petition", args=[petition.pk]) + "#attachments")


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    stem, dot, ext = name.rpartition(".")
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", stem if dot else name).strip("_")
    fallback = (fallback or "attachment") + (f".{ext}" if dot else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


@login_required
def attachment(request, pk):
    """Download: the same visibility as the clue or petition; decrypted; audited."""
    found = attachment_services.access_attachment_by_id(request.user, pk)
    content = services.attachment_download(actor=request.user, attachment=found)
    response = FileResponse(io.BytesIO(content), content_type=found.content_type)
    response["Content-Disposition"] = content_disposition(found.name)
    response["Content-Length"] = str(len(content))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
