// A long upload shows how far it is: forms marked data-upload-progress send through XHR and draw
// a progress bar from its upload events. Without XHR upload events (or on a network error before
// the server answered) the form is submitted the plain way, so nothing is lost.
(function () {
  "use strict";

  function percentText(form, loaded, total) {
    var label = form.getAttribute("data-upload-label") || "";
    var pct = total ? Math.round((loaded / total) * 100) : 0;
    return label + " " + pct + "%";
  }

  function showPage(xhr) {
    if (xhr.responseURL && xhr.responseURL !== window.location.href) {
      window.history.replaceState(null, "", xhr.responseURL);
    }
    document.open();
    document.write(xhr.responseText);
    document.close();
  }

  function attach(form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-uploading") === "plain") return;
      if (!window.FormData || !("upload" in new XMLHttpRequest())) return;
      event.preventDefault();
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      var note = document.createElement("p");
      note.className = "muted upload-status";
      note.setAttribute("role", "status");
      form.appendChild(bar);
      form.appendChild(note);
      var buttons = form.querySelectorAll("button, input[type=submit]");
      for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;

      var xhr = new XMLHttpRequest();
      xhr.open(form.method || "POST", form.action || window.location.href);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        bar.value = Math.round((e.loaded / e.total) * 100);
        note.textContent = percentText(form, e.loaded, e.total);
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value"); // indeterminate while the server reads the file
        note.textContent = form.getAttribute("data-upload-wait") || "";
      });
      xhr.addEventListener("load", function () { showPage(xhr); });
      xhr.addEventListener("error", function () {
        form.setAttribute("data-uploading", "plain");
        for (var j = 0; j < buttons.length; j++) buttons[j].disabled = false;
        form.submit();
      });
      xhr.send(new FormData(form));
    });
  }

  function start() {
    var forms = document.querySelectorAll("form[data-upload-progress]");
    for (var i = 0; i < forms.length; i++) attach(forms[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
