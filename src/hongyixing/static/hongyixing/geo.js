// Optional GPS for field feedback: fills the hidden latitude/longitude fields when the worker allows it.
// A separate file because the Content-Security-Policy forbids inline scripts.
(function () {
  var form = document.querySelector("form[data-geo]");
  if (!form || !navigator.geolocation) { return; }
  navigator.geolocation.getCurrentPosition(function (position) {
    form.querySelector("[name=latitude]").value = position.coords.latitude.toFixed(6);
    form.querySelector("[name=longitude]").value = position.coords.longitude.toFixed(6);
  }, function () { /* refused or unavailable: the feedback goes without GPS */ }, { timeout: 10000, maximumAge: 60000 });
})();
