// The waiting page (대기열): polls the shopper's ticket and updates their place without a reload;
// when the ticket changes state (admitted, sold out, lapsed) the page reloads so the server
// renders what to do next. A shopper far back polls seldom: the next poll comes after about a
// quarter of the estimated wait (2 to 15 s), so a crowd of thousands in line does not poll the
// site as often as it can answer; without an estimate, polls back off (x1.5 up to 15 s) while
// nothing changes. Every delay carries jitter, so a crowd refreshing together does not arrive in
// waves. Without JavaScript a meta refresh in the page does the same job.
(function () {
  "use strict";
  var card = document.querySelector("[data-queue]");
  if (!card) return;
  var product = card.getAttribute("data-product");
  var ticket = card.getAttribute("data-ticket");
  var status = card.getAttribute("data-status");
  var delay = 2000;
  var first = null;

  function setText(selector, text) {
    var node = card.querySelector(selector);
    if (node && node.textContent !== text) node.textContent = text;
  }

  function show(data) {
    if (data.status !== status) {
      window.location.reload();
      return false;
    }
    if (data.status !== "WAITING") return "same";
    if (data.position !== null) {
      if (first === null) first = Number(sessionStorage.getItem("queue-first-" + ticket)) || data.position;
      sessionStorage.setItem("queue-first-" + ticket, String(first));
      var changed = card.querySelector("[data-queue-position]").textContent !== data.position.toLocaleString("ko-KR");
      setText("[data-queue-position]", data.position.toLocaleString("ko-KR"));
      setText("[data-queue-ahead]", (data.position - 1).toLocaleString("ko-KR"));
      setText("[data-queue-wait]", data.estimatedWaitSeconds === null ? "계산 중" : "약 " + data.estimatedWaitSeconds + "초");
      var bar = card.querySelector("[data-queue-progress]");
      if (bar) bar.value = first > 1 ? Math.round((100 * (first - data.position)) / (first - 1)) : 0;
      return changed ? "changed" : "same";
    }
    return "same";
  }

  function nextDelay(data, outcome) {
    if (data && data.estimatedWaitSeconds !== null && data.estimatedWaitSeconds !== undefined) {
      return Math.min(15000, Math.max(2000, data.estimatedWaitSeconds * 250));
    }
    return outcome === "changed" ? 2000 : Math.min(delay * 1.5, 15000);
  }

  function poll() {
    fetch("/api/products/" + product + "/queue/" + encodeURIComponent(ticket), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        var outcome = data ? show(data) : "same";
        if (outcome === false) return; // reloading
        delay = nextDelay(data, outcome);
        schedule();
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000);
        schedule();
      });
  }

  function schedule() {
    var jitter = delay * (0.7 + Math.random() * 0.6);
    window.setTimeout(poll, jitter);
  }

  var expires = card.querySelector("[data-queue-expires]");
  if (expires) {
    var target = Number(expires.getAttribute("data-target"));
    window.setInterval(function () {
      var s = Math.max(0, Math.ceil((target - Date.now()) / 1000));
      expires.textContent = Math.floor(s / 60) + "분 " + (s % 60) + "초";
      if (s === 0) window.location.reload();
    }, 1000);
  }
  if (status === "WAITING" || status === "ADMITTED") schedule();
})();
