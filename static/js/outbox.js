/* The outbox (issue 20): saves made without a connection, kept in this phone's IndexedDB until the
   server has confirmed them. Used by the pages (offline.js) and by the service worker (sw.js, for
   Background Sync where the browser has it). An item is removed only after the server answered
   "applied" or "already" for its key; a refused or conflicting item stays, with the server's
   reason or version, until the person decides on the outbox page. */
(function (scope) {
  "use strict";
  var NAME = "edt-offline";
  var VERSION = 1;
  var sending = null;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = scope.indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("outbox")) {
          db.createObjectStore("outbox", { keyPath: "key" }).createIndex("user", "user");
        }
        if (!db.objectStoreNames.contains("meta")) {
          db.createObjectStore("meta", { keyPath: "name" });
        }
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var result;
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
        var request = work(tx.objectStore(store));
        if (request) {
          request.onsuccess = function () { result = request.result; };
        }
      });
    });
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    scope.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  var api = {
    newKey: newKey,
    all: function () { return run("outbox", "readonly", function (s) { return s.getAll(); }); },
    forUser: function (user) {
      return api.all().then(function (items) {
        return items.filter(function (i) { return String(i.user) === String(user); })
          .sort(function (a, b) { return a.created - b.created; });
      });
    },
    put: function (item) { return run("outbox", "readwrite", function (s) { return s.put(item); }); },
    remove: function (key) { return run("outbox", "readwrite", function (s) { return s["delete"](key); }); },
    /* Queue a save. A waiting save of the same form (same kind and target) is replaced: the page
       showed its values, so the new one holds them all. */
    add: function (item) {
      item.key = item.key || newKey();
      item.created = item.created || Date.now();
      item.status = "waiting";
      var same = JSON.stringify([item.kind, item.target]);
      return api.forUser(item.user).then(function (items) {
        var old = items.filter(function (i) {
          return i.status === "waiting" && item.kind !== "canvas_note" && JSON.stringify([i.kind, i.target]) === same;
        });
        return Promise.all(old.map(function (i) { return api.remove(i.key); }));
      }).then(function () { return api.put(item); }).then(function () { return item; });
    },
    meta: function (name) {
      return run("meta", "readonly", function (s) { return s.get(name); }).then(function (row) {
        return row ? row.value : undefined;
      });
    },
    setMeta: function (name, value) {
      return run("meta", "readwrite", function (s) { return s.put({ name: name, value: value }); });
    },
    /* Send the user's waiting saves. `fetchToken` (pages only) asks the server for a device
       credential when there is none or it was revoked. Resolves to a summary. */
    send: function (user, fetchToken) {
      if (sending) {
        return sending;
      }
      sending = api._send(user, fetchToken).then(function (summary) {
        sending = null;
        return summary;
      }, function (error) {
        sending = null;
        throw error;
      });
      return sending;
    },
    _send: function (user, fetchToken) {
      var summary = { applied: 0, already: 0, refused: 0, conflict: 0, offline: false, relogin: false };
      return api.forUser(user).then(function (items) {
        var waiting = items.filter(function (i) { return i.status === "waiting"; });
        if (!waiting.length) {
          return summary;
        }
        var body = JSON.stringify({ items: waiting.map(function (i) {
          return { key: i.key, kind: i.kind, target: i.target, base: i.base, fields: i.fields };
        }) });
        function post(token) {
          return scope.fetch("/sync/", { method: "POST", credentials: "same-origin", cache: "no-store",
            headers: { "Content-Type": "application/json", "X-EDT-Sync": token || "" }, body: body });
        }
        function withToken(retry) {
          return api.meta("token").then(function (stored) {
            if (stored && String(stored.user) === String(user)) {
              return stored.token;
            }
            return fetchToken ? fetchToken() : null;
          }).then(function (token) {
            if (!token) {
              summary.relogin = true;
              return null;
            }
            return post(token).then(function (response) {
              if (response.status === 401 && retry && fetchToken) {
                return api.setMeta("token", null).then(function () { return withToken(false); });
              }
              if (response.status === 401) {
                summary.relogin = true;
                return api.setMeta("token", null).then(function () { return null; });
              }
              if (!response.ok) {
                summary.offline = true;  // the server could not take them now: they stay
                return null;
              }
              return response.json();
            });
          });
        }
        return withToken(true).then(function (answer) {
          if (!answer || !answer.results) {
            return summary;
          }
          var byKey = {};
          waiting.forEach(function (i) { byKey[i.key] = i; });
          return Promise.all(answer.results.map(function (result) {
            var item = byKey[result.key];
            if (!item) {
              return null;
            }
            summary[result.status] = (summary[result.status] || 0) + 1;
            if (result.status === "applied" || result.status === "already") {
              return api.remove(item.key);  // confirmed by the server: only now off the phone
            }
            item.status = result.status;
            item.reason = result.reason || "";
            item.server = result.server || null;
            return api.put(item);
          })).then(function () { return summary; });
        }, function () {
          summary.offline = true;  // no answer at all: nothing is removed
          return summary;
        });
      });
    },
    /* Logout: nothing offline survives it. */
    wipe: function () {
      var steps = [];
      if (scope.caches) {
        steps.push(scope.caches.keys().then(function (names) {
          return Promise.all(names.filter(function (n) { return n.indexOf("edt-") === 0; })
            .map(function (n) { return scope.caches["delete"](n); }));
        }));
      }
      steps.push(new Promise(function (resolve) {
        var request = scope.indexedDB.deleteDatabase(NAME);
        request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
      }));
      return Promise.all(steps);
    }
  };
  scope.EDTOutbox = api;
})(self);
