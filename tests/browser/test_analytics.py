"""Big-data supervision through a real browser, as an analyst of 金水区纪委监委 works.

Uploads a 死亡登记 file and a dirty 补贴发放 file through the import wizard (mapping
preview, background import with progress), runs 死亡冒领 from the run form and watches
it finish, opens the hit with its evidence rows, triages it (a dismissal without a
reason is refused on the page), sees the ledger's precision, and writes a custom SQL
model whose first version tries to read a file and is refused with the position.
A job worker runs in a thread beside ``live_server``, as ``xietong serve`` runs one.
"""

import re
import threading

import pytest
from django.db import connections
from playwright.sync_api import expect

from tests.analytics.support import id_number, write_csv
from tests.factories import account, build_world
from xietong.access.roles import Role
from xietong.analytics.jobs import Worker
from xietong.analytics.models import DatasetVersion, Hit, HitStatus, ModelRun

from .test_clue_lifecycle import login, new_context

pytestmark = pytest.mark.browser


@pytest.fixture
def worker(transactional_db):
    """The background job worker, polling fast, on its own database connection."""
    stop = threading.Event()

    def loop():
        try:
            Worker(poll=0.2).run_forever(stop)
        finally:
            connections.close_all()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=30)


def _upload(page, base, path, kind_label, unit_name):
    page.goto(f"{base}/analytics/datasets/")
    page.get_by_role("link", name="导入数据").first.click()
    page.get_by_label("数据文件").set_input_files(str(path))
    page.get_by_label("数据集类型").select_option(label=kind_label)
    page.get_by_label("提供单位").select_option(label=unit_name)
    page.get_by_role("button", name="上传并核对列").click()
    # Step 2: the Chinese headers are recognised and the preview is normalised.
    expect(page.get_by_text("第 2 步")).to_be_visible()
    page.get_by_role("button", name="开始导入").click()
    # Step 3: the background import ends; the bar polls until it does.
    expect(page.get_by_role("heading", name=re.compile("导入完成"))).to_be_visible(
        timeout=30_000
    )


def test_analyst_imports_runs_triages_and_writes_a_custom_model(
    live_server, isolated_home, worker, browser, shot, tmp_path
):
    base = live_server.url
    world = build_world()
    commission = world.units["a_commission"]
    account(commission, Role.ANALYST, username="fenxi_jinshui")
    person = id_number(21)
    wide = person.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    deaths = write_csv(
        tmp_path / "死亡登记.csv",
        ["身份证号", "姓名", "死亡日期"],
        [[person, "张伟", "2026-01-05"]],
    )
    payments = write_csv(
        tmp_path / "养老金发放.csv",
        ["发放流水号", "项目", "收款人姓名", "身份证号", "金额", "发放日期"],
        [
            ["P001", "养老", "张 伟", wide, "1,200元", "2026/3/1"],
            ["P002", "养老", "张伟", person, "300", "2026-01-04"],
        ],
        encoding="gbk",
    )

    ctx = new_context(browser, base)
    page = ctx.new_page()
    login(page, base, "fenxi_jinshui")
    page.get_by_role("link", name="大数据监督").click()
    expect(page.get_by_role("heading", name="预警研判")).to_be_visible()

    # --- import both files through the wizard --------------------------------------
    _upload(page, base, deaths, "死亡登记", commission.name)
    _upload(page, base, payments, "资金拨付/补贴发放", commission.name)
    shot(page, "analytics-import-done")
    version = DatasetVersion.objects.get(dataset__kind="payments")
    assert version.rows == 2 and version.source_encoding.lower() in ("gbk", "gb18030")
    assert version.report["changes"], version.report  # full-width digits, 元, date

    # --- run 死亡冒领 and watch it finish -------------------------------------------
    page.goto(f"{base}/analytics/runs/new/")
    page.locator("select[name=model]").select_option("death_payment")
    expect(page.get_by_label("宽限天数")).to_be_visible()
    page.get_by_role("button", name="提交运行").click()
    expect(page.get_by_text("新发现 1 条")).to_be_visible(timeout=30_000)
    assert ModelRun.objects.get().hits_new == 1
    page.get_by_role("link", name="查看命中 ›").click()

    # --- the hit: reason, evidence rows, triage -------------------------------------
    page.get_by_role("link", name=re.compile("张伟")).first.click()
    expect(page.get_by_text("P001").first).to_be_visible()
    assert person not in page.content()  # masked for an analyst without the grant
    page.get_by_label("已排除").check()
    page.get_by_role("button", name="提交研判").click()
    expect(page.get_by_text("排除预警须说明理由")).to_be_visible()
    assert Hit.objects.get().status == HitStatus.NEW
    page.get_by_label("转为问题").check()
    page.locator("textarea[name=reason]").fill("经核实，死亡后仍发放养老金，移交整改。")
    page.get_by_role("button", name="提交研判").click()
    expect(page.get_by_text("转为问题").first).to_be_visible()
    assert Hit.objects.get().status == HitStatus.TO_PROBLEM
    shot(page, "analytics-hit")

    # --- the ledger shows the model's precision --------------------------------------
    page.get_by_role("link", name="预警台账").click()
    expect(page.get_by_text("100.0%").first).to_be_visible()

    # --- a custom model: refused with the position, then tried and saved ------------
    page.goto(f"{base}/analytics/models/new/")
    page.locator("input[name=name]").fill("大额养老金")
    sql = page.locator("textarea[name=sql]")
    sql.fill("select *\nfrom read_csv('/etc/passwd')")
    page.get_by_role("button", name="试运行").click()
    error = page.locator(".trial-error")
    expect(error).to_contain_text("第 2 行")
    expect(error).to_contain_text("read_csv")
    sql.fill("select payment_id, payee_name as name, amount\nfrom payments\n"
             "where amount >= 1000")  # fmt: skip
    page.get_by_role("button", name="试运行").click()
    expect(page.locator(".trial-result")).to_contain_text("P001")
    page.get_by_role("button", name="保存").click()
    # The form's example parameter is not used by this SQL: saving says so.
    expect(page.get_by_text("已声明但 SQL 中没有用到").first).to_be_visible()
    page.get_by_role("button", name="删除").first.click()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name=re.compile("大额养老金"))).to_be_visible()
    shot(page, "analytics-custom-model")
    ctx.close()
