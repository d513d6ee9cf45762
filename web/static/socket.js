// A websocket that reconnects by itself (with back-off) and tells the page when it is (re)connected.
(function () {
  "use strict";
  window.HotlineSocket = function (onMessage, onOpen, stateEl) {
    var delay = 500, ws = null, self = this;
    function setState(text) { if (stateEl) stateEl.textContent = text; }
    function connect() {
      var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
      ws = new WebSocket(url);
      ws.onopen = function () { delay = 500; setState("（实时连接正常）"); if (onOpen) onOpen(self); };
      ws.onmessage = function (e) { try { onMessage(JSON.parse(e.data)); } catch (err) { console.error(err); } };
      ws.onclose = function () {
        setState("（连接中断，正在重连…）");
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10000);
      };
    }
    this.send = function (obj) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(obj)); };
    this.close = function () { if (ws) ws.close(); };
    this.raw = function () { return ws; };
    connect();
  };

  window.hotlineApi = function (method, path, body) {
    var csrf = document.querySelector('input[name="_csrf"]');
    return fetch("/api/v1" + path, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf ? csrf.value : "" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (b) { if (!r.ok) throw (b.error || { message: "操作失败" }); return b; });
    });
  };

  window.fmtSeconds = function (s) {
    s = Math.max(0, Math.floor(s));
    var m = Math.floor(s / 60), r = s % 60;
    return (m < 10 ? "0" : "") + m + ":" + (r < 10 ? "0" : "") + r;
  };
})();
