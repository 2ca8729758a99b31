"""党风廉政意见回复 screens: the batch list, a new batch (screen or .xlsx), the batch page
with proposals for the commission, confirmation and the reply export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xietong.access import policies
from xietong.audit.exports import audited_xlsx_export
from xietong.core.errors import Conflict, ValidationError
from xietong.core.paging import paginate

from .. import selectors_outcomes as sel
from .. import services
from ..models import OpinionVerdict
from ..services.integrity import MAX_ROWS, integrity_commission

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@login_required
def batches(request):
    """The liaison's own requests, or those received by the commission."""
    user = request.user
    policies.require(policies.sees_integrity_batches(user))
    return render(
        request,
        "clues/integrity_list.html",
        {
            "page": paginate(request, sel.integrity_batches(user)),
            "can_request": policies.can_request_integrity(user),
        },
    )


def _rows_from(request) -> tuple[list, list]:
    upload = request.FILES.get("file")
    if upload is not None:
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(
                "请上传 .xlsx 格式的 Excel 文件。", fields={"文件": "格式不支持"}
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("文件超过 5 MB。", fields={"文件": "文件过大"})
        return services.parse_integrity_xlsx(upload.read())
    return services.parse_integrity_text(request.POST.get("text", ""))


@login_required
def batch_new(request):
    """A liaison submits a list of names and ID numbers (textarea or .xlsx upload)."""
    user = request.user
    policies.require(policies.can_request_integrity(user))
    errors: dict[str, str] = {}
    message = ""
    if request.method == "POST":
        try:
            rows, lines = _rows_from(request)
            batch = services.integrity_batch_submit(
                actor=user,
                purpose=request.POST.get("purpose", ""),
                rows=rows,
                source_rows=lines,
            )
        except ValidationError as exc:
            message, errors = exc.message, exc.fields
        else:
            messages.success(
                request,
                f"已提交 {batch.entries.count()} 人，等待{batch.commission.name}回复",
            )
            return redirect("clues:integrity_batch", batch.pk)
    return render(
        request,
        "clues/integrity_new.html",
        {
            "commission": integrity_commission(user.unit),
            "message": message,
            "errors": errors,
            "purpose": request.POST.get("purpose", ""),
            "text": request.POST.get("text", ""),
            "max_rows": MAX_ROWS,
        },
    )


def _page(request, batch, *, posted=None, errors=None, message="", status=200):
    user = request.user
    is_commission = policies.can_reply_integrity(user, batch)
    entries = list(batch.entries.select_related("person__unit__region").order_by("row"))
    counts: dict[str, int] = {}
    if is_commission or batch.is_confirmed:
        for e in entries:
            key = (e.reply or e.proposal) if is_commission else e.reply
            counts[key] = counts.get(key, 0) + 1
    posted = posted or {}
    for e in entries:
        e.chosen = posted.get(f"reply_{e.row}", e.reply or e.proposal)
        e.typed = posted.get(f"note_{e.row}", "")
        e.public = services.integrity.public_wording(e.reasons)
        e.linkable = (
            is_commission
            and e.person is not None
            and policies.can_view_person(user, e.person)
        )
    return render(
        request,
        "clues/integrity_batch.html",
        {
            "batch": batch,
            "entries": entries,
            "is_commission": is_commission,
            "can_confirm": is_commission and not batch.is_confirmed,
            "can_export": policies.can_export_integrity(user, batch),
            "verdicts": OpinionVerdict.choices,
            "summary": [
                (value, label, counts.get(value, 0))
                for value, label in OpinionVerdict.choices
            ]
            if counts
            else [],
            "unmatched": sum(1 for e in entries if e.person_id is None),
            "errors": errors or {},
            "message": message,
        },
        status=status,
    )


@login_required
def batch_detail(request, pk):
    """The batch: per-person proposals and reasons for the commission, the status and the
    confirmed reply for the asking unit; ``?export=xlsx`` exports the reply."""
    user = request.user
    batch = sel.access_integrity_batch_by_id(user, pk)
    if request.GET.get("export") == "xlsx":
        policies.require(policies.can_export_integrity(user, batch))
        headers, rows = sel.integrity_reply_table(
            batch, for_commission=policies.can_reply_integrity(user, batch)
        )
        return audited_xlsx_export(
            request,
            object_type="clues.integritybatch",
            title="党风廉政意见回复",
            headers=headers,
            rows=rows,
        )
    return _page(request, batch)


@login_required
@require_POST
def batch_confirm(request, pk):
    """The commission confirms the reply, overriding proposals row by row with a note."""
    user = request.user
    batch = sel.access_integrity_batch_by_id(user, pk)
    policies.require(policies.can_reply_integrity(user, batch))
    overrides = {}
    for e in batch.entries.only("row", "proposal"):
        verdict = request.POST.get(f"reply_{e.row}", "") or e.proposal
        note = request.POST.get(f"note_{e.row}", "").strip()
        if verdict != e.proposal or note:
            overrides[e.row] = (verdict, note)
    try:
        services.integrity_batch_confirm(actor=user, batch=batch, overrides=overrides)
    except ValidationError as exc:
        return _page(
            request,
            batch,
            posted=request.POST,
            errors=exc.fields,
            message=exc.message,
        )
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已确认回复，征求单位可查看和导出回复意见")
    return redirect("clues:integrity_batch", batch.pk)
