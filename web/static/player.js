// Recording players (录音): waveform from precomputed peaks on a <canvas>, seeking, speed control.
// Also loads player panels into [data-recording-panel] slots and opens them under a list row for
// [data-recording-popup] links. No inline script: CSP is script-src 'self'. Safe to include twice.
(function () {
  "use strict";
  if (window.hotlineRecordings) return;
  window.hotlineRecordings = true;

  var PLAYED = "#0f4c97", REST = "#b8c8de", CURSOR = "#d93025";

  function fmt(seconds) {
    if (!isFinite(seconds) || seconds < 0) seconds = 0;
    var s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ":" : "") + (m < 10 ? "0" : "") + m + ":" + (r < 10 ? "0" : "") + r;
  }

  function duration(fig, audio) {
    var d = audio.duration;
    return isFinite(d) && d > 0 ? d : Number(fig.dataset.durationMs || 0) / 1000;
  }

  function draw(canvas, peaks, fraction) {
    var ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height, mid = h / 2;
    ctx.clearRect(0, 0, w, h);
    if (!peaks.length) return;
    var step = w / peaks.length, split = fraction * w;
    for (var i = 0; i < peaks.length; i++) {
      var x = i * step, half = Math.max(1, (peaks[i] / 255) * (mid - 2));
      ctx.fillStyle = x < split ? PLAYED : REST;
      ctx.fillRect(x, mid - half, Math.max(1, step - 0.5), half * 2);
    }
    ctx.fillStyle = CURSOR;
    ctx.fillRect(Math.min(w - 2, split), 0, 2, h);
  }

  function setup(fig) {
    if (fig.dataset.ready) return;
    fig.dataset.ready = "1";
    var audio = fig.querySelector("audio"), canvas = fig.querySelector("canvas.waveform");
    var toggle = fig.querySelector(".player-toggle"), time = fig.querySelector(".player-time");
    var speed = fig.querySelector("select.speed");
    var peaks = [], raw = canvas ? atob(canvas.dataset.peaks || "") : "";  // base64 of 0–255 values
    for (var i = 0; i < raw.length; i++) peaks.push(raw.charCodeAt(i));

    function update() {
      var total = duration(fig, audio), now = audio.currentTime || 0;
      if (canvas) {
        draw(canvas, peaks, total ? Math.min(1, now / total) : 0);
        canvas.setAttribute("aria-valuenow", String(Math.round(now)));
      }
      if (time) time.textContent = fmt(now) + " / " + fmt(total);
      if (toggle) toggle.textContent = audio.paused ? "播放" : "暂停";
      fig.dataset.state = audio.paused ? "paused" : "playing";
    }

    function seek(seconds) {
      var total = duration(fig, audio);
      audio.currentTime = Math.max(0, Math.min(total, seconds));
      fig.dataset.seekedTo = String(audio.currentTime);
      update();
    }

    if (toggle) {
      toggle.disabled = false;
      toggle.addEventListener("click", function () {
        if (audio.paused) {
          var p = audio.play();
          if (p && p.catch) p.catch(function (e) { fig.dataset.error = String(e && e.name || e); });
        } else audio.pause();
      });
    }
    if (speed) speed.addEventListener("change", function () { audio.playbackRate = Number(speed.value) || 1; });
    audio.addEventListener("ratechange", function () { fig.dataset.rate = String(audio.playbackRate); });
    if (canvas) {
      canvas.addEventListener("click", function (e) {
        var box = canvas.getBoundingClientRect();
        seek(((e.clientX - box.left) / box.width) * duration(fig, audio));
      });
      canvas.addEventListener("keydown", function (e) {
        if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
          e.preventDefault();
          seek((audio.currentTime || 0) + (e.key === "ArrowRight" ? 5 : -5));
        }
      });
    }
    ["timeupdate", "play", "pause", "seeked", "loadedmetadata", "durationchange", "ended"].forEach(function (ev) {
      audio.addEventListener(ev, update);
    });
    audio.addEventListener("error", function () { fig.dataset.error = "media"; if (time) time.textContent = "无法播放"; });
    update();
  }

  function setupAll(root) {
    root.querySelectorAll(".recording-player").forEach(setup);
  }

  function load(url, target, then) {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { target.innerHTML = html; setupAll(target); if (then) then(target); })
      .catch(function () { target.innerHTML = '<p class="muted">录音加载失败，请刷新后重试。</p>'; });
  }

  function popup(link) {
    var row = link.closest("tr");
    if (!row) { location.href = link.href; return; }
    var next = row.nextElementSibling;
    if (next && next.classList.contains("recording-row")) { next.remove(); return; }
    var tr = document.createElement("tr"), td = document.createElement("td");
    tr.className = "recording-row";
    td.colSpan = row.children.length;
    td.textContent = "正在加载录音…";
    tr.appendChild(td);
    row.parentNode.insertBefore(tr, row.nextSibling);
    load(link.dataset.recordingPopup, td, function (cell) {
      var first = cell.querySelector(".player-toggle");
      if (first) first.click();
    });
  }

  document.addEventListener("click", function (e) {
    var link = e.target.closest ? e.target.closest("[data-recording-popup]") : null;
    if (!link) return;
    e.preventDefault();
    popup(link);
  });

  document.addEventListener("DOMContentLoaded", function () {
    setupAll(document);
    document.querySelectorAll("[data-recording-panel]").forEach(function (slot) {
      load(slot.dataset.recordingPanel, slot);
    });
  });
})();
