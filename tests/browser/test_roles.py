"""Two roles through a real browser: a county case manager and the security auditor.

Drives the system Chromium headless against ``live_server``; the world is committed for real
(``transactional_db``) so the server thread sees it, and audit checkpoints are written as in
production (into a per-test ``XIETONG_HOME``).
"""

import re

import pytest

from tests.factories import PASSWORD, account, build_world
from xietong.access.roles import Grant
from xietong.audit.models import Action, AuditEntry
from xietong.core.crypto import field_cipher

pytestmark = pytest.mark.browser


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


def nav_labels(page) -> list[str]:
    return [t.strip() for t in page.locator("nav.mainnav a").all_inner_texts()]


def test_case_manager_and_auditor(
    live_server,
    transactional_db,
    django_db_serialized_rollback,
    isolated_home,
    browser,
    shot,
):
    base = live_server.url
    world = build_world()
    manager = account(
        world.units["a_case_management"],
        "case_manager",
        username="anguan_jinshui",
        grants=(Grant.SENSITIVE_IDENTITY,),
    )
    auditor = account(world.units["a_commission"], "auditor", username="shenji_jinshui")
    zhang = world.persons["a_edu_head"]
    liu = world.persons["b_edu_head"]
    full_id = field_cipher().decrypt(zhang.id_number_enc)

    ctx = new_context(browser, base)

    # --- wrong password: the form says so in Chinese, nobody is signed in ------------------
    page = ctx.new_page()
    login(page, base, manager.username, "Wrong@Pass2026")
    assert "/login/" in page.url
    alert = page.get_by_role("alert")
    assert "账号或密码错误" in alert.inner_text()
    assert page.locator("nav.mainnav").count() == 0
    shot(page, "01-login-error")

    # --- (a) case manager of 金水区 -----------------------------------------------------------
    login(page, base, manager.username)
    assert page.url.rstrip("/") == base.rstrip("/")
    labels = nav_labels(page)
    assert "监督对象" in labels and "审计日志" not in labels, labels
    shot(page, "02-manager-home")

    page.locator("nav.mainnav").get_by_role("link", name="监督对象").click()
    page.wait_for_url(re.compile(r"/persons/$"))
    table = page.locator("table.list")
    assert table.get_by_role("link", name="张建国").count() == 1
    assert "刘洋" not in table.inner_text()
    shot(page, "03-manager-persons")

    table.get_by_role("link", name="张建国").click()
    page.wait_for_url(re.compile(rf"/persons/{zhang.pk}/$"))
    assert "廉政档案" in page.locator("h1").inner_text()
    identity = page.locator("#identity")
    assert full_id not in identity.inner_text()
    assert zhang.id_number_masked in identity.inner_text()

    identity.get_by_role("button", name=re.compile("查看完整号码")).click()
    page.wait_for_function(
        "n => document.querySelector('#identity').innerText.includes(n)", arg=full_id
    )
    assert "13800138000" in identity.inner_text()
    assert "审计" in identity.inner_text()
    shot(page, "04-manager-archive-revealed")
    assert (
        AuditEntry.objects.filter(
            action=Action.VIEW_SENSITIVE,
            actor_id=manager.pk,
            object_type="org.person",
            object_id=str(zhang.pk),
        ).count()
        == 1
    )

    # Out of reach: another county's person answers like a missing page.
    resp = page.goto(f"{base}/persons/{liu.pk}/")
    assert resp.status == 404
    ctx.close()

    # --- (b) the security auditor -------------------------------------------------------------
    ctx = new_context(browser, base)
    page = ctx.new_page()
    login(page, base, auditor.username)
    labels = nav_labels(page)
    assert "审计日志" in labels and "监督对象" not in labels, labels

    page.locator("nav.mainnav").get_by_role("link", name="审计日志").click()
    page.wait_for_url(re.compile(r"/audit/$"))
    rows = page.locator("table.audit tbody tr")
    manager_rows = [t for t in rows.all_inner_texts() if manager.full_name in t]
    assert any("登录" in t and "登录失败" not in t for t in manager_rows), manager_rows
    assert any("查看敏感信息" in t and "张建国" in t for t in manager_rows), (
        manager_rows
    )

    page.get_by_role("button", name=re.compile("校验")).click()
    result = page.locator("#verify-result")
    result.get_by_text("审计日志完整").wait_for()
    assert "篡改" not in result.inner_text()
    shot(page, "05-auditor-log-verified")

    resp = page.goto(f"{base}/persons/{zhang.pk}/")
    assert resp.status == 404
    assert "未找到" in page.locator("h1").inner_text()
    assert "张建国" not in page.content()
    shot(page, "06-auditor-404")
    ctx.close()


def test_org_tree_opens_and_folds(
    live_server,
    transactional_db,
    django_db_serialized_rollback,
    isolated_home,
    browser,
    shot,
):
    base = live_server.url
    world = build_world()
    manager = account(
        world.units["a_case_management"], "case_manager", username="anguan_tree"
    )

    ctx = new_context(browser, base)
    page = ctx.new_page()
    fetched = []
    page.on(
        "request", lambda r: fetched.append(r.url) if "/children/" in r.url else None
    )
    login(page, base, manager.username)
    page.locator("nav.mainnav").get_by_role("link", name="组织机构").click()
    page.wait_for_url(re.compile(r"/org/$"))
    tree = page.locator(".tree")

    def region(name):
        return tree.locator(f".node.region:has(> .rname:text-is('{name}'))")

    # The single root (the province) opens by itself.
    region("郑州市").wait_for()
    region("郑州市").locator("> .toggle").click()
    jinshui = region("金水区")
    jinshui.wait_for()
    toggle = jinshui.locator("> .toggle")
    toggle.click()
    commission = jinshui.get_by_role("link", name="金水区纪委监委", exact=True)
    commission.wait_for()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert "open" in (toggle.get_attribute("class") or "")
    shot(page, "07-org-tree")

    # Clicking again folds the node; once more unfolds it without asking the server again.
    toggle.click()
    commission.wait_for(state="hidden")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    commission.wait_for(state="visible")
    node_url = f"/org/region/{world.regions['a'].pk}/children/"
    assert sum(node_url in u for u in fetched) == 1, fetched

    # The region name works like the arrow.
    jinshui.locator("> .rname").click()
    commission.wait_for(state="hidden")
    ctx.close()
