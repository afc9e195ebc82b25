// The browser's queue of field submissions that could not reach the server (IndexedDB, so photos fit).
// Shared by the page script and the service worker. An entry is dropped only when the server said it
// kept the submission; a refused one stays, with the server's reason, until the user discards it.
(function (scope) {
  "use strict";
  var DB = "hyx-offline", STORE = "submissions";
  function open() {
    return new Promise(function (resolve, reject) {
      var request = scope.indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode), result;
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
        var request = work(tx.objectStore(STORE));
        if (request) { request.onsuccess = function () { result = request.result; }; }
      });
    });
  }
  function entriesOf(formData) {
    var entries = [];
    formData.forEach(function (value, name) {
      if (name !== "_offline" && name !== "_offline_label" && name !== "_offline_draft") { entries.push([name, value]); }
    });
    return entries;
  }
  scope.HyxQueue = {
    add: function (url, formData, label, draft) {
      var item = { url: url, entries: entriesOf(formData), label: label || "", draft: draft || formData.get("_offline_draft") || "",
                   created: Date.now(), state: "waiting", message: "" };
      return run("readwrite", function (store) { return store.add(item); });
    },
    all: function () { return run("readonly", function (store) { return store.getAll(); }); },
    put: function (item) { return run("readwrite", function (store) { return store.put(item); }); },
    remove: function (id) { return run("readwrite", function (store) { return store.delete(id); }); },
    formData: function (item, csrfToken) {
      var data = new FormData();
      item.entries.forEach(function (pair) {
        if (pair[0] === "csrfmiddlewaretoken" && csrfToken) { return; }
        data.append(pair[0], pair[1]);
      });
      if (csrfToken) { data.append("csrfmiddlewaretoken", csrfToken); }
      return data;
    }
  };
})(typeof self !== "undefined" ? self : window);
