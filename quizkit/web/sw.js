// The course's service worker: what a learner has opened stays usable offline, and a new
// deploy replaces it whole. This file is a template: quizkit/mkdocs/offline.py writes it to
// the site's root as sw.js (its scope is the whole site), with BUILD filled in:
//   {version, files: {site path: sha256 of its bytes} of every file of the build but sw.js,
//    assets: the folder of the quiz widgets and offline.js, runtime: the Python runtime's,
//    runtime_name: the pattern of a runtime folder's name}.
//
// One cache per build, named after its version. A file goes into it only when its bytes have
// the hash this build lists, so a cache never holds a file of another build, whatever the
// server or the HTTP cache returns. Requests are answered from this build's cache, or from
// the network when the bytes are this build's. When they are not, the worker looks for a new
// sw.js at once: if there is one, the file (another build's) is never served to a page of this
// one (a navigation gets a page saying the course was updated, anything else a 503); if there
// is none, the host itself alters the file, which is then served as it is and not cached.
// The Python runtime's files are the exception: their folder is named after their bytes, so
// they are passed on from the network unchecked and verified when they are cached.
//
// Update: the new build's worker installs beside the old one and copies the learner's
// offline set (every page and file the old cache holds and the new build still has) into
// its own cache, reusing the old bytes when their hash is unchanged and downloading (and
// verifying) the rest. A learner who had the old build's Python saved gets this build's, in a
// folder of another name if the runtime changed (see carryOver). Any failure but a runtime
// file's fails the install and deletes its half-filled cache; the old build goes on serving (a
// runtime file that could not be had is left to "keep", below). Once installed it waits:
// offline.js tells the learner an update is ready, and only when they accept does it
// activate. Every tab of the site then reloads (offline.js, on controllerchange), and the old
// caches are deleted.
//
// Every install also caches the quiz assets (BUILD.assets): the widgets, and offline.js, which
// shows the next update's notice on any page of this build.
//
// Messages from pages: {type: "keep", urls, runtime} caches those URLs (what a page loaded,
// also before this worker controlled it) and, with runtime, every file of the Python runtime
// (sent once Python has started); {type: "activate"} (to a waiting worker) is the learner
// accepting the update.

const BUILD = "__QUIZKIT_BUILD__";
if (typeof BUILD !== "object") {
  throw new Error("sw.js is a template: quizkit/mkdocs/offline.py writes the site's sw.js from it");
}

const PREFIX = "quizkit-offline-";
const CACHE = PREFIX + BUILD.version;
const SCOPE = new URL(self.registration.scope);

// -- which file of the build a URL is --------------------------------------------------------

/** {path, key} of a same-origin URL in scope: its site path ("a/b/index.html" for "a/b/")
 * and the URL it is cached under, the same for every spelling of the path (the engine wheel's
 * "+" as "+" or as "%2B"); null for any other URL. */
function siteFile(url) {
  const parsed = new URL(url, SCOPE);
  if (parsed.origin !== SCOPE.origin || !parsed.pathname.startsWith(SCOPE.pathname)) return null;
  let pathname = parsed.pathname;
  if (pathname.endsWith("/")) pathname += "index.html";
  let path;
  try {
    path = decodeURIComponent(pathname.slice(SCOPE.pathname.length));
  } catch {
    return null;
  }
  return { path, key: urlOf(path) };
}

/** The URL of the site path `path`: only what would end or escape the path is percent-encoded,
 * the rest as the URL parser leaves it ("+" stays "+", as worker.js fetches the engine wheel,
 * so keep() finds that in the HTTP cache). */
const urlOf = (path) => new URL(path.replace(/[%#?\\]/g, encodeURIComponent), SCOPE).href;

const inBuild = (file) => file !== null && Object.hasOwn(BUILD.files, file.path);
const inRuntime = (file) => BUILD.runtime !== null && file.path.startsWith(BUILD.runtime);

/** Every file of this build in the site folder `dir` ("a/b/"), as siteFile gives it. */
function filesUnder(dir) {
  return Object.keys(BUILD.files)
    .filter((path) => path.startsWith(dir))
    .map((path) => siteFile(urlOf(path)));
}

async function sha256(buffer) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** A response holding `body`, with the headers that still describe it (the body is decoded:
 * a Content-Encoding or Content-Length of the network's would be wrong). */
function rebuilt(body, response) {
  const headers = new Headers(response.headers);
  headers.delete("Content-Encoding");
  headers.delete("Content-Length");
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/** The file's bytes from `response` as {response, verified}: verified when they are the
 * bytes this build lists for it. The response returned can be used (and cached) again. */
async function verify(file, response) {
  const body = await response.arrayBuffer();
  const verified = (await sha256(body)) === BUILD.files[file.path];
  return { response: rebuilt(body, response), verified };
}

/** Download `file` and verify it: the verified response, or null (with the reason). */
async function download(file) {
  // "no-cache" revalidates with the server: an HTTP cache entry of an older build is not
  // mistaken for a file of this one.
  const response = await fetch(file.key, { cache: "no-cache", credentials: "same-origin" });
  if (!response.ok) return { response, verified: false };
  return verify(file, response);
}

// -- install: copy the learner's offline set into this build's cache --------------------------

async function oldCaches() {
  return (await caches.keys()).filter((name) => name.startsWith(PREFIX) && name !== CACHE);
}

// The runtime folders of this build and of older ones: named as quizkit/mkdocs/runtime.py names
// them (BUILD.runtime_name), or "pyodide/" before they were named after their bytes.
const RUNTIME_FOLDER_PATTERN = new RegExp(`^(?:${BUILD.runtime_name}|pyodide)/`);

async function carryOver(cache) {
  const wanted = new Map(); // key -> {file, old response}
  const oldRuntime = new Map(); // a file's name in an old build's runtime folder -> its response
  for (const file of filesUnder(BUILD.assets)) wanted.set(file.key, { file, old: null });
  for (const name of await oldCaches()) {
    const old = await caches.open(name);
    for (const request of await old.keys()) {
      const file = siteFile(request.url);
      const forBuild = inBuild(file) && !wanted.get(file.key)?.old;
      // Only names this build's runtime has: a docs page at pyodide/ is no old runtime.
      const inFolder = file?.path.replace(RUNTIME_FOLDER_PATTERN, "");
      const forRuntime =
        BUILD.runtime !== null && inFolder !== file?.path && Object.hasOwn(BUILD.files, BUILD.runtime + inFolder);
      if (!forBuild && !forRuntime) continue;
      const response = await old.match(request); // read once, whichever wants it
      if (forBuild) wanted.set(file.key, { file, old: response });
      if (forRuntime) oldRuntime.set(inFolder, response);
    }
  }
  // A learner who kept the old build's Python keeps this build's, though a changed runtime is a
  // folder of another name: its files are taken from the old one where the bytes are the same
  // (the interpreter, the standard library), and downloaded where not.
  if (oldRuntime.size) {
    for (const file of filesUnder(BUILD.runtime)) {
      if (!wanted.get(file.key)?.old) wanted.set(file.key, { file, old: oldRuntime.get(file.path.slice(BUILD.runtime.length)) ?? null });
    }
  }
  for (const { file, old } of wanted.values()) {
    if (await cache.match(file.key)) continue; // verified by an earlier, interrupted install
    let result = old ? await verify(file, old) : { verified: false };
    const runtime = inRuntime(file);
    if (!result.verified) result = await download(file).catch((error) => (runtime ? { verified: false } : Promise.reject(error)));
    // Not there yet (an upload that sends sw.js first) or the link failed: its folder is named
    // after its bytes, so nothing of another build can take its place; "keep" fetches it once
    // Python has started.
    if (!result.verified && runtime) continue;
    if (!result.verified) {
      // The server does not have this build's file (a newer deploy, a partial upload):
      // this build cannot be installed whole, so it is not installed at all.
      throw new Error(`${file.path} on the server is not the file of build ${BUILD.version}`);
    }
    await cache.put(file.key, result.response);
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        await carryOver(cache);
      } catch (error) {
        await caches.delete(CACHE);
        throw error;
      }
      // No skipWaiting: a first install activates at once anyway, and an update waits for the
      // learner (offline.js), so that no page is switched to new files under its feet.
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      // Pages of the old build reload on the controller change (offline.js) and get this
      // build's files whole; its cache is not needed by anyone after that.
      await Promise.all((await oldCaches()).map((name) => caches.delete(name)));
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "activate") {
    event.waitUntil(self.skipWaiting());
  } else if (data.type === "keep") {
    const files = (data.urls || []).map(siteFile).filter(inBuild);
    const runtime = data.runtime && BUILD.runtime !== null ? filesUnder(BUILD.runtime) : [];
    event.waitUntil(keep(files.concat(runtime)));
  }
});

async function keep(wanted) {
  const files = new Map(wanted.map((file) => [file.key, file]));
  const cache = await caches.open(CACHE);
  for (const file of files.values()) {
    if (await cache.match(file.key)) continue;
    try {
      // What the page itself loaded is in the HTTP cache: no second download for it.
      const response = await fetch(file.key, { credentials: "same-origin" });
      const result = response.ok ? await verify(file, response) : { verified: false };
      if (result.verified) await cache.put(file.key, result.response);
      else if (response.ok) foreign();
    } catch {
      // Offline or gone: it is fetched again the next time a page asks for it.
    }
  }
}

// -- answering requests -------------------------------------------------------------------------

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || request.headers.has("range")) return;
  const file = siteFile(request.url);
  if (inBuild(file)) {
    event.respondWith(answer(event, file));
  } else if (request.mode === "navigate" && file !== null) {
    // Not a page of this build (a folder without its slash, a page added since): the network's
    // answer as it is, or the offline page.
    event.respondWith(fetch(request).catch(() => offlinePage()));
  }
});

async function answer(event, file) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(file.key);
  if (hit) return hit;
  if (inRuntime(file)) return runtimeFile(event);
  const navigation = event.request.mode === "navigate";
  let result;
  try {
    result = await download(file);
  } catch {
    return navigation ? offlinePage() : Response.error();
  }
  if (result.verified) {
    event.waitUntil(cache.put(file.key, result.response.clone()));
    return result.response;
  }
  if (!result.response.ok) return result.response; // a 404 is the server's answer, as it is
  if (!(await newerBuild())) {
    // No other sw.js: the host changes the file as it serves it (some inject scripts into
    // pages). Nothing to mix with; shown as it is, never cached.
    return result.response;
  }
  return navigation ? updatedPage() : new Response("", { status: 503, statusText: "Site updated" });
}

/** A file of the Python runtime that is not cached yet, from the network as it arrives. Its
 * folder is named after its files' bytes (quizkit/mkdocs/runtime.py), so the server holds
 * this build's bytes under that name or none: they need no check before the page uses them.
 * Hashing their megabytes (the wasm, the standard library, NumPy) before passing them on, or
 * caching them meanwhile, each made Python start about 0.1 s later on a first run (side by
 * side, as bench/startup.py measures). They are cached, verified, once Python has started
 * (offline.js sends "keep" with runtime). A file that is not there (404 or 410, 403 from some
 * hosts, or a page in its place from hosts that answer every path with one) means a newer
 * deploy with another runtime if there is a new sw.js: the page's worker is told the site
 * was updated (worker.js), and offline.js offers the new version. Other errors (a 502 on the
 * way) are passed on as they are. */
async function runtimeFile(event) {
  let response;
  try {
    response = await fetch(event.request);
  } catch {
    return Response.error();
  }
  const page = response.ok && (response.headers.get("Content-Type") || "").startsWith("text/html");
  const gone = page || [403, 404, 410].includes(response.status);
  if (!gone) return response;
  if (await newerBuild()) return new Response("", { status: 503, statusText: "Site updated" });
  return page ? new Response("", { status: 404, statusText: "Not Found" }) : response;
}

/** The server has a file this build does not list: whether it has a newer build's sw.js
 * (fetched now, past the HTTP cache, and installing or installed beside this one). */
async function newerBuild() {
  try {
    await self.registration.update();
  } catch {
    return false;
  }
  return Boolean(self.registration.installing || self.registration.waiting);
}

/** A file the server has is not this build's: look for the new build's worker. */
function foreign() {
  self.registration.update().catch(() => {});
}

// -- pages this worker writes -------------------------------------------------------------------

const escapeHtml = (text) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function page(title, body, status) {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}</style>
</head><body><main>${body}</main></body></html>`;
  return new Response(html, { status, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

/** The pages this build has saved, as [title, URL], in site order. */
async function savedPages() {
  const cache = await caches.open(CACHE);
  const saved = [];
  for (const request of await cache.keys()) {
    if (!request.url.endsWith("/index.html")) continue;
    const text = await (await cache.match(request)).text();
    const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1] ?? request.url;
    saved.push([title.replace(/&amp;/g, "&"), request.url.slice(0, -"index.html".length)]);
  }
  return saved.sort((a, b) => a[1].localeCompare(b[1]));
}

async function offlinePage() {
  const saved = await savedPages();
  const list = saved.length
    ? `<p>These pages are saved in this browser and work offline, quizzes and code included:</p><ul>${saved
        .map(([title, url]) => `<li><a href="${escapeHtml(url)}">${escapeHtml(title)}</a></li>`)
        .join("")}</ul>`
    : "<p>No page of the course is saved in this browser yet.</p>";
  return page(
    "Offline",
    `<h1>You are offline</h1><p role="alert">This page has not been opened in this browser before, so it was not saved for offline use. It will load once you are back online.</p>${list}`,
    503,
  );
}

function updatedPage() {
  // Served instead of a page of a newer build, which would load this build's saved files.
  // offline.js (from this build's cache) shows the notice that switches to the new build.
  const registrar = new URL(`${BUILD.assets}offline.js`, SCOPE).href;
  return page(
    "The course has been updated",
    `<h1>The course has been updated</h1><p>A new version of the course has been published since this browser saved its copy, and this page belongs to it. The new version is being downloaded: choose Reload in the notice that appears to switch to it. Your answers are kept.</p><script type="module" src="${escapeHtml(registrar)}"></script>`,
    503,
  );
}
