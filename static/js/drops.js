// Timed drops (타임딜): countdowns to a drop's start or end, and its buy buttons enabled at the
// start (disabled at the end) without a reload. The server decides every order anyway; this only
// keeps the page honest. Times come from data attributes in epoch milliseconds; the page's
// data-server-now corrects for a client clock that is off.
(function () {
  "use strict";
  var clock = document.querySelector("[data-drops-clock]");
  var serverNow = clock ? Number(clock.getAttribute("data-server-now")) : NaN;
  var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();

  function now() {
    return Date.now() + offset;
  }

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function left(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    var days = Math.floor(s / 86400);
    var rest = two(Math.floor((s % 86400) / 3600)) + ":" + two(Math.floor((s % 3600) / 60)) + ":" + two(s % 60);
    return days > 0 ? days + "일 " + rest : rest;
  }

  function opened(countdown) {
    var card = countdown.closest("[data-drop]") || document;
    var badge = card.querySelector("[data-sale-badge]");
    if (badge) {
      badge.textContent = "타임딜 진행 중";
      badge.className = "badge badge-ok";
    }
  }

  function ended(countdown) {
    var card = countdown.closest("[data-drop]") || document;
    var badge = card.querySelector("[data-sale-badge]");
    if (badge) {
      badge.textContent = "판매 종료";
      badge.className = "badge badge-off";
    }
  }

  function tick() {
    var t = now();
    document.querySelectorAll("[data-enable-at]").forEach(function (button) {
      if (t >= Number(button.getAttribute("data-enable-at"))) {
        button.disabled = false;
        button.removeAttribute("data-enable-at");
      }
    });
    document.querySelectorAll("[data-disable-at]").forEach(function (button) {
      if (t >= Number(button.getAttribute("data-disable-at"))) {
        button.disabled = true;
        button.removeAttribute("data-disable-at");
      }
    });
    document.querySelectorAll("[data-countdown]").forEach(function (countdown) {
      var target = Number(countdown.getAttribute("data-target"));
      var kind = countdown.getAttribute("data-kind");
      var text = countdown.querySelector("[data-countdown-text]");
      if (t >= target) {
        countdown.removeAttribute("data-countdown");
        if (kind === "start") {
          text.textContent = "지금 오픈! 구매할 수 있습니다.";
          opened(countdown);
        } else {
          text.textContent = "판매가 끝났습니다.";
          ended(countdown);
        }
        return;
      }
      text.textContent = (kind === "start" ? "오픈까지 " : "종료까지 ") + left(target - t);
    });
  }

  tick();
  window.setInterval(tick, 250);
})();
