// Field forms on bad networks. A separate file because the Content-Security-Policy forbids inline script.
// - Drafts survive a reload: every change is kept in localStorage until the form is sent.
// - The submission id is kept with the draft, so a resend after a lost answer is recognised by the
//   server as the same submission and never creates a duplicate.
// - A page that confirms a saved submission names its draft as done; that draft is forgotten before
//   any draft is restored, so the form keeps the fresh submission id the server rendered.
// - The record's version is the server's, never restored from a draft.
// - Optional GPS fills the hidden latitude/longitude fields when the worker allows it.
(function () {
  // Pages that confirm a saved submission name the drafts to forget.
  var done = document.querySelectorAll("[data-draft-done]");
  done.forEach(function (node) {
    try { window.localStorage.removeItem("hyx-draft:" + node.getAttribute("data-draft-done")); } catch (error) { /* ignore */ }
  });
})();
(function () {
  var form = document.querySelector("form[data-draft]");
  if (!form) { return; }
  var key = "hyx-draft:" + form.getAttribute("data-draft");
  var fields = form.querySelectorAll("input:not([type=file]):not([name=csrfmiddlewaretoken]):not([name=version]), select, textarea");
  try {
    var saved = JSON.parse(window.localStorage.getItem(key) || "null");
    if (saved) {
      fields.forEach(function (field) {
        if (Object.prototype.hasOwnProperty.call(saved, field.name)) { field.value = saved[field.name]; }
      });
    }
  } catch (error) { /* storage unavailable or corrupt: start empty */ }
  function keep() {
    var values = {};
    fields.forEach(function (field) { values[field.name] = field.value; });
    try { window.localStorage.setItem(key, JSON.stringify(values)); } catch (error) { /* full or private mode */ }
  }
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
  // The draft is dropped only once the server answered (the next page clears drafts it confirms).
  if (navigator.geolocation && form.querySelector("[name=latitude]")) {
    navigator.geolocation.getCurrentPosition(function (position) {
      form.querySelector("[name=latitude]").value = position.coords.latitude.toFixed(6);
      form.querySelector("[name=longitude]").value = position.coords.longitude.toFixed(6);
      keep();
    }, function () { /* refused or unavailable: the feedback goes without GPS */ }, { timeout: 10000, maximumAge: 60000 });
  }
})();
