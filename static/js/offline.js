/* The outbox (issue 20): saves made without a connection, kept in this phone's IndexedDB until the
   server has confirmed them. Used by the pages (below) and by the service worker (sw.js, for
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

/* Working without a connection (issue 20). Without JavaScript, or in a browser without service
   workers or IndexedDB, none of this runs and every page works as before.

   - Registers the service worker (/sw.js) and keeps the pages the server names (/sync/pages):
     with "Prepare for offline" on the home page, and by itself when a day page or a
     participant's page is opened with a connection.
   - Offline, a save (attendance, a follow-up visit, a business plan note) goes into the outbox
     on this phone; the status area says so, and how many wait. It never says "saved" for the
     server before the server has answered.
   - Sends what waits when the page loads, when the connection returns, and with "Send now".
   - Logout: sends first; warns when something could not be sent; then deletes every kept page
     and the outbox before the logout goes ahead. */
(function () {
  "use strict";
  if (typeof document === "undefined") {
    return;  // in the service worker (sw.js imports this file for the outbox above)
  }
  var body = document.body;
  var user = body && body.getAttribute("data-user");
  var box = document.getElementById("offline-status");
  var outbox = window.EDTOutbox;
  if (!user || !box || !outbox || !("serviceWorker" in navigator) || !window.indexedDB || !window.caches) {
    return;
  }
  var staff = body.getAttribute("data-staff") === "1";
  var csrf = (document.querySelector("meta[name=edt-csrf]") || {}).content || "";
  var PREPARE_EVERY = 10 * 60 * 1000;

  var bangla = document.documentElement.lang === "bn";

  function digits(n) {  // Bengali digits on a Bangla page, as edt/formats.py writes them
    return bangla ? String(n).replace(/[0-9]/g, function (d) { return "০১২৩৪৫৬৭৮৯"[d]; }) : String(n);
  }

  function t(name, n) {
    return (box.getAttribute("data-t-" + name) || "").replace("{n}", n === undefined ? "" : digits(n));
  }

  function say(text, showLink) {
    box.hidden = !text && box.querySelector("[data-prepare]").hidden;
    box.querySelector("[data-offline-text]").textContent = text || "";
    box.querySelector("[data-offline-link]").hidden = !showLink;
  }

  function fetchToken() {
    return fetch("/sync/device", { method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "X-CSRFToken": csrf } }).then(function (response) {
      if (!response.ok) {
        return null;
      }
      return response.json().then(function (data) {
        return outbox.setMeta("token", { user: user, token: data.token }).then(function () { return data.token; });
      });
    }, function () { return null; });
  }

  /* --- what the status area says --------------------------------------------------------- */
  var lastSummary = null;

  function refresh() {
    return outbox.all().then(function (items) {
      var mine = items.filter(function (i) { return String(i.user) === user; });
      var others = items.length - mine.length;
      var count = function (status) { return mine.filter(function (i) { return i.status === status; }).length; };
      var waiting = count("waiting"), conflicts = count("conflict"), refused = count("refused");
      var lines = [];
      if (!navigator.onLine) {
        lines.push(waiting ? t("no-connection") + "." : t("offline"));
      }
      if (waiting) {
        lines.push(t("waiting", waiting));
      }
      if (conflicts) {
        lines.push(t("conflicts", conflicts));
      }
      if (refused) {
        lines.push(t("refused", refused));
      }
      if (lastSummary && lastSummary.relogin && waiting) {
        lines.push(t("relogin"));
      }
      if (others) {
        lines.push(t("other", others));
      }
      if (!lines.length && lastSummary && (lastSummary.applied || lastSummary.already)) {
        lines.push(t("sent"));
      }
      body.setAttribute("data-outbox-waiting", String(waiting));
      body.setAttribute("data-outbox-conflicts", String(conflicts));
      box.querySelector("[data-send-now]").hidden = !waiting;
      document.querySelectorAll("main [data-send-now]").forEach(function (b) { b.disabled = !waiting; });
      say(lines.join(" "), waiting || conflicts || refused);
      document.dispatchEvent(new CustomEvent("edt-outbox-changed"));
      return { waiting: waiting, conflicts: conflicts, refused: refused };
    });
  }

  function sendNow() {
    if (!navigator.onLine) {
      return refresh();
    }
    body.setAttribute("data-outbox-sending", "1");
    return outbox.forUser(user).then(function (items) {
      if (items.some(function (i) { return i.status === "waiting"; })) {
        say(t("sending"));
      }
      return outbox.send(user, fetchToken);
    }).then(function (summary) {
      lastSummary = summary;
      body.removeAttribute("data-outbox-sending");
      return refresh();
    }, function () {
      body.removeAttribute("data-outbox-sending");
      return refresh();
    });
  }

  /* --- keeping the named pages ------------------------------------------------------------ */
  /* Staff: ask the browser not to evict what is kept (a day's marks). Asked on a person's own
     action (the button, a save kept on the phone), as Firefox may show a question. */
  function persist() {
    if (staff && navigator.storage && navigator.storage.persist) {
      navigator.storage.persist()["catch"](function () { return false; });
    }
  }

  function prepare(force) {
    if (!navigator.onLine) {
      return Promise.resolve();
    }
    return outbox.meta("prepared").then(function (last) {
      var lang = document.documentElement.lang;
      if (!force && last && String(last.user) === user && last.lang === lang && Date.now() - last.at < PREPARE_EVERY) {
        return null;
      }
      if (force) {
        say(t("preparing"));
      }
      return fetch("/sync/pages", { credentials: "same-origin", cache: "no-store" }).then(function (response) {
        if (!response.ok) {
          throw new Error("pages");
        }
        return response.json();
      }).then(function (list) {
        return Promise.all([keep("edt-pages", list.pages), keep("edt-static", list.assets)]).then(function (sizes) {
          var info = { user: user, at: Date.now(), pages: list.pages.length, bytes: sizes[0] + sizes[1],
                       lang: document.documentElement.lang };
          body.setAttribute("data-offline-bytes", String(info.bytes));
          body.setAttribute("data-offline-pages", String(info.pages));
          return outbox.setMeta("prepared", info).then(function () {
            if (force) {
              say(t("prepared", info.pages));
            }
            return info;
          });
        });
      });
    }).catch(function () {
      if (force) {
        say(t("prepare-failed"));
      }
    });
  }

  /* Store exactly these URLs in `name`; anything else kept there before is deleted. */
  function keep(name, urls) {
    return caches.open(name).then(function (cache) {
      return cache.keys().then(function (old) {
        var wanted = {};
        urls.forEach(function (u) { wanted[new URL(u, location.href).href] = true; });
        return Promise.all(old.filter(function (r) { return !wanted[r.url]; }).map(function (r) {
          return cache["delete"](r);
        }));
      }).then(function () {
        // one page after the other: gentle on a slow connection and on the server
        return urls.reduce(function (total, url) {
          return total.then(function (sum) {
            return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
              if (!response.ok || response.redirected) {
                return sum;
              }
              return response.clone().blob().then(function (blob) {
                return cache.put(url, response).then(function () { return sum + blob.size; });
              });
            }, function () { return sum; });
          });
        }, Promise.resolve(0));
      });
    });
  }

  /* A different account used this phone last (its session ended without a logout): its kept
     pages go; its waiting saves stay for it (they are not shown, and are sent when it is back). */
  function checkOwner() {
    return outbox.meta("owner").then(function (owner) {
      if (owner === user) {
        return null;
      }
      return Promise.all([caches["delete"]("edt-pages"), outbox.setMeta("prepared", null),
                          outbox.setMeta("token", null)]).then(function () {
        return outbox.setMeta("owner", user);
      });
    });
  }

  /* --- saving into the outbox -------------------------------------------------------------- */
  function fieldsOf(form) {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (name === "csrf_token" || typeof value !== "string") {
        return;
      }
      if (fields[name] === undefined) {
        fields[name] = value;
      } else {
        fields[name] = [].concat(fields[name], value);
      }
    });
    return fields;
  }

  function itemOf(form) {
    var kind = form.getAttribute("data-sync-kind");
    var target = JSON.parse(form.getAttribute("data-sync-target") || "{}");
    var fields = fieldsOf(form);
    var base = null;
    if (kind === "canvas_note") {
      base = parseInt(fields.base, 10);
      fields = { text: fields.text || "" };
      if (!fields.text.trim()) {
        return null;
      }
    } else if (kind === "followup") {
      base = form.getAttribute("data-sync-version") || "";
    }
    return { user: user, kind: kind, target: target, base: base, fields: fields, page: location.pathname,
             title: document.title };
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || navigator.onLine || (form.method || "").toLowerCase() !== "post"
        || form.classList.contains("logout")) {
      return;
    }
    event.preventDefault();
    if (!form.hasAttribute("data-sync-kind")) {
      say(t("offline") + " " + t("not-kept"));
      return;
    }
    var item = itemOf(form);
    if (!item) {
      return;
    }
    persist();
    outbox.add(item).then(function () {
      if (item.kind === "canvas_note") {
        var input = form.querySelector("[name=text]");
        if (input) {
          input.value = "";
        }
        showPending(form, item);
      }
      return navigator.serviceWorker.ready.then(function (registration) {
        return registration.sync ? registration.sync.register("edt-outbox") : null;
      })["catch"](function () { return null; });
    }).then(refresh).then(function () {
      box.scrollIntoView({ block: "start" });  // as a saved page opens at its message
    });
  });

  /* A note waiting on the phone is shown where it will go, marked as not sent yet. */
  function showPending(form, item) {
    var note = document.createElement("p");
    note.className = "pending-note";
    note.setAttribute("data-pending", item.key);
    note.appendChild(document.createTextNode(item.fields.text + " "));
    var small = document.createElement("small");
    small.textContent = "(" + t("pending") + ")";
    note.appendChild(small);
    form.parentNode.insertBefore(note, form);
  }

  /* A kept attendance page opened again offline shows the marks waiting on the phone. */
  function restoreForms() {
    var forms = document.querySelectorAll("form[data-sync-kind=attendance], form[data-sync-kind=followup]");
    var notes = document.querySelectorAll("form[data-sync-kind=canvas_note]");
    return outbox.forUser(user).then(function (items) {
      notes.forEach(function (form) {
        var same = form.getAttribute("data-sync-target");
        items.filter(function (i) {
          return i.kind === "canvas_note" && i.status !== "refused" && JSON.stringify(i.target) === JSON.stringify(JSON.parse(same));
        }).forEach(function (i) { showPending(form, i); });
      });
      forms.forEach(function (form) {
        var same = JSON.stringify([form.getAttribute("data-sync-kind"), JSON.parse(form.getAttribute("data-sync-target"))]);
        var item = items.filter(function (i) {
          return i.status !== "refused" && JSON.stringify([i.kind, i.target]) === same;
        }).pop();
        if (!item) {
          return;
        }
        Object.keys(item.fields).forEach(function (name) {
          var values = [].concat(item.fields[name]);
          var inputs = form.querySelectorAll("[name='" + name + "']");
          inputs.forEach(function (input) {
            if (input.type === "radio" || input.type === "checkbox") {
              input.checked = values.indexOf(input.value) !== -1;
            } else if (input.type !== "hidden" || /^pf-/.test(name)) {
              input.value = values[0];
            }
          });
        });
        form.setAttribute("data-outbox-restored", item.key);
      });
    });
  }

  /* --- logout: send first, warn, then leave nothing behind --------------------------------- */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("logout") || form.getAttribute("data-wiped")) {
      return;
    }
    event.preventDefault();
    sendNow().then(function () {
      return outbox.forUser(user);
    }).then(function (items) {
      var unsent = items.length;
      if (unsent && !window.confirm(t("logout-unsent", unsent))) {
        return false;
      }
      return outbox.wipe().then(function () {
        return navigator.serviceWorker.getRegistrations().then(function (registrations) {
          return Promise.all(registrations.map(function (r) { return r.unregister(); }));
        });
      }).then(function () { return true; }, function () { return true; });
    }).then(function (go) {
      if (go) {
        form.setAttribute("data-wiped", "1");
        form.submit();
      }
    });
  });

  /* --- the outbox page: what waits, what was refused, and conflicts to decide --------------- */
  var list = document.querySelector("[data-outbox]");

  function word(name) {
    return list.getAttribute("data-t-" + name) || name;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function markWord(pair) {
    var status = pair && pair[0] ? word(pair[0]) : word("unmarked");
    return pair && pair[1] ? status + " (" + pair[1] + ")" : status;
  }

  function choose(item, rowId, mine) {
    if (item.kind === "attendance") {
      var row = item.server.rows.filter(function (r) { return r.enrolment_id === rowId; })[0];
      if (mine) {  // keep mine: it was edited from what is saved now
        item.fields["ws-" + rowId] = row.theirs[0];
        item.fields["wn-" + rowId] = row.theirs[1];
        item.fields["pf-" + rowId] = "";
      } else {     // keep theirs: this row is left as it is saved
        item.fields["s-" + rowId] = row.theirs[0];
        item.fields["n-" + rowId] = row.theirs[1];
        item.fields["ws-" + rowId] = row.theirs[0];
        item.fields["wn-" + rowId] = row.theirs[1];
      }
      item.server.rows = item.server.rows.filter(function (r) { return r.enrolment_id !== rowId; });
      if (item.server.rows.length) {
        return outbox.put(item);
      }
    } else if (!mine) {
      return outbox.remove(item.key);
    } else {
      item.base = item.kind === "canvas_note" ? item.server.revision : item.server.version;
    }
    item.status = "waiting";
    item.server = null;
    item.reason = "";
    return outbox.put(item);
  }

  function render() {
    if (!list) {
      return Promise.resolve();
    }
    return outbox.forUser(user).then(function (items) {
      list.textContent = "";
      if (!items.length) {
        list.appendChild(el("p", { id: "outbox-empty" }, word("empty")));
        return;
      }
      var ol = el("ol", { "class": "outbox-items" });
      items.forEach(function (item) {
        var li = el("li", { "class": "outbox-item outbox-" + item.status, "data-key": item.key,
                            "data-kind": item.kind });
        var head = el("p");
        head.appendChild(el("strong", {}, word(item.kind)));
        head.appendChild(document.createTextNode(" · " + (item.title || "") + " · " + word(item.status)));
        li.appendChild(head);
        if (item.reason) {
          li.appendChild(el("p", { "class": "error" }, item.reason));
        }
        if (item.status === "conflict" && item.server) {
          if (item.kind === "attendance") {
            item.server.rows.forEach(function (row) {
              var box2 = el("div", { "class": "conflict-row", "data-enrolment": String(row.enrolment_id) });
              box2.appendChild(el("p", {}, (row.name || "") + " " + (row.code || "")));
              box2.appendChild(el("p", { "class": "mine" }, word("mine") + ": " + markWord(row.mine)));
              box2.appendChild(el("p", { "class": "theirs" }, word("theirs") + ": " + markWord(row.theirs)
                + (row.by ? " · " + word("saved-by").replace("{who}", row.by) : "")));
              var keepMine = el("button", { type: "button", "class": "button primary", "data-keep": "mine" }, word("keep-mine"));
              var keepTheirs = el("button", { type: "button", "class": "button", "data-keep": "theirs" }, word("keep-theirs"));
              keepMine.addEventListener("click", function () { choose(item, row.enrolment_id, true).then(render).then(sendNow); });
              keepTheirs.addEventListener("click", function () { choose(item, row.enrolment_id, false).then(render).then(sendNow); });
              box2.appendChild(keepMine);
              box2.appendChild(keepTheirs);
              li.appendChild(box2);
            });
          } else {
            var mine = item.kind === "canvas_note" ? item.fields.text : (item.fields.status || "");
            var theirs = item.kind === "canvas_note" ? (item.server.items || []).join(" · ")
              : (item.server.status || "") + (item.server.by ? " · " + word("saved-by").replace("{who}", item.server.by) : "");
            li.appendChild(el("p", { "class": "mine" }, (item.kind === "canvas_note" ? word("your-note") : word("mine")) + ": " + mine));
            li.appendChild(el("p", { "class": "theirs" }, (item.kind === "canvas_note" ? word("notes-now") : word("theirs")) + ": " + theirs));
            var a = el("button", { type: "button", "class": "button primary", "data-keep": "mine" }, word("keep-mine"));
            var b = el("button", { type: "button", "class": "button", "data-keep": "theirs" }, word("keep-theirs"));
            a.addEventListener("click", function () { choose(item, null, true).then(render).then(sendNow); });
            b.addEventListener("click", function () { choose(item, null, false).then(render).then(sendNow); });
            li.appendChild(a);
            li.appendChild(b);
          }
        }
        if (item.status === "refused") {
          var drop = el("button", { type: "button", "class": "button", "data-discard": "1" }, word("discard"));
          drop.addEventListener("click", function () {
            if (window.confirm(word("discard-confirm"))) {
              outbox.remove(item.key).then(render).then(refresh);
            }
          });
          li.appendChild(drop);
        }
        ol.appendChild(li);
      });
      list.appendChild(ol);
    });
  }
  document.addEventListener("edt-outbox-changed", function () { render(); });

  /* --- start ------------------------------------------------------------------------------- */
  box.querySelector("[data-send-now]").addEventListener("click", sendNow);
  document.querySelectorAll("main [data-send-now]").forEach(function (b) { b.addEventListener("click", sendNow); });
  var prepareButton = box.querySelector("[data-prepare]");
  var path = location.pathname;
  if (path === "/") {
    prepareButton.hidden = false;
    box.hidden = false;
  }
  prepareButton.addEventListener("click", function () { persist(); prepare(true); });
  window.addEventListener("online", sendNow);
  window.addEventListener("offline", refresh);
  navigator.serviceWorker.addEventListener("message", function (event) {
    if (event.data && event.data.type === "edt-sent") {
      refresh();
    }
  });
  window.EDTOffline = { prepare: prepare, send: sendNow, refresh: refresh };

  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
    return checkOwner();
  }).then(restoreForms).then(function () {
    body.setAttribute("data-offline-ready", "1");
    var automatic = /^\/attendance\/days\/\d+$/.test(path) || (!staff && (path === "/" || /^\/canvas\//.test(path)));
    return outbox.meta("prepared").then(function (last) {
      // pages kept before in another language are kept again in this one (the language switch)
      var relang = last && String(last.user) === user && last.lang !== document.documentElement.lang;
      return Promise.all([sendNow(), automatic || relang ? prepare(false) : null]);
    });
  }).then(function () {
    body.setAttribute("data-offline-started", "1");
  })["catch"](function () {
    body.setAttribute("data-offline-ready", "0");
  });
})();
