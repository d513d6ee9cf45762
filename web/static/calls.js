// Click-to-call buttons (漏接回拨, 回访): the agent's phone rings first, then the citizen is dialled.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var msg = document.getElementById("call-message");
    document.querySelectorAll("[data-call]").forEach(function (b) {
      b.addEventListener("click", function () {
        var body = { number: b.dataset.call };
        if (b.dataset.caseId) body.case_id = parseInt(b.dataset.caseId, 10);
        b.disabled = true;
        window.hotlineApi("POST", "/telephony/call", body)
          .then(function () { if (msg) msg.textContent = "正在呼叫 " + b.dataset.call + "，请摘机"; })
          .catch(function (e) { if (msg) msg.textContent = e.message; })
          .finally(function () { setTimeout(function () { b.disabled = false; }, 3000); });
      });
    });
  });
})();
