"""Triage of hits: dismissed with a reason, or turned into a clue, problem or risk."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from xietong.access import policies
from xietong.analytics.models import Hit, HitStatus
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError

DECISIONS = (
    HitStatus.DISMISSED,
    HitStatus.TO_CLUE,
    HitStatus.TO_PROBLEM,
    HitStatus.TO_RISK,
)


@transaction.atomic
def hit_triage(*, actor, hit: Hit, decision: str, reason: str = "") -> Hit:
    """Decide a new hit. Dismissing needs a reason. Turning it into a clue registers
    the clue (source 大数据预警) when the actor may register clues (案管); otherwise,
    as for problems and risks until those workflows exist, the hit is only marked."""
    if actor is not None and not policies.can_view_hit(actor, hit):
        raise NotFound()
    if actor is not None and not policies.can_triage_hit(actor, hit):
        raise PermissionDenied("您可以查看但无权研判该预警。")
    if decision not in DECISIONS:
        allowed = "、".join(f"{d}（{HitStatus(d).label}）" for d in DECISIONS)
        raise ValidationError(
            f"研判结论“{decision}”无效：可选 {allowed}", fields={"decision": "无效"}
        )
    reason = (reason or "").strip()
    if decision == HitStatus.DISMISSED and not reason:
        raise ValidationError(
            "排除预警须说明理由。", fields={"reason": "排除理由不能为空"}
        )
    hit = Hit.objects.select_for_update().get(pk=hit.pk)
    if hit.status != HitStatus.NEW:
        raise Conflict(f"该预警已研判为“{hit.get_status_display()}”，不能重复研判。")
    if decision == HitStatus.TO_CLUE and actor is not None:
        if policies.can_register_clue(actor):
            hit.clue = _register_clue(actor, hit, reason)
    hit.status = decision
    hit.triage_reason = reason
    hit.triaged_by = actor
    hit.triaged_at = timezone.now()
    hit.save(
        update_fields=["status", "triage_reason", "triaged_by", "triaged_at", "clue"]
    )
    audit_record(
        actor=actor,
        action=Action.TRANSITION,
        obj=hit,
        summary={
            "研判": HitStatus(decision).label,
            "理由": reason,
            "线索": hit.clue.number if hit.clue else "",
        },
    )
    return hit


def _register_clue(actor, hit: Hit, reason: str):
    from xietong.clues.models import ClueSource
    from xietong.clues.services import SubjectInput, clue_register
    from xietong.org.models import Person

    person = None
    if hit.subject_id_number_hash:
        person = Person.objects.filter(
            id_number_hash=hit.subject_id_number_hash
        ).first()
    if person is None and not hit.subject_name:
        return None  # a hit about no one in particular stays marked only
    subject = SubjectInput(person=person, name=hit.subject_name)
    # The clue is read by everyone handling it; the full ID number stays behind the
    # grant (the clue's subject links the person when there is one).
    summary = f"【{hit.model_label}】{hit.reason}"  # stored masked
    if reason:
        summary += f"（研判意见：{reason}）"
    return clue_register(
        actor=actor,
        source=ClueSource.BIG_DATA,
        received_date=timezone.localdate(),
        summary=summary,
        subjects=[subject],
    )


@transaction.atomic
def hits_dismiss(*, actor, hit_ids, reason: str) -> list[Hit]:
    """Dismiss several new hits with one reason, all or nothing: one hit that cannot
    be dismissed (not found, not the actor's to triage, already triaged) refuses the
    lot, naming it, and nothing changes."""
    reason = (reason or "").strip()
    ids: list[int] = []
    for raw in hit_ids:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            raise NotFound() from None
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ValidationError("请先勾选要排除的预警。", fields={"ids": "未选择预警"})
    if not reason:
        raise ValidationError(
            "排除预警须说明理由。", fields={"reason": "排除理由不能为空"}
        )
    hits = {h.pk: h for h in Hit.objects.select_related("unit").filter(pk__in=ids)}
    done = []
    for n, pk in enumerate(ids, start=1):
        hit = hits.get(pk)
        if hit is None:
            raise NotFound()
        try:
            done.append(
                hit_triage(
                    actor=actor, hit=hit, decision=HitStatus.DISMISSED, reason=reason
                )
            )
        except Conflict as exc:
            raise Conflict(
                f"第 {n} 条（{hit}）：{exc.message}未排除任何预警。"
            ) from None
    return done


@transaction.atomic
def hit_reveal_identity(*, actor, hit: Hit) -> str:
    """The subject's full ID number for a viewer holding the sensitive-identity grant;
    the view is audited (the evidence rows are shown unmasked with it)."""
    if not policies.can_view_hit(actor, hit):
        raise NotFound()
    if not policies.can_see_sensitive(actor):
        raise PermissionDenied("查看完整身份证号码需要“敏感信息”单独授权。")
    audit_record(
        actor=actor,
        action=Action.VIEW_SENSITIVE,
        obj=hit,
        summary={"字段": "身份证号码（预警对象及证据）"},
    )
    if not hit.subject_id_number_enc:
        return ""
    from xietong.core.crypto import field_cipher

    return field_cipher().decrypt(hit.subject_id_number_enc)
