"""API for disposal (线索处置): opinions, approval, the reply or report, and conclusion."""

import datetime as dt

from ninja import Router, Schema
from ninja.responses import Status

from .. import selectors, services

router = Router(tags=["线索处置"])


class DisposalOut(Schema):
    id: int
    clue_id: int
    clue_number: str
    method: str
    method_label: str
    inquiry_form: str
    opinion: str
    needs_main_leader: bool
    status: str
    status_label: str
    drafted_by: str
    drafted_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None
    decision_comment: str
    reply_due: dt.date | None
    reply_date: dt.date | None
    reply_text: str
    report_date: dt.date | None
    report_text: str

    @staticmethod
    def resolve_clue_number(obj):
        return obj.clue.number

    @staticmethod
    def resolve_method_label(obj):
        return obj.get_method_display()

    @staticmethod
    def resolve_status_label(obj):
        return obj.get_status_display()

    @staticmethod
    def resolve_drafted_by(obj):
        u = obj.drafted_by
        return (u.full_name or u.username) if u else ""

    @staticmethod
    def resolve_decided_by(obj):
        u = obj.decided_by
        return (u.full_name or u.username) if u else ""


class ClueStateOut(Schema):
    id: int
    number: str
    status: str
    status_label: str

    @staticmethod
    def resolve_status_label(obj):
        return obj.get_status_display()


class DisposalIn(Schema):
    method: str
    opinion: str
    inquiry_form: str = ""


class DecisionIn(Schema):
    comment: str = ""


class ReplyIn(Schema):
    reply_text: str
    reply_date: dt.date


class ReportIn(Schema):
    report_text: str
    report_date: dt.date


class ConcludeIn(Schema):
    conclusion: str


@router.get(
    "/clues/{int:clue_id}/disposals",
    response=list[DisposalOut],
    summary="线索的拟办意见及审批、办理情况",
)
def clue_disposal_list(request, clue_id: int):
    clue = selectors.access_clue_by_id(request.auth, clue_id)
    return selectors.clue_disposals(clue)


@router.post(
    "/clues/{int:clue_id}/disposals",
    response={201: DisposalOut},
    summary="提出拟办意见（承办人、部门负责人）",
)
def clue_disposal_create(request, clue_id: int, payload: DisposalIn):
    clue = selectors.access_clue_by_id(request.auth, clue_id)
    disposal = services.disposal_propose(
        actor=request.auth,
        clue=clue,
        method=payload.method,
        opinion=payload.opinion,
        inquiry_form=payload.inquiry_form,
    )
    return Status(201, disposal)


@router.post(
    "/disposals/{int:disposal_id}/approve",
    response=DisposalOut,
    summary="批准拟办意见（委领导；对下级一把手谈话函询须主要负责人）",
)
def disposal_approve(request, disposal_id: int, payload: DecisionIn):
    disposal = selectors.access_disposal_by_id(request.auth, disposal_id)
    return services.disposal_approve(
        actor=request.auth, disposal=disposal, comment=payload.comment
    )


@router.post(
    "/disposals/{int:disposal_id}/reject",
    response=DisposalOut,
    summary="退回拟办意见（须说明理由）",
)
def disposal_reject(request, disposal_id: int, payload: DecisionIn):
    disposal = selectors.access_disposal_by_id(request.auth, disposal_id)
    return services.disposal_reject(
        actor=request.auth, disposal=disposal, comment=payload.comment
    )


@router.post(
    "/clues/{int:clue_id}/reply",
    response=DisposalOut,
    summary="登记谈话记录或书面回复",
)
def clue_reply(request, clue_id: int, payload: ReplyIn):
    clue = selectors.access_clue_by_id(request.auth, clue_id)
    return services.inquiry_record_reply(
        actor=request.auth,
        clue=clue,
        reply_text=payload.reply_text,
        reply_date=payload.reply_date,
    )


@router.post(
    "/clues/{int:clue_id}/report",
    response=DisposalOut,
    summary="提交初步核实报告",
)
def clue_report(request, clue_id: int, payload: ReportIn):
    clue = selectors.access_clue_by_id(request.auth, clue_id)
    return services.verification_record_report(
        actor=request.auth,
        clue=clue,
        report_text=payload.report_text,
        report_date=payload.report_date,
    )


@router.post(
    "/clues/{int:clue_id}/conclude",
    response=ClueStateOut,
    summary="办结线索",
)
def clue_conclude(request, clue_id: int, payload: ConcludeIn):
    clue = selectors.access_clue_by_id(request.auth, clue_id)
    return services.clue_conclude(
        actor=request.auth, clue=clue, conclusion=payload.conclusion
    )
