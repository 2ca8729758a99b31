/* XieTong — small page behaviour. Local file; nothing loaded from outside. */
(function () {
  "use strict";

  /* Organisation tree: the first click on ▸ loads the children (hx-trigger="click once");
     every click opens or folds the node without fetching again. */
  document.addEventListener("click", function (ev) {
    var label = ev.target.closest(".tree .rname");
    if (label) {
      var t = label.parentElement.querySelector(":scope > .toggle");
      if (t) t.click();
      return;
    }
    var btn = ev.target.closest(".tree .toggle");
    if (!btn) return;
    var node = btn.closest(".node");
    var kids = node && node.querySelector(":scope > .kids");
    if (!kids) return;
    var open = !btn.classList.contains("open");
    btn.classList.toggle("open", open);
    btn.setAttribute("aria-expanded", open ? "true" : "false");
    btn.title = open ? "收起" : "展开";
    kids.hidden = !open;
  });

  /* A tree with a single root (the province) opens it straight away. */
  document.addEventListener("DOMContentLoaded", function () {
    setTimeout(function () {
      document.querySelectorAll(".tree [data-autoopen]").forEach(function (b) { b.click(); });
    }, 0);
  });

  /* A refused fragment (403, e.g. a missing grant) carries its own Chinese explanation: show it. */
  document.addEventListener("htmx:beforeSwap", function (ev) {
    if (ev.detail.xhr.status === 403 && ev.detail.xhr.responseText) {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });

  /* Any other failed fragment request says so where the user is looking. */
  document.addEventListener("htmx:responseError", function (ev) {
    var target = ev.detail.target;
    if (!target) return;
    var msg = document.createElement("span");
    msg.className = "error small";
    msg.textContent = ev.detail.xhr.status === 404
      ? "未找到该记录，或您无权查看。"
      : "加载失败（" + ev.detail.xhr.status + "），请刷新页面后重试。";
    target.replaceChildren(msg);
    target.hidden = false;
  });
  document.addEventListener("htmx:sendError", function (ev) {
    var target = ev.detail.target;
    if (!target) return;
    var msg = document.createElement("span");
    msg.className = "error small";
    msg.textContent = "无法连接服务器，请检查网络后重试。";
    target.replaceChildren(msg);
    target.hidden = false;
  });
  /* Audit summaries are stored as JSON; show them as “字段：值”, a change as “原 → 新”. */
  function plain(key, v) {
    if (v === null || v === undefined || v === "") return "（空）";
    if (Array.isArray(v)) {
      if (v.length === 2 && typeof v[0] !== "object" && typeof v[1] !== "object") {
        return plain(key, v[0]) + " → " + plain(key, v[1]);
      }
      return v.map(function (x) { return plain(key, x); }).join("、");
    }
    if (typeof v === "object") return JSON.stringify(v);
    if (key === "筛选") {
      try { return decodeURIComponent(String(v).replace(/\+/g, " ")) || "（无）"; } catch (e) { return String(v); }
    }
    return String(v);
  }
  function prettySummaries(root) {
    (root || document).querySelectorAll("td.summary[data-json]").forEach(function (td) {
      var raw = td.getAttribute("data-json");
      var data;
      try { data = JSON.parse(raw); } catch (e) { return; }
      if (!data || typeof data !== "object" || Array.isArray(data)) return;
      var text = Object.keys(data).map(function (k) { return k + "：" + plain(k, data[k]); }).join("；");
      td.title = text;
      td.textContent = text.length > 160 ? text.slice(0, 159) + "…" : text;
      td.removeAttribute("data-json");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { prettySummaries(document); });

  /* Buttons whose form carries data-confirm ask first (停用账号、撤销角色…). */
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var text = form.getAttribute && form.getAttribute("data-confirm");
    if (text && !window.confirm(text)) ev.preventDefault();
  }, true);
})();
