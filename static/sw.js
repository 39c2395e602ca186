/* EDT's service worker (issue 20), served as /sw.js so it may answer for every page.

   It keeps nothing by itself: the pages a device may keep are named by the server (/sync/pages)
   and stored by offline.js in the cache "edt-pages"; the static files in "edt-static". Every page
   of EDT is sent with Cache-Control: no-store, and stays so: the browser's own cache never keeps
   one; only the named pages are kept here, on purpose, and they are deleted at logout.

   Pages: the network first. When it answers, a kept page is refreshed with the new copy (never
   with a redirect, such as the login page after a session ended); when it does not, the kept
   copy is shown, or the offline page. Nothing else is ever stored. */
"use strict";
importScripts("/static/js/offline.js");  // the outbox (the page part does nothing here)

var PAGES = "edt-pages";
var STATIC = "edt-static";
var OFFLINE = "/sync/offline";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function kept(request) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (hit) {
      if (hit) {
        return hit;
      }
      var url = new URL(request.url);
      if (url.search && /^\/attendance\/days\/\d+$/.test(url.pathname)) {
        return cache.match(url.origin + url.pathname);  // "?all=present": the page itself, marked by edt.js
      }
      return undefined;
    });
  });
}

function page(request) {
  return fetch(request).then(function (response) {
    // a kept page opened with a connection is kept fresh; fetches made by offline.js's keeping
    // store their own copy (and one from a page that has gone must not overwrite a newer one)
    if (request.mode === "navigate" && response.ok && !response.redirected && response.type === "basic") {
      caches.open(PAGES).then(function (cache) {
        return cache.match(request).then(function (old) {
          if (old) {
            return cache.put(request, response.clone());  // only a page already named
          }
          return undefined;
        });
      });
    }
    return response.clone();
  }, function () {
    return kept(request).then(function (hit) {
      if (hit) {
        return hit;
      }
      return caches.open(STATIC).then(function (cache) { return cache.match(OFFLINE); }).then(function (off) {
        return off || Response.error();
      });
    });
  });
}

function asset(request) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || fetch(request);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname === "/sync/"
      || url.pathname === "/sync/device" || url.pathname === "/sync/pages" || url.pathname === "/sw.js") {
    return;  // saves, the sync endpoint and other sites: straight to the network
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(asset(request));
  } else {
    event.respondWith(page(request));
  }
});

/* Background Sync, where the browser has it: send what waits. Never relied on: the pages send
   on load, when the connection returns, and with "Send now". */
self.addEventListener("sync", function (event) {
  if (event.tag !== "edt-outbox") {
    return;
  }
  event.waitUntil(self.EDTOutbox.meta("token").then(function (stored) {
    return stored && stored.user ? self.EDTOutbox.send(stored.user) : null;
  }).then(function () {
    return self.clients.matchAll().then(function (clients) {
      clients.forEach(function (client) { client.postMessage({ type: "edt-sent" }); });
    });
  }));
});
