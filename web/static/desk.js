// 坐席工作台: screen pop, talk timer, wrap-up, agent state, case from the call, knowledge base.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var current = null, answeredAt = null, stateSince = null, api = null;

  function text(el, value) { el.textContent = value == null ? "" : String(value); }
  function item(list, content) { var li = document.createElement("li"); li.textContent = content; list.appendChild(li); return li; }
  function message(m) { text($("desk-message"), m); }

  function showPop(call) {
    current = call.linked_id;
    $("pop").hidden = false; $("no-call").hidden = true;
    text($("pop-number"), call.caller_number);
    text($("pop-location"), call.location || "未知归属地");
    text($("pop-carrier"), call.carrier || "");
    text($("pop-name"), call.caller_name || "（未知）");
    updateCall(call);
    var form = $("desk-form");
    form.caller_phone.value = call.caller_number || "";
    form.caller_name.value = call.caller_name || "";
    $("call-id").value = "";
  }

  function updateCall(call) {
    var talking = call.state === "talking";
    text($("pop-state"), talking ? "通话中" : (call.state === "ringing" ? "振铃" : call.state));
    answeredAt = talking && call.answered_at ? new Date(call.answered_at) : null;
  }

  function hidePop() { current = null; answeredAt = null; $("pop").hidden = true; $("no-call").hidden = false; text($("pop-talk"), ""); }

  function renderContext(ctx) {
    var flags = $("pop-flags"); flags.textContent = "";
    [["repeat_caller", "重复来电"], ["overdue_case", "有超期办件"], ["nuisance", "疑似骚扰号码"]].forEach(function (f) {
      if (ctx.flags[f[0]]) { var b = document.createElement("span"); b.className = "badge urgent flag-" + f[0]; b.textContent = f[1]; flags.appendChild(b); flags.appendChild(document.createTextNode(" ")); }
    });
    if (!$("pop-name").textContent || $("pop-name").textContent === "（未知）") text($("pop-name"), ctx.known_name || "（未知）");
    if (ctx.location) text($("pop-location"), ctx.location);
    text($("pop-calls-count"), "（" + ctx.calls_30d_count + " 次）");
    var calls = $("pop-calls"); calls.textContent = "";
    ctx.calls_30d.forEach(function (c) { item(calls, c.offered_at.replace("T", " ") + (c.answered ? " 已接听" : " 未接通")); });
    renderOpen(ctx.open_cases);
    var last = $("pop-last"); last.textContent = "";
    ctx.last_cases.forEach(function (c) {
      var a = document.createElement("a"); a.href = "/cases/" + c.id; a.textContent = c.number + " " + c.title + "（" + c.state_label + "）";
      item(last, "").appendChild(a);
    });
  }

  function renderOpen(cases) {
    var body = $("pop-open").querySelector("tbody"), select = $("existing-case");
    body.textContent = ""; select.length = 1;
    cases.forEach(function (c) {
      var tr = document.createElement("tr");
      tr.innerHTML = "<td></td><td></td><td></td><td></td>";
      var a = document.createElement("a"); a.href = "/cases/" + c.id; a.textContent = c.number; tr.cells[0].appendChild(a);
      text(tr.cells[1], c.title); text(tr.cells[2], c.state_label + " · " + c.overdue_label);
      var urge = document.createElement("button"); urge.type = "button"; urge.textContent = "催办"; urge.className = "urge";
      urge.addEventListener("click", function () {
        window.hotlineApi("POST", "/cases/" + c.id + "/urge", { opinion: "市民来电催办，请加快办理" })
          .then(function () { urge.disabled = true; urge.textContent = "已催办"; }).catch(function (e) { message(e.message); });
      });
      tr.cells[3].appendChild(urge); body.appendChild(tr);
      var opt = document.createElement("option"); opt.value = c.id; opt.textContent = c.number + " " + c.title; select.appendChild(opt);
    });
  }

  function showAgent(agent) {
    if (!agent) { text($("agent-state"), "未签入"); stateSince = null; return; }
    text($("agent-state"), agent.state_label + (agent.paused && agent.pause_reason ? "（" + agent.pause_reason + "）" : ""));
    $("agent-state").dataset.state = agent.state;
    stateSince = new Date(agent.since);
    $("end-wrapup").hidden = !(agent.paused && agent.pause_reason === "话后整理") && agent.state !== "wrap_up";
  }

  function onMessage(m) {
    if (m.type === "hello") {
      showAgent(m.agent);
      if (m.calls.length) { showPop(m.calls[m.calls.length - 1]); } else if (!$("end-wrapup").hidden) { /* keep the form */ } else { hidePop(); }
    } else if (m.type === "pop") { showPop(m.call); }
    else if (m.type === "context" && m.linked_id === current) { renderContext(m.context); }
    else if (m.type === "call" && m.call.linked_id === current) { updateCall(m.call); }
    else if (m.type === "pop_gone" && m.linked_id === current) { hidePop(); }
    else if (m.type === "ended" && m.linked_id === current) {
      answeredAt = null; text($("pop-state"), m.wrap_up ? "已挂机 · 话后整理" : "已挂机");
      if (m.wrap_up) $("end-wrapup").hidden = false; else hidePop();
    } else if (m.type === "call_stored" && m.linked_id === current) { $("call-id").value = m.call_id; }
    else if (m.type === "agent") { showAgent(m.agent); }
  }

  function formBody(form) {
    var data = {}, fd = new FormData(form);
    fd.forEach(function (v, k) { if (k === "departments") { (data.departments = data.departments || []).push(parseInt(v, 10)); } else if (v !== "") { data[k] = v; } });
    if (data.departments && data.departments.length) data.lead = data.departments[0];
    return data;
  }

  function save(e) {
    e.preventDefault();
    var form = $("desk-form"), body = formBody(form);
    text($("form-errors"), "");
    window.hotlineApi("POST", "/desk/cases", body).then(function (r) {
      if (body.route === "invalid" && $("mark-nuisance").checked && body.caller_phone) {
        window.hotlineApi("POST", "/desk/nuisance", { number: body.caller_phone, reason: "多次无效来电" });
      }
      message("已保存办件 " + r.number + "（" + r.state_label + "）");
      form.reset(); $("call-id").value = ""; $("end-wrapup").hidden = true; hidePop();
    }).catch(function (err) {
      var fields = err.fields || {};
      text($("form-errors"), err.message + " " + Object.keys(fields).map(function (k) { return fields[k]; }).join("；"));
    });
  }

  function linkExisting() {
    var caseId = $("existing-case").value, callId = $("call-id").value;
    if (!caseId || !callId) { text($("form-errors"), "请先选择已有办件（来电记录生成后才能补充）"); return; }
    window.hotlineApi("POST", "/desk/calls/" + callId + "/link", { case_id: parseInt(caseId, 10) })
      .then(function () { message("来电已补充到已有办件"); hidePop(); $("end-wrapup").hidden = true; })
      .catch(function (err) { text($("form-errors"), err.message); });
  }

  function agentAction(kind) {
    var paths = { login: ["/telephony/agent/login"], logout: ["/telephony/agent/logout"],
                  pause: ["/telephony/agent/pause", { paused: true, reason: $("pause-reason").value }],
                  resume: ["/telephony/agent/pause", { paused: false }] };
    var p = paths[kind];
    window.hotlineApi("POST", p[0], p[1] || {}).then(function () { message(""); }).catch(function (err) { message(err.message); });
  }

  function searchKb(e) {
    e.preventDefault();
    var q = e.target.q.value, list = $("kb-results");
    window.hotlineApi("GET", "/knowledge/articles?q=" + encodeURIComponent(q)).then(function (r) {
      list.textContent = "";
      r.items.forEach(function (a) {
        var link = document.createElement("a"); link.href = "#"; link.textContent = a.title;
        link.addEventListener("click", function (ev) {
          ev.preventDefault(); $("kb-article").hidden = false; text($("kb-title"), a.title); text($("kb-body"), a.body);
          $("kb-use").dataset.id = a.id; $("kb-use").dataset.body = a.body;
        });
        item(list, "").appendChild(link);
      });
      if (!r.items.length) item(list, "没有找到相关知识");
    });
  }

  function useArticle() {
    var form = $("desk-form");
    $("kb-article-id").value = $("kb-use").dataset.id;
    $("f-answer").value = $("kb-use").dataset.body.slice(0, 2000);
    form.querySelector('input[name=route][value=front_desk]').checked = true;
  }

  function tick() {
    if (answeredAt) text($("pop-talk"), "通话 " + window.fmtSeconds((Date.now() - answeredAt) / 1000));
    if (stateSince) text($("agent-timer"), window.fmtSeconds((Date.now() - stateSince) / 1000));
  }

  document.addEventListener("DOMContentLoaded", function () {
    api = new window.HotlineSocket(onMessage, null, $("socket-state"));
    window.hotlineDesk = api;
    $("desk-form").addEventListener("submit", save);
    $("link-existing").addEventListener("click", linkExisting);
    $("kb-search").addEventListener("submit", searchKb);
    $("kb-use").addEventListener("click", useArticle);
    $("end-wrapup").addEventListener("click", function () {
      window.hotlineApi("POST", "/desk/wrapup/end", {}).then(function () { $("end-wrapup").hidden = true; hidePop(); });
    });
    document.querySelectorAll("[data-agent]").forEach(function (b) { b.addEventListener("click", function () { agentAction(b.dataset.agent); }); });
    setInterval(tick, 1000);
  });
})();
