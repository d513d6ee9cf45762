// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function csrf() {
    var el = document.querySelector('input[name="_csrf"]');
    return el ? el.value : "";
  }

  function setupTabs(root) {
    var buttons = root.querySelectorAll("[data-tab]");
    if (!buttons.length) return;
    function show(name) {
      buttons.forEach(function (b) { b.classList.toggle("active", b.dataset.tab === name); });
      root.querySelectorAll(".tab-panel").forEach(function (p) { p.hidden = p.id !== "tab-" + name; });
    }
    buttons.forEach(function (b) {
      b.addEventListener("click", function (e) { e.preventDefault(); show(b.dataset.tab); history.replaceState(null, "", "#" + b.dataset.tab); });
    });
    var wanted = location.hash.replace("#", "");
    show(root.querySelector('[data-tab="' + wanted + '"]') ? wanted : buttons[0].dataset.tab);
  }

  function setupCheckAll() {
    document.querySelectorAll("input[data-check-all]").forEach(function (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll('input[name="' + all.dataset.checkAll + '"]').forEach(function (c) { c.checked = all.checked; });
      });
    });
  }

  function setupConfirm() {
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) { if (!window.confirm(f.dataset.confirm)) e.preventDefault(); });
    });
  }

  function setupAdvanced() {
    var toggle = document.getElementById("more-conditions");
    if (!toggle) return;
    function apply() { document.querySelectorAll(".advanced").forEach(function (el) { el.hidden = !toggle.checked; }); }
    toggle.addEventListener("change", apply);
    apply();
  }

  function setupPrint() {
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function (e) { e.preventDefault(); window.print(); });
    });
  }

  function setupUpload() {
    document.querySelectorAll("form[data-upload]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        e.preventDefault();
        var msg = f.querySelector(".upload-message");
        fetch(f.dataset.upload, { method: "POST", body: new FormData(f), headers: { "X-CSRF-Token": csrf() }, credentials: "same-origin" })
          .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
          .then(function (res) {
            if (res.ok) { location.hash = "attachments"; location.reload(); }
            else if (msg) { msg.textContent = res.body.error ? res.body.error.message : "上传失败"; }
          })
          .catch(function () { if (msg) msg.textContent = "上传失败，请检查网络"; });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-tabs]").forEach(setupTabs);
    setupCheckAll(); setupConfirm(); setupAdvanced(); setupPrint(); setupUpload();
  });
})();
