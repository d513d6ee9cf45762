// 实时监控: the server pushes the board whenever it changes; timers tick locally between pushes.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var last = null, canSpy = false;

  function cell(tr, value) { var td = document.createElement("td"); td.textContent = value == null ? "" : String(value); tr.appendChild(td); return td; }
  function pct(x) { return x == null ? "—" : (x * 100).toFixed(1) + "%"; }
  function since(iso) { return (Date.now() - new Date(iso).getTime()) / 1000; }

  function queues(b) {
    var box = $("board-queues"); box.textContent = "";
    b.queues.forEach(function (q) {
      var div = document.createElement("div"); div.className = "panel queue-card"; div.dataset.queue = q.queue;
      var h = document.createElement("h2"); h.textContent = "队列 " + q.queue; div.appendChild(h);
      var p = document.createElement("p"); p.className = "queue-waiting";
      p.textContent = "排队 " + q.waiting + " 人，最长等待 " + window.fmtSeconds(q.longest_wait); div.appendChild(p);
      box.appendChild(div);
    });
  }

  function today(b) {
    var t = b.today, ok = t.meets_target;
    $("board-today").textContent = "呼入 " + t.offered + "，接通 " + t.answered + "，放弃 " + t.abandoned +
      "，15 秒接通 " + t.answered_in_time + "（" + pct(t.in_time_rate) + "），接通率 " + pct(t.answer_rate) +
      (t.offered ? (ok ? "（达标）" : "（未达 95%）") : "") + (b.link.up ? "" : " · PBX 未连接");
  }

  function agents(b) {
    var body = $("board-agents").querySelector("tbody"); body.textContent = "";
    b.agents.forEach(function (a) {
      var tr = document.createElement("tr"); tr.dataset.interface = a.interface; tr.dataset.state = a.state;
      cell(tr, a.name + "（" + a.interface + "）");
      cell(tr, a.state_label + (a.paused && a.pause_reason ? "（" + a.pause_reason + "）" : ""));
      cell(tr, "").dataset.since = a.since;
      cell(tr, a.linked_id || "—"); cell(tr, a.calls_today); body.appendChild(tr);
    });
  }

  function spyButton(td, channel, mode, label) {
    var b = document.createElement("button"); b.type = "button"; b.textContent = label; b.dataset.mode = mode;
    b.addEventListener("click", function () {
      window.hotlineApi("POST", "/telephony/spy", { channel: channel, mode: mode })
        .then(function () { $("board-message").textContent = "正在呼叫您的话机（" + label + "）"; })
        .catch(function (e) { $("board-message").textContent = e.message; });
    });
    td.appendChild(b);
  }

  function calls(b) {
    var body = $("board-calls").querySelector("tbody"); body.textContent = "";
    b.calls.forEach(function (c) {
      var tr = document.createElement("tr"); tr.dataset.linkedId = c.linked_id;
      cell(tr, c.caller_number); cell(tr, c.caller_name || "—");
      cell(tr, { queued: "排队中", ringing: "振铃", talking: "通话中", dialing: "外呼中", abandoned: "已放弃" }[c.state] || c.state);
      cell(tr, c.agent_name || (c.ringing.length ? "振铃：" + c.ringing.join("、") : "—"));
      cell(tr, "").dataset.since = c.answered_at || c.offered_at;
      var actions = cell(tr, "");
      if (canSpy && c.state === "talking" && c.agent_channel) {
        spyButton(actions, c.agent_channel, "listen", "监听"); spyButton(actions, c.agent_channel, "whisper", "耳语");
        spyButton(actions, c.agent_channel, "barge", "强插");
      }
      body.appendChild(tr);
    });
  }

  function render(b) { last = b; queues(b); today(b); agents(b); calls(b); tick(); }

  function tick() {
    document.querySelectorAll("#board [data-since]").forEach(function (td) { td.textContent = window.fmtSeconds(since(td.dataset.since)); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    canSpy = $("board").dataset.canSpy === "true";
    var socket = new window.HotlineSocket(function (m) { if (m.type === "board") render(m.board); },
      function (s) { s.send({ type: "subscribe", topic: "board" }); }, $("socket-state"));
    window.hotlineBoard = socket;
    setInterval(tick, 1000);
  });
})();
