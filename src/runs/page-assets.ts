/**
 * The page's only script, served as /runs/app.js (the CSP allows scripts from the bot's own origin, nothing
 * inline). It polls the page's JSON twin (`data-poll` on <body>) every 2 s and swaps in the server-rendered,
 * escaped HTML it carries: no template on the client, so escaping happens in one place (page-html.ts).
 */
export const APP_JS = `"use strict";
(function () {
  var live = document.getElementById("live");
  var state = document.getElementById("live-state");
  var url = document.body.getAttribute("data-poll");
  if (!live || !url) return;
  var last = null;
  var busy = false;
  var timer = setInterval(tick, 2000);
  function say(text) { if (state) state.textContent = text; }
  function tick() {
    if (busy) return;
    busy = true;
    fetch(url, { headers: { accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (res) {
        if (res.status === 401 || res.status === 404) { clearInterval(timer); say(res.status === 401 ? "signed out: reload to sign in" : "gone"); return null; }
        return res.ok ? res.json() : null;
      })
      .then(function (data) {
        if (!data || typeof data.html !== "string") return;
        if (data.html !== last) { live.innerHTML = data.html; last = data.html; }
        live.setAttribute("data-updated", String(Date.now()));
        say("live");
      })
      .catch(function () { say("offline, retrying"); })
      .then(function () { busy = false; });
  }
})();
`;

export const APP_CSS = `body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1f2328; }
header { display: flex; gap: 1em; align-items: baseline; padding: .6em 1em; background: #f6f8fa; border-bottom: 1px solid #d0d7de; }
header .home { font-weight: 600; }
#live-state { margin-left: auto; color: #656d76; font-size: 12px; }
main { padding: 1em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid #d0d7de; vertical-align: top; }
table.facts { width: auto; }
.muted { color: #656d76; }
.status { padding: 0 .5em; border-radius: 1em; background: #eaeef2; }
.status-succeeded, .status-done, .status-reused { background: #dafbe1; }
.status-failed { background: #ffebe9; }
.status-running { background: #fff8c5; }
pre { white-space: pre-wrap; background: #f6f8fa; padding: .6em; max-height: 30em; overflow: auto; }
.error { color: #cf222e; }
form.filter { margin: 0 0 1em; display: flex; gap: 1em; }
`;
