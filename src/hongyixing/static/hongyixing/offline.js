// Field work without signal (the page half; see core/offline.py and /sw.js).
// - Registers the service worker that keeps the field pages for offline use.
// - A form marked data-offline that cannot reach the server is kept in this browser's queue
//   (offline-queue.js) and sent, each exactly once, when the network is back: the server recognises a
//   resend by the form's client id, and an entry is dropped only when the server says it kept it.
// - The top bar shows what is waiting or refused; nothing is ever dropped silently.
// Texts come from data-* attributes of #offline-status, written by the server in the user's language.
(function () {
  "use strict";
  var status = document.getElementById("offline-status");
  var panel = document.getElementById("offline-panel");
  var box = document.getElementById("offline-box");
  if (!status || !window.indexedDB || !window.HyxQueue) { return; }
  if ("serviceWorker" in navigator && status.getAttribute("data-sw")) {
    navigator.serviceWorker.register(status.getAttribute("data-sw"), { scope: "/" }).catch(function () { /* no offline pages then */ });
  }
  var USED = "hyx-offline-used-ids";
  var flushing = false;

  function text(name, count) { return (status.getAttribute("data-" + name) || "").replace("{n}", String(count)); }
  function csrfToken() {
    var holder = document.querySelector("[data-csrf]");
    return holder ? holder.getAttribute("data-csrf") : "";
  }
  function freshId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID().replace(/-/g, ""); }
    var hex = ""; for (var i = 0; i < 32; i++) { hex += Math.floor(Math.random() * 16).toString(16); } return hex;
  }
  function usedIds() { try { return JSON.parse(localStorage.getItem(USED) || "[]"); } catch (e) { return []; } }
  function remember(ids) {
    var all = usedIds().concat(ids).slice(-500);
    try { localStorage.setItem(USED, JSON.stringify(all)); } catch (e) { /* full: ids are still fresh below */ }
  }
  // A page shown from the offline copy carries the ids of an earlier submission: give it new ones,
  // or the server would take the next household's form for the one already queued.
  function refreshIds(form, force) {
    var used = usedIds();
    form.querySelectorAll("input[name=client_id], input[name=batch_id]").forEach(function (input) {
      if (force || used.indexOf(input.value) >= 0) { input.value = freshId(); }
    });
  }
  // Ids of submissions the service worker queued (the page could not see them go) count as used too.
  HyxQueue.all().then(function (items) {
    var queued = [];
    items.forEach(function (item) {
      item.entries.forEach(function (pair) { if (pair[0] === "client_id" || pair[0] === "batch_id") { queued.push(pair[1]); } });
    });
    remember(queued.filter(function (id) { return usedIds().indexOf(id) < 0; }));
    document.querySelectorAll("form[data-offline]").forEach(function (form) { refreshIds(form, false); });
  });

  function render() {
    return HyxQueue.all().then(function (items) {
      var waiting = items.filter(function (i) { return i.state !== "refused"; });
      var refused = items.filter(function (i) { return i.state === "refused"; });
      var parts = [];
      if (waiting.length) { parts.push(text(navigator.onLine ? "waiting" : "offline", waiting.length)); }
      if (refused.length) { parts.push(text("refused", refused.length)); }
      status.textContent = parts.join(" · ");
      if (box) { box.hidden = !parts.length; }
      status.setAttribute("data-count", String(waiting.length));
      if (!panel) { return; }
      panel.textContent = "";
      items.forEach(function (item) {
        var row = document.createElement("li");
        var when = new Date(item.created);
        row.textContent = (item.label || item.url) + " · " + when.toLocaleString() + " · " +
          (item.state === "refused" ? text("refused-one", 1) + (item.message ? "：" + item.message : "") : text("waiting-one", 1));
        if (item.state === "refused") {
          var drop = document.createElement("button");
          drop.type = "button"; drop.className = "link"; drop.textContent = text("discard", 1);
          drop.addEventListener("click", function () { HyxQueue.remove(item.id).then(render); });
          row.appendChild(drop);
        }
        panel.appendChild(row);
      });
    });
  }

  function forgetDraft(item) {
    if (item.draft) { try { localStorage.removeItem("hyx-draft:" + item.draft); } catch (e) { /* ignore */ } }
  }

  function send(item) {
    return fetch(item.url, {
      method: "POST", body: HyxQueue.formData(item, csrfToken()), credentials: "same-origin",
      headers: { "X-Offline-Replay": "1", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      if (!response.ok) { return "retry"; }
      return response.json().then(function (verdict) {
        if (verdict.outcome === "saved") { forgetDraft(item); return HyxQueue.remove(item.id).then(function () { return "saved"; }); }
        if (verdict.outcome === "refused") {
          item.state = "refused"; item.message = verdict.message || "";
          return HyxQueue.put(item).then(function () { return "refused"; });
        }
        return verdict.outcome || "retry";  // "login": wait until the user signs in again
      });
    }, function () { return "offline"; });
  }

  function flush() {
    if (flushing || !navigator.onLine) { return render(); }
    flushing = true;
    return HyxQueue.all().then(function (items) {
      var chain = Promise.resolve();
      items.filter(function (i) { return i.state !== "refused"; }).forEach(function (item) {
        chain = chain.then(function (previous) { return previous === "offline" ? previous : send(item); });
      });
      return chain;
    }).catch(function () { /* try again later */ }).then(function () {
      flushing = false;
      return render().then(function () { status.setAttribute("data-flushed", String(Date.now())); });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-offline]") || navigator.onLine) { return; }
    // No network: keep it here instead of letting the browser show an error page.
    event.preventDefault();
    var data = new FormData(form);
    var ids = [];
    form.querySelectorAll("input[name=client_id], input[name=batch_id]").forEach(function (i) { ids.push(i.value); });
    HyxQueue.add(form.action, data, form.getAttribute("data-offline"), form.getAttribute("data-draft") || "").then(function () {
      remember(ids);
      refreshIds(form, true);
      form.reset();
      refreshIds(form, true);
      var note = document.getElementById("offline-saved");
      if (note) { note.hidden = false; }
      return render();
    });
  });
  window.addEventListener("online", flush);
  window.addEventListener("offline", render);
  window.setInterval(flush, 15000);
  flush();
})();
(function () {
  // Signing out forgets the pages kept for offline use on this device.
  var out = document.querySelector("form[data-signout]");
  if (!out || !("serviceWorker" in navigator)) { return; }
  out.addEventListener("submit", function () {
    if (navigator.serviceWorker.controller) { navigator.serviceWorker.controller.postMessage("forget-pages"); }
  });
})();
