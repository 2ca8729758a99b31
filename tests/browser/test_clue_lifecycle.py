"""The whole life of a clue, through a real browser, as the users would do it.

信访 registers a real-name letter → 案管 of 金水区 registers the clue (the page warns of the
related clues already held about the same person) → transfers it to 中原区纪委监委 with a
feedback deadline in working days → 中原区's 案管 accepts it from 移送管理 → its 承办人
drafts 谈话函询, the main leader approves it (a deputy may not: the subject is a lower-level
一把手), the 承办人 records the talk → 金水区 sees the feedback → 中原区 records a 诫勉
and concludes, which flows back as 处置情况反馈 → the sanction and its 影响期 show on the
person's archive → 组织部 asks for an integrity opinion and the commission confirms 有意见.

Only the starting world (units, persons, accounts and two earlier clues) is built through
the services; every step of the lifecycle is done on screen. Drives the system Chromium
headless against ``live_server`` (see ``tests/browser/conftest.py``).
"""

import calendar
import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import PASSWORD, account, build_world, new_id_number, new_uscc
from xietong.access.roles import Grant, Role
from xietong.access.services import account_set_main_leader
from xietong.clues.models import (
    Clue,
    ClueStatus,
    Disposal,
    IntegrityBatch,
    Petition,
    Sanction,
    Transfer,
    TransferNoteKind,
)
from xietong.clues.services import SubjectInput, clue_register
from xietong.core.calendar import CalendarEntry
from xietong.core.crypto import field_cipher
from xietong.org.models import UnitKind
from xietong.org.services import unit_create
from xietong.workdays.models import CalendarYear
from xietong.workdays.services import (
    add_workdays,
    calendar_import,
    calendar_load_shipped,
)

pytestmark = pytest.mark.browser

# Small enough that the feedback deadline stays inside the loaded calendar year.
FEEDBACK_WORKDAYS = 10
INQUIRY_REPLY_WORKDAYS = 15  # TimeLimits.inquiry_reply_workdays (the default)
TIMEOUT = 10_000  # ms, as the contexts' default


def login(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("domcontentloaded")


def new_context(browser, base: str):
    """A fresh browser session; first make sure the pages' own CSS and JS are served locally
    (no CDN) — without them HTMX is dead and every later step would only time out."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    ctx.set_default_timeout(10_000)
    for asset in ("xietong/css/app.css", "xietong/js/htmx.min.js", "xietong/js/app.js"):
        resp = ctx.request.get(f"{base}/static/{asset}")
        assert resp.status == 200, f"静态文件 {asset} 未能加载（HTTP {resp.status}）"
    return ctx


def squashed(locator) -> str:
    """The locator's visible text with every run of white space made one space (flex rows
    and table cells put line breaks between words that read as one phrase)."""
    return " ".join(locator.inner_text().split())


def _next_year_calendar_if_needed(today: dt.date) -> None:
    """The deadlines counted here (10 and 15 working days) stay in this year until mid
    December; later in the year, load next year's calendar as tests/clues/test_transfers.py
    does, so the test does not depend on the day it runs."""
    if (today + dt.timedelta(days=40)).year == today.year:
        return
    year = today.year + 1
    if not CalendarYear.objects.filter(year=year).exists():
        calendar_import(
            actor=None,
            entries=[CalendarEntry(dt.date(year, 1, 1), "holiday", "元旦")],
            source="测试",
        )


def test_clue_lifecycle_from_petition_to_integrity_opinion(
    live_server,
    transactional_db,
    django_db_serialized_rollback,
    isolated_home,
    browser,
    shot,
):
    base = live_server.url
    today = timezone.localdate()
    # A transactional test run before this one may have flushed the shipped calendars that
    # the migration loaded; deadlines need them.
    calendar_load_shipped()
    _next_year_calendar_if_needed(today)
    received = today - dt.timedelta(days=14)  # the letter arrived two weeks ago
    decided = today - dt.timedelta(days=4)  # the sanction decision
    effective = today - dt.timedelta(days=3)  # … in force since three days ago

    # --- the starting world ---------------------------------------------------------------
    world = build_world()
    u = world.units
    zhang = world.persons["a_edu_head"]  # 金水区教育局局长, 县管一把手
    wang = world.persons["a_town_staff"]  # nothing on record
    zhang_id = field_cipher().decrypt(zhang.id_number_enc)
    wang_id = field_cipher().decrypt(wang.id_number_enc)

    clerk = account(
        u["a_petition_office"],
        Role.PETITION_CLERK,
        username="xinfang_jinshui",
        grants=(Grant.REPORTER_IDENTITY,),
    )
    a_cm = account(u["a_case_management"], Role.CASE_MANAGER, username="anguan_jinshui")
    b_cm = account(
        u["b_case_management"], Role.CASE_MANAGER, username="anguan_zhongyuan"
    )
    b_handler = account(
        u["b_supervision_office"], Role.HANDLER, username="chengban_zhongyuan"
    )
    b_deputy = account(u["b_commission"], Role.LEADER, username="fushuji_zhongyuan")
    b_main = account(u["b_commission"], Role.LEADER, username="shuji_zhongyuan")
    account_set_main_leader(actor=None, user=b_main, main=True)
    org_dept = unit_create(
        actor=None,
        name="金水区委组织部",
        kind=UnitKind.PARTNER,
        region=world.regions["a"],
        partner_kind="organisation",
        uscc=new_uscc("410105"),
    )
    liaison = account(org_dept, Role.PARTNER_LIAISON, username="zuzhibu_jinshui")

    # Two earlier clues about 张建国: one held in 金水区 (its content is visible to 金水区's
    # 案管), one held by 中原区纪委监委 (only the holding unit may be named to 金水区).
    earlier_a = clue_register(
        actor=a_cm,
        source="supervision",
        received_date=today - dt.timedelta(days=30),
        summary="日常监督发现张建国违规使用公务用车接送家属",
        subjects=[SubjectInput(person=zhang)],
    )
    earlier_b = clue_register(
        actor=b_cm,
        source="inspection",
        received_date=today - dt.timedelta(days=20),
        summary="巡察移交：张建国在中原区一培训机构违规兼职取酬",
        subjects=[SubjectInput(person=zhang)],
        owner_unit=u["b_commission"],
        override_reason="兼职单位在中原区，由中原区纪委监委一并核查",
    )

    contexts = []
    pages = {}

    def as_user(user):
        """The user's own browser session, signed in on first use."""
        if user.pk not in pages:
            ctx = new_context(browser, base)
            contexts.append(ctx)
            page = ctx.new_page()
            login(page, base, user.username)
            page.locator("nav.mainnav").wait_for()
            pages[user.pk] = page
        return pages[user.pk]

    def nav(page, label, url):
        """Follow a main-menu entry and wait for its page."""
        page.locator("nav.mainnav").get_by_role("link", name=label, exact=True).click()
        page.wait_for_url(re.compile(url))

    def flash(page, text, kind="success"):
        """After a form is sent: the next page says so (waits for it)."""
        expect(page.locator(f".messages .msg.{kind}")).to_contain_text(
            text, timeout=TIMEOUT
        )

    try:
        # === 1. 信访 registers a real-name letter about 张建国 ============================
        page = as_user(clerk)
        nav(page, "信访登记", r"/petitions/new/$")
        reporter_id = new_id_number("410105", dt.date(1975, 3, 8))
        content = (
            "反映金水区教育局局长张建国在学校食堂承包招标中收受承包商礼金五万元，"
            "并安排其亲属承接校服采购业务。"
        )
        page.get_by_label("渠道").select_option(label="来信")
        page.get_by_label("收到日期").fill(received.isoformat())
        page.get_by_label("举报内容").fill(content)
        page.get_by_label("实名举报").check()
        page.get_by_label("举报人姓名").fill("赵明")
        page.get_by_label("举报人电话").fill("13912345678")
        page.get_by_label("举报人身份证号码").fill(reporter_id)
        page.get_by_role("button", name="保存").click()
        flash(page, "已登记信访举报")
        page.wait_for_url(re.compile(r"/petitions/\d+/$"))
        petition_url = page.url
        h1 = page.locator("h1").inner_text()
        assert "来信举报" in h1 and "实名" in h1, h1
        body = page.locator("main").inner_text()
        assert "信访室" in body and "张建国在学校食堂承包招标" in body
        assert received.isoformat() in body
        # The reporter is not shown until asked for; asking is audited.
        assert "赵明" not in body and "13912345678" not in body
        page.get_by_role("button", name="查看举报人身份（留痕）").click()
        reporter = page.locator("#reporter")
        expect(reporter).to_contain_text("赵明", timeout=TIMEOUT)
        assert "13912345678" in reporter.inner_text()
        assert reporter_id in reporter.inner_text()
        shot(page, "lifecycle-01-petition")
        petition = Petition.objects.get()
        assert petition.real_name and petition.channel == "letter"
        assert petition.received_date == received
        for enc in (
            petition.reporter_name_enc,
            petition.reporter_phone_enc,
            petition.reporter_id_enc,
        ):
            assert enc and "赵明" not in enc and "1391234" not in enc

        # === 2. 金水区案管 registers the clue; the related-clue warning ====================
        page = as_user(a_cm)
        # The letter handed over by 信访: 案管 reads it, the reporter stays encrypted.
        page.goto(petition_url)
        assert "张建国在学校食堂承包招标" in page.locator("main").inner_text()
        expect(page.locator("#reporter")).to_contain_text("已加密", timeout=TIMEOUT)
        assert "赵明" not in page.content()

        # From the petition: source, date and content are taken over.
        assert "尚未据此登记问题线索" in page.locator("#petition-clues").inner_text()
        page.get_by_role("link", name="登记为问题线索").click()
        page.wait_for_url(re.compile(r"/clues/new/\?petition=\d+$"))
        assert "据信访件" in page.locator(".msg.info").inner_text()
        expect(page.get_by_label("线索来源")).to_have_value("petition")
        expect(page.get_by_label("收到日期")).to_have_value(received.isoformat())
        expect(page.get_by_label("主要问题")).to_have_value(content)
        page.get_by_label("被反映人身份证号码").fill(zhang_id)
        page.get_by_label("被反映人姓名").fill("张建国")
        page.get_by_role("button", name="登记并编号").click()
        # The related-clue warning comes with the registration itself.
        flash(page, "发现 2 条相关线索", kind="warning")
        page.wait_for_url(re.compile(r"/clues/\d+/$"))
        clue = Clue.objects.exclude(pk__in=[earlier_a.pk, earlier_b.pk]).get()
        assert clue.petition_id == petition.pk
        assert page.url.rstrip("/").endswith(f"/clues/{clue.pk}")
        assert clue.number == f"金水纪线〔{received.year}〕00002号"
        h1 = page.locator("h1").inner_text()
        assert clue.number in h1 and "待处置" in h1, h1
        assert "已登记线索 " + clue.number in page.locator(".messages").inner_text()
        subjects = page.locator("section.card:has(h2:text-is('被反映人'))")
        assert (
            "张建国" in subjects.inner_text()
            and "金水区教育局" in subjects.inner_text()
        )
        assert "未在监督对象库中" not in subjects.inner_text()
        # The competent unit proposed by 干部管理权限: the group stationed at the bureau.
        assert "金水区纪委监委派驻第一纪检监察组" in page.locator("main").inner_text()

        related = page.locator("section.card:has(h2:has-text('相关线索'))")
        assert related.locator("h2 .badge.hot").inner_text().strip() == "2"
        rows = related.locator("tbody tr")
        own = rows.filter(has=page.get_by_role("link", name=earlier_a.number))
        assert own.count() == 1
        assert "同一身份证号码：张建国" in own.inner_text()
        assert "金水区纪委监委派驻第一纪检监察组" in own.inner_text()
        other = rows.filter(has_text="中原区纪委监委持有相关线索，请与该单位联系。")
        assert other.count() == 1
        assert "无权查看内容" in other.inner_text()
        # Another county's clue: neither its number nor its content.
        assert earlier_b.number not in related.inner_text()
        assert "培训机构" not in page.content()
        shot(page, "lifecycle-02-registered-related")
        assert clue.subjects.get().person_id == zhang.pk
        assert clue.source == "petition" and clue.status == ClueStatus.REGISTERED
        assert clue.owner_unit_id == u["a_group"].pk
        # The petition now leads to its clue.
        clue_url = page.url
        page.goto(petition_url)
        assert clue.number in page.locator("#petition-clues").inner_text()
        page.goto(clue_url)

        # === 3. 移送 to 中原区纪委监委 with a feedback deadline in working days ============
        transfers = page.locator("section#transfers")
        assert "本线索尚未移送" in transfers.inner_text()
        transfers.get_by_label("接收单位").select_option(label="中原区纪委监委")
        transfers.get_by_label("方式").select_option(label="移送")
        transfers.get_by_label("反馈期限（工作日）").fill(str(FEEDBACK_WORKDAYS))
        transfers.get_by_label("理由").fill(
            "张建国拟交流至中原区任职，按管理权限由其办理"
        )
        transfers.get_by_role("button", name="移送", exact=True).click()
        due = add_workdays(today, FEEDBACK_WORKDAYS)
        flash(page, f"已移送至中原区纪委监委，反馈截止 {due:%Y-%m-%d}。")
        transfers = page.locator("section#transfers")
        text = squashed(transfers)
        assert "金水区纪委监委派驻第一纪检监察组 → 中原区纪委监委" in text, text
        assert "待接收" in text
        assert f"{due:%Y-%m-%d}（{FEEDBACK_WORKDAYS} 个工作日）" in text
        assert "按管理权限由其办理" in text
        # One transfer at a time: the form is gone, a reminder can be sent instead.
        assert transfers.get_by_label("接收单位").count() == 0
        assert transfers.get_by_role("button", name="发送催办").count() == 1
        shot(page, "lifecycle-03-transferred")
        transfer = Transfer.objects.get(clue=clue)
        assert transfer.status == "sent" and transfer.kind == "transfer"
        assert transfer.to_unit_id == u["b_commission"].pk
        assert transfer.feedback_workdays == FEEDBACK_WORKDAYS
        assert transfer.feedback_due == due and due.year == today.year

        # === 4. 中原区案管 finds it waiting and accepts it ================================
        page = as_user(b_cm)
        todos = page.locator("ul.todos")
        assert f"待接收移送线索 {clue.number}" in todos.inner_text()
        counter = page.locator("a.counter", has_text="待接收移送")
        assert counter.locator("b").inner_text() == "1"
        counter.click()
        page.wait_for_url(re.compile(r"/transfers/\?tab=in&status=sent$"))
        row = page.locator("table.list tbody tr", has_text=clue.number)
        assert row.count() == 1
        row_text = row.inner_text()
        assert "金水区纪委监委派驻第一纪检监察组" in row_text
        assert "待接收" in row_text and f"{due:%Y-%m-%d}" in row_text
        shot(page, "lifecycle-04-transfers-incoming")
        row.get_by_role("link", name=clue.number).click()
        page.wait_for_url(re.compile(rf"/clues/{clue.pk}/#transfers$"))
        page.locator("section#transfers").get_by_role(
            "button", name="接收并承办"
        ).click()
        flash(page, "已接收，线索改由中原区纪委监委承办。")
        assert "已接收办理中" in page.locator("section#transfers").inner_text()
        assert "接收并承办" not in page.locator("section#transfers").inner_text()
        shot(page, "lifecycle-05-accepted")
        transfer.refresh_from_db()
        clue.refresh_from_db()
        assert transfer.status == "accepted" and transfer.decided_by_id == b_cm.pk
        assert clue.owner_unit_id == u["b_commission"].pk

        # === 5. 中原区: 拟办 谈话函询 → main leader approves → the talk is recorded =======
        page = as_user(b_handler)
        nav(page, "问题线索", r"/clues/$")
        page.get_by_role("link", name=clue.number).click()
        page.wait_for_url(re.compile(rf"/clues/{clue.pk}/$"))
        disposal = page.locator("section#disposal")
        disposal.get_by_label("处置方式").select_option(label="谈话函询")
        disposal.get_by_label("谈话或函询").select_option(label="谈话")
        disposal.get_by_label("拟办意见").fill(
            "反映问题具体，建议由委领导对张建国进行谈话，要求其就礼金和亲属经商问题作出说明。"
        )
        disposal.get_by_role("button", name="提交审批").click()
        flash(page, "已提出拟办意见，待委领导审批。")
        disposal = page.locator("section#disposal")
        assert "拟办意见待审批" in disposal.locator("h2").inner_text()
        assert "谈话函询（谈话）" in disposal.inner_text()
        assert "须主要负责人审批" in disposal.inner_text()
        shot(page, "lifecycle-06-opinion-drafted")

        # A deputy leader may not approve a talk with a lower-level 一把手 …
        page = as_user(b_deputy)
        assert f"拟办意见待审批 {clue.number}" not in page.locator("main").inner_text()
        nav(page, "问题线索", r"/clues/$")
        page.get_by_role("link", name=clue.number).click()
        page.wait_for_url(re.compile(rf"/clues/{clue.pk}/$"))
        disposal = page.locator("section#disposal")
        assert "待本委主要负责人审批" in disposal.inner_text()
        assert disposal.get_by_role("button", name="批准").count() == 0

        # … the main leader does, from the to-do list.
        page = as_user(b_main)
        todo = page.locator("ul.todos li", has_text=f"拟办意见待审批 {clue.number}")
        assert "须主要负责人审批" in todo.inner_text()
        todo.get_by_role("link").click()
        page.wait_for_url(re.compile(rf"/clues/{clue.pk}/#disposal$"))
        disposal = page.locator("section#disposal")
        disposal.get_by_label("审批意见（可不填）").fill("同意，由我本人谈话")
        disposal.get_by_role("button", name="批准").click()
        flash(page, "已批准拟办意见。")
        disposal = page.locator("section#disposal")
        reply_due = add_workdays(today, INQUIRY_REPLY_WORKDAYS)
        assert "谈话函询" in disposal.locator("h2 .tag").inner_text()
        assert f"{reply_due:%Y-%m-%d}（{INQUIRY_REPLY_WORKDAYS} 个工作日）" in (
            disposal.inner_text()
        )
        assert "已批准" in disposal.inner_text() and "同意，由我本人谈话" in (
            disposal.inner_text()
        )
        shot(page, "lifecycle-07-opinion-approved")

        page = as_user(b_handler)
        page.reload()
        disposal = page.locator("section#disposal")
        disposal.get_by_label("谈话记录").fill(
            "谈话人：中原区纪委书记。张建国对收受礼金一事承认收受承包商礼金两万元，已退还；"
            "否认安排亲属承接校服采购。"
        )
        assert disposal.get_by_label("回复日期").input_value() == today.isoformat()
        disposal.get_by_role("button", name="登记", exact=True).click()
        flash(page, "已登记谈话记录或书面回复。")
        disposal = page.locator("section#disposal")
        assert "承认收受承包商礼金两万元" in disposal.inner_text()
        shot(page, "lifecycle-08-talk-recorded")
        d = Disposal.objects.get(clue=clue)
        assert d.method == "inquiry" and d.inquiry_form == "talk"
        assert d.needs_main_leader and d.decided_by_id == b_main.pk
        assert d.reply_due == reply_due and d.reply_date == today
        assert "两万元" in d.reply_text

        # === 6. 金水区 sees the feedback on 移送管理 and on the clue page ================
        page = as_user(a_cm)
        nav(page, "问题线索", r"/clues/$")
        page.get_by_role("link", name="移送管理").click()
        page.wait_for_url(re.compile(r"/transfers/$"))
        page.get_by_role("link", name=re.compile("移出的")).click()
        page.wait_for_url(re.compile(r"/transfers/\?tab=out$"))
        row = page.locator("table.list tbody tr", has_text=clue.number)
        row_text = row.inner_text()
        assert "中原区纪委监委" in row_text and "已接收办理中" in row_text
        assert "进展反馈" in row_text and "谈话函询" in row_text, row_text
        shot(page, "lifecycle-09-sender-sees-progress")
        row.get_by_role("link", name=clue.number).click()
        page.wait_for_url(re.compile(rf"/clues/{clue.pk}/#transfers$"))
        notes = page.locator("section#transfers table.list tbody tr")
        texts = notes.all_inner_texts()
        assert any(
            "中原区纪委监委 → 移出单位" in t
            and "进展反馈" in t
            and "线索状态由“拟办意见待审批”变为“谈话函询”" in t
            for t in texts
        ), texts

        # === 7. 中原区 records the 诫勉 and concludes the clue ========================
        page = as_user(b_handler)
        page.reload()
        outcomes = page.locator("section#outcomes")
        form = outcomes.locator("form.outcome-form")
        form.get_by_label("被反映人").select_option(label="张建国（金水区教育局）")
        form.get_by_label("四种形态").select_option(label="第一种形态")
        form.get_by_label("决定日期").fill(decided.isoformat())
        form.get_by_label("处理结论").fill("违规收受礼金，情节较轻，对张建国予以诫勉")
        row1 = form.locator(".sanction-row").first
        row1.get_by_label("处分类别").select_option(label="诫勉")
        expect(row1.locator("label.probation")).to_be_hidden(timeout=TIMEOUT)
        row1.get_by_label("生效日期").fill(effective.isoformat())
        form.get_by_role("button", name="登记").click()
        flash(page, "已登记张建国的处理结果")
        # 诫勉: 6 months from the effective date (the 31st becomes the month's last day).
        m0 = effective.month - 1 + 6
        y6, m6 = effective.year + m0 // 12, m0 % 12 + 1
        six_months_on = dt.date(
            y6, m6, min(effective.day, calendar.monthrange(y6, m6)[1])
        )
        influence_end = six_months_on - dt.timedelta(days=1)
        outcomes = page.locator("section#outcomes")
        text = outcomes.locator("table.list").inner_text()
        assert "第一种形态" in text and "诫勉" in text and "影响期内" in text
        assert (
            f"{effective:%Y-%m-%d} 生效，影响期至 {influence_end:%Y-%m-%d}" in text
        ), text

        disposal = page.locator("section#disposal")
        conclusion = "经谈话，张建国违规收受礼金属实，已对其予以诫勉，予以办结"
        disposal.get_by_label("办结意见").fill(conclusion)
        disposal.get_by_role("button", name="办结", exact=True).click()
        flash(page, "线索已办结。")
        assert "已办结" in page.locator("h1").inner_text()
        transfers = page.locator("section#transfers")
        assert "已反馈办结" in transfers.inner_text()
        shot(page, "lifecycle-10-concluded")
        clue.refresh_from_db()
        transfer.refresh_from_db()
        assert clue.status == ClueStatus.CONCLUDED
        assert transfer.status == "fed_back"
        sanction = Sanction.objects.get()
        assert sanction.person_id == zhang.pk and sanction.kind == "admonition"
        assert sanction.effective_date == effective
        assert sanction.influence_months == 6
        assert sanction.influence_end == influence_end
        result = transfer.notes.get(kind=TransferNoteKind.RESULT)
        assert conclusion in result.content

        # … and 金水区 receives it as 处置情况反馈.
        page = as_user(a_cm)
        page.reload()
        transfers = page.locator("section#transfers")
        text = transfers.inner_text()
        assert "已反馈办结" in text
        assert f"{today:%Y-%m-%d} 已反馈办结" in text
        result_row = transfers.locator("table.list tbody tr", has_text="处置情况反馈")
        assert result_row.count() == 1
        assert "中原区纪委监委 → 移出单位" in result_row.inner_text()
        assert conclusion in result_row.inner_text()
        assert "线索状态由“谈话函询”变为“已办结”" in result_row.inner_text()
        # No more reminders for a transfer that is done.
        assert transfers.get_by_role("button", name="发送催办").count() == 0
        shot(page, "lifecycle-11-sender-sees-result")

        # === 8. The sanction and its 影响期 on 张建国's archive ===========================
        page.locator("section.card:has(h2:text-is('被反映人'))").get_by_role(
            "link", name="廉政档案"
        ).click()
        page.wait_for_url(re.compile(rf"/persons/{zhang.pk}/$"))
        archive = page.locator("section.card:has(h2:text-is('问题线索与处分'))")
        assert "1 项影响期内" in archive.inner_text()
        sanctions = archive.locator("table.list").nth(0)
        srow = sanctions.locator("tbody tr", has_text="诫勉")
        assert srow.count() == 1
        srow_text = srow.inner_text()
        assert f"{effective:%Y-%m-%d}" in srow_text
        assert f"至 {influence_end:%Y-%m-%d}（6个月）" in srow_text
        assert "影响期内" in srow_text
        orow = archive.locator("table.list").nth(1).locator("tbody tr")
        assert "第一种形态" in orow.inner_text()
        assert "对张建国予以诫勉" in orow.inner_text()
        assert orow.get_by_role("link", name=clue.number).count() == 1
        # Still open: the earlier 金水区 clue; 中原区's is not for 金水区 to see.
        open_clues = archive.locator("table.list").nth(2)
        assert earlier_a.number in open_clues.inner_text()
        assert earlier_b.number not in open_clues.inner_text()
        assert clue.number not in open_clues.inner_text()
        shot(page, "lifecycle-12-archive")

        # 信访 may open the archive but not the sanctions.
        page = as_user(clerk)
        nav(page, "监督对象", r"/persons/$")
        page.locator("table.list").get_by_role("link", name="张建国").click()
        page.wait_for_url(re.compile(rf"/persons/{zhang.pk}/$"))
        archive = page.locator("section.card:has(h2:text-is('问题线索与处分'))")
        assert "处分及处理结果仅纪检监察机关承办人员可见" in archive.inner_text()
        assert "诫勉" not in page.content()

        # === 9. 组织部 asks for integrity opinions; 金水区 confirms 有意见 ================
        page = as_user(liaison)
        page.locator("a.counter", has_text="党风廉政意见征求").click()
        page.wait_for_url(re.compile(r"/integrity/$"))
        page.get_by_role("link", name="征求意见").click()
        page.wait_for_url(re.compile(r"/integrity/new/$"))
        assert "提交至 金水区纪委监委" in page.locator("h1").inner_text()
        purpose = f"{today.year}年度科级干部选拔任用"
        page.get_by_label("事由").fill(purpose)
        page.get_by_label(re.compile("^名单")).fill(
            f"姓名,身份证号码\n张建国,{zhang_id}\n王磊,{wang_id}\n"
        )
        page.get_by_role("button", name="提交").click()
        flash(page, "已提交 2 人，等待金水区纪委监委回复")
        page.wait_for_url(re.compile(r"/integrity/\d+/$"))
        batch_url = page.url
        assert "待回复" in page.locator("h1").inner_text()
        main = page.locator("main").inner_text()
        assert "张建国" in main and "王磊" in main
        assert zhang_id not in main  # masked
        assert "诫勉" not in main and "有意见" not in main
        shot(page, "lifecycle-13-integrity-submitted")

        page = as_user(a_cm)
        nav(page, "工作台", rf"^{re.escape(base)}/$")
        todo = page.locator(
            "ul.todos li", has_text=f"党风廉政意见征求待回复：{purpose}"
        )
        assert "金水区委组织部，2人" in todo.inner_text()
        todo.get_by_role("link").click()
        page.wait_for_url(re.compile(r"/integrity/\d+/$"))
        assert page.url == batch_url
        rows = page.locator("table.list tbody tr")
        zrow = rows.filter(has_text="张建国")
        zrow_text = zrow.inner_text()
        assert "有意见" in zrow.locator("td").nth(3).inner_text()
        assert (
            f"受到诫勉处分（{effective:%Y-%m-%d}生效），"
            f"影响期至{influence_end:%Y-%m-%d}" in zrow_text
        ), zrow_text
        assert "有2件尚未办结的问题线索" in zrow_text
        assert zrow.locator("select").input_value() == "objection"
        wrow = rows.filter(has_text="王磊")
        assert "无意见" in wrow.locator("td").nth(3).inner_text()
        assert "无处分影响期和未办结线索" in wrow.inner_text()
        summary = page.locator("section.card dl.kv").inner_text()
        assert "有意见 1" in summary and "无意见 1" in summary
        shot(page, "lifecycle-14-integrity-proposal")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="确认回复").click()
        flash(page, "已确认回复，征求单位可查看和导出回复意见")
        assert "已回复" in page.locator("h1").inner_text()
        assert page.get_by_role("button", name="确认回复").count() == 0
        shot(page, "lifecycle-15-integrity-confirmed")
        batch = IntegrityBatch.objects.get()
        assert batch.confirmed_by_id == a_cm.pk
        entries = {e.name: e for e in batch.entries.all()}
        assert entries["张建国"].proposal == entries["张建国"].reply == "objection"
        assert entries["王磊"].reply == "none"

        # The asking unit gets the verdict and a neutral wording, never the clue content.
        page = as_user(liaison)
        page.reload()
        assert "已回复" in page.locator("h1").inner_text()
        zrow = page.locator("table.list tbody tr", has_text="张建国")
        zrow_text = zrow.inner_text()
        assert "有意见" in zrow_text
        assert f"处分影响期内（至{influence_end:%Y-%m-%d}）" in zrow_text, zrow_text
        assert "存在尚未办结的问题线索" in zrow_text
        assert "诫勉" not in page.content() and "礼金" not in page.content()
        assert (
            "无意见"
            in page.locator("table.list tbody tr", has_text="王磊").inner_text()
        )
        shot(page, "lifecycle-16-integrity-reply")
    finally:
        for ctx in contexts:
            ctx.close()
