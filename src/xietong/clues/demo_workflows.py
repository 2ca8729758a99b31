"""Demo clues at work: the county commission's clues carried through disposal, transfers both
ways, a joint case team, outcomes with sanctions, a 案件剖析报告, attachments and two
党风廉政意见 batches — all through the real services, so every page has something to show."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from xietong.access.models import User
from xietong.access.policies import clue_units
from xietong.access.services import account_set_main_leader
from xietong.core.crypto import field_cipher
from xietong.org.models import Person

from . import services
from .models import Clue, ClueStatus, Disposal, DisposalStatus, Transfer
from .services.outcomes import SanctionInput

REPLY = (
    "本人对反映的问题作如下说明：所反映的{topic}一事，经本人回忆和核对单据，"
    "相关费用已按规定报销，未收受任何财物。本人对工作中把关不严的问题深刻反思，今后严格遵守廉洁纪律。"
)
REPORT = (
    "经调取{unit}相关账目、合同和银行流水，并与有关人员谈话，初步核实认定："
    "反映的主要问题部分属实，涉及金额约{n}万元，建议立案审查调查。"
)


def _user(name: str) -> User | None:
    return User.objects.filter(username=name).select_related("unit").first()


def _clues_for(user: User) -> list[Clue]:
    return list(
        Clue.objects.filter(
            owner_unit__in=clue_units(user).values("pk"),
            status=ClueStatus.REGISTERED,
        )
        .select_related("owner_unit")
        .prefetch_related("subjects__person")
        .order_by("received_date", "seq")
    )


def _decided(clue: Clue, days: int) -> dt.date:
    return min(clue.received_date + dt.timedelta(days=days), timezone.localdate())


def _propose_and_approve(handler, leader, clue, method, opinion, form=""):
    d = services.disposal_propose(
        actor=handler, clue=clue, method=method, opinion=opinion, inquiry_form=form
    )
    return services.disposal_approve(actor=leader, disposal=d, comment="同意。")


def build_clue_workflows(*, seed: int = 2026, log=print) -> dict[str, int]:
    """Carry the county's demo clues through the whole loop; returns what was made."""
    if Disposal.objects.exists() or Transfer.objects.exists():
        return {}
    xian = {
        r: _user(f"xian_{r}")
        for r in ("case_manager", "leader", "head", "handler", "partner_liaison")
    }
    shi = {r: _user(f"shi_{r}") for r in ("case_manager", "leader", "handler")}
    zhen = _user("zhen_handler")
    org_liaison = _user("xian_zuzhibu")
    if None in xian.values() or None in shi.values():
        return {}
    rng = random.Random(f"{seed}:clue-workflows")
    made = {"处置": 0, "移送": 0, "处分": 0}
    with transaction.atomic():
        account_set_main_leader(actor=None, user=xian["leader"], main=True)
        account_set_main_leader(actor=None, user=shi["leader"], main=True)
        pool = _clues_for(xian["handler"])
        rng.shuffle(pool)
        pool.sort(key=lambda c: c.received_date)  # oldest clues are the furthest along
        take = iter(pool)
        handler, leader = xian["handler"], xian["leader"]

        # 谈话函询 → written reply → 诫勉 → 办结 (the influence period shows in the archive).
        for _ in range(2):
            clue = next(take)
            _propose_and_approve(
                handler,
                leader,
                clue,
                "inquiry",
                "反映问题较为具体，建议函询本人。",
                "letter",
            )
            services.inquiry_record_reply(
                actor=handler,
                clue=clue,
                reply_text=REPLY.format(topic="违规收受礼金"),
                reply_date=timezone.localdate(),
            )
            subject = clue.subjects.first()
            services.outcome_record(
                actor=handler,
                clue=clue,
                subject=subject,
                form=1,
                conclusion="函询说明不够全面，对其予以诫勉。",
                decided_date=timezone.localdate(),
                sanctions=[SanctionInput("admonition", timezone.localdate())],
            )
            services.clue_conclude(
                actor=handler, clue=clue, conclusion="函询了结，予以诫勉。"
            )
            made["处置"] += 1
            made["处分"] += 1

        # 立案审查调查 → outcomes with party and government sanctions → 办结, with a report.
        for n in range(2):
            clue = next(take)
            _propose_and_approve(
                handler,
                leader,
                clue,
                "case",
                "问题线索具体、可查性强，建议直接立案审查调查。",
            )
            subject = clue.subjects.first()
            effective = _decided(clue, 45)
            services.outcome_record(
                actor=handler,
                clue=clue,
                subject=subject,
                form=2 if n == 0 else 3,
                conclusion="违反廉洁纪律，收受可能影响公正执行公务的礼金。",
                decided_date=effective,
                sanctions=[
                    SanctionInput("party_serious_warning", effective),
                    SanctionInput("gov_demerit", effective),
                ]
                if n == 0
                else [SanctionInput("party_probation", effective, probation_months=12)],
            )
            services.clue_conclude(
                actor=handler, clue=clue, conclusion="审查调查终结，已作出处分决定。"
            )
            if n == 0:
                services.case_report_save(
                    actor=handler,
                    clue=clue,
                    title=f"{subject.name}违纪案件剖析报告",
                    body=(
                        "一、基本案情：当事人利用职务便利，在工程项目招投标中为他人提供帮助，"
                        "收受礼金。\n二、原因剖析：理想信念动摇；“三重一大”决策制度执行不到位；"
                        "工程项目监管存在漏洞。\n三、整改建议：健全招投标全过程监督，"
                        "开展以案促改专题民主生活会。"
                    ),
                )
            made["处置"] += 1
            made["处分"] += 1

        # 初步核实 with the report on file; the case is still being decided.
        clue = next(take)
        _propose_and_approve(
            handler, leader, clue, "verification", "反映问题线索较具体，建议初步核实。"
        )
        services.verification_record_report(
            actor=handler,
            clue=clue,
            report_text=REPORT.format(unit=clue.owner_unit.name, n=rng.randint(3, 30)),
            report_date=timezone.localdate(),
        )
        made["处置"] += 1

        # 立案 under way, with a joint case team from the county and a township commission.
        clue = next(take)
        _propose_and_approve(
            handler, leader, clue, "case", "涉及多个乡镇，建议立案并组建联合查办组。"
        )
        members = [xian["handler"], xian["head"]] + ([zhen] if zhen else [])
        team = services.team_form(
            actor=xian["head"],
            clue=clue,
            name=f"{clue.subjects.first().name}案联合查办组",
            purpose="case",
            lead_unit=xian["head"].unit,
            members=members,
            leads=[xian["head"]],
        )
        for author, kind, text in (
            (
                xian["head"],
                "decision",
                "明确分工：县纪委监委第一监督检查室负责谈话，街道纪工委负责调取账目。",
            ),
            (xian["handler"], "log", "调取项目合同 12 份、银行流水 3 册。"),
            (
                zhen or xian["handler"],
                "log",
                "已约谈街道财政所负责人，制作谈话笔录 1 份。",
            ),
        ):
            services.team_log_add(actor=author, team=team, kind=kind, text=text)
        made["处置"] += 1

        # Opinions waiting for the leader (one is a talk with a lower-level 一把手?).
        for _ in range(2):
            clue = next(take)
            services.disposal_propose(
                actor=handler,
                clue=clue,
                method="inquiry",
                opinion="建议对被反映人进行谈话，了解有关情况。",
                inquiry_form="talk",
            )
        # 暂存待查 and 予以了结.
        for method, opinion in (
            ("shelved", "反映问题笼统，暂不具备核查条件，建议暂存待查。"),
            ("closed", "经查询，反映问题已于上年度处理完毕，建议予以了结。"),
        ):
            _propose_and_approve(handler, leader, next(take), method, opinion)
            made["处置"] += 1
        # A talk whose reply deadline is running (shows on the to-do list).
        _propose_and_approve(
            handler, leader, next(take), "inquiry", "建议函询本人并限期回复。", "letter"
        )

        # Transfers both ways, with feedback flowing back.
        city = shi["case_manager"].unit.parent or shi["case_manager"].unit
        procuratorate = xian["partner_liaison"].unit
        today = timezone.localdate()
        clue = next(take)
        t = services.transfer_send(
            actor=xian["case_manager"],
            clue=clue,
            to_unit=city,
            kind="transfer",
            reason="被反映人属市管干部，按干部管理权限移送市纪委监委办理。",
            feedback_workdays=20,
        )
        services.transfer_accept(actor=shi["case_manager"], transfer=t)
        clue.refresh_from_db()
        services.disposal_propose(
            actor=shi["handler"],
            clue=clue,
            method="verification",
            opinion="移送线索具体，建议初步核实。",
        )
        d = Disposal.objects.filter(clue=clue, status=DisposalStatus.PENDING).get()
        services.disposal_approve(actor=shi["leader"], disposal=d, comment="同意初核。")
        t2 = services.transfer_send(
            actor=xian["case_manager"],
            clue=next(take),
            to_unit=procuratorate,
            kind="transfer",
            reason="反映问题涉嫌职务犯罪以外的普通刑事犯罪，移送检察机关。",
            feedback_workdays=20,
        )
        t3 = services.transfer_send(
            actor=xian["case_manager"],
            clue=next(take),
            to_unit=procuratorate,
            kind="transfer",
            reason="线索涉及公益诉讼事项，移送检察机关依法处理。",
            feedback_workdays=20,
            today=today - dt.timedelta(days=40),
        )
        services.transfer_accept(actor=xian["partner_liaison"], transfer=t3)
        services.transfer_note_add(
            actor=xian["partner_liaison"],
            transfer=t3,
            kind="result",
            content="已立案审查，向相关单位制发检察建议书一份，整改已完成。",
        )
        t4 = services.transfer_send(
            actor=xian["case_manager"],
            clue=next(take),
            to_unit=city,
            kind="transfer",
            reason="拟移送市纪委监委。",
            feedback_workdays=20,
        )
        services.transfer_return(
            actor=shi["case_manager"],
            transfer=t4,
            reason="被反映人为县管干部，按分级负责原则应由县纪委监委办理，予以退回。",
        )
        made["移送"] += 4
        # City → county: one waiting to be accepted, one overdue and reminded.
        city_clues = _clues_for(shi["handler"])
        county = xian["case_manager"].unit.parent or xian["case_manager"].unit
        if len(city_clues) >= 2:
            services.transfer_send(
                actor=shi["case_manager"],
                clue=city_clues[0],
                to_unit=county,
                kind="assign",
                reason="交县纪委监委办理，办理结果及时反馈。",
                feedback_workdays=20,
            )
            late = services.transfer_send(
                actor=shi["case_manager"],
                clue=city_clues[1],
                to_unit=county,
                kind="refer",
                reason="转县纪委监委按规定处置。",
                feedback_workdays=15,
                today=today - dt.timedelta(days=45),
            )
            services.transfer_accept(actor=xian["case_manager"], transfer=late)
            services.transfer_note_add(
                actor=shi["case_manager"],
                transfer=late,
                kind="reminder",
                content="反馈期限已过，请抓紧办理并反馈处置情况。",
            )
            made["移送"] += 2
        del t2

        # Attachments: the same scanned letter on a petition and on a clue.
        letter = (
            "举报材料（扫描件文字）\n反映某局长在工程招标中收受礼金，附转账记录截图说明。\n"
        ).encode()
        petition_clue = (
            Clue.objects.filter(petition__isnull=False, commission=county)
            .select_related("petition")
            .first()
        )
        if petition_clue is not None:
            services.attachment_add(
                actor=_user("xian_petition_clerk"),
                petition=petition_clue.petition,
                name="举报材料.txt",
                content=letter,
                content_type="text/plain",
            )
            services.attachment_add(
                actor=handler,
                clue=pool[-1],
                name="举报材料（复印件）.txt",
                content=letter,
                content_type="text/plain",
            )

        # 党风廉政意见回复: one batch confirmed, one waiting for the commission.
        if org_liaison is not None:
            made["廉政意见"] = _integrity_batches(
                org_liaison, xian["case_manager"], rng
            )
        # The daily job (xietong clues remind) has run once: overdue transfers are reminded.
        made["催办"] = len(services.transfer_remind_overdue())
    log(
        "演示线索处置：处置 {处置} 件，移送 {移送} 件（自动催办 {r} 件），处分 {处分} 人，"
        "廉政意见征求 {n} 批".format(
            n=made.get("廉政意见", 0), r=made.get("催办", 0), **made
        )
    )
    return made


def _integrity_batches(liaison: User, case_manager: User, rng: random.Random) -> int:
    cipher = field_cipher()
    region = liaison.unit.region
    sanctioned = list(
        Person.objects.filter(sanctions__isnull=False, unit__region=region).distinct()
    )
    with_clues = list(
        Person.objects.filter(
            clue_subjects__clue__status__in=[
                ClueStatus.REGISTERED,
                ClueStatus.INQUIRY,
                ClueStatus.CASE,
            ],
            unit__region=region,
        ).distinct()[:3]
    )
    others = list(
        Person.objects.filter(unit__region=region, verified=True)
        .exclude(pk__in=[p.pk for p in sanctioned + with_clues])
        .order_by("id")[:40]
    )
    rng.shuffle(others)

    def rows(persons):
        return [(p.name, cipher.decrypt(p.id_number_enc)) for p in persons]

    first = services.integrity_batch_submit(
        actor=liaison,
        purpose="2026年度科级干部提拔任用考察",
        rows=rows(sanctioned[:1] + with_clues[:1] + others[:10]),
    )
    services.integrity_batch_confirm(actor=case_manager, batch=first, overrides={})
    services.integrity_batch_submit(
        actor=liaison,
        purpose="2026年度优秀共产党员评选",
        rows=rows(sanctioned[1:2] + with_clues[1:3] + others[10:25]),
    )
    return 2
