// century.js personalises pages that come from a shared cache. The server
// renders the same HTML for everyone; this script reads the user's own
// session cookies through jsclient ("fullsession" in the page's import map)
// and fills in the neutral placeholders ("show by JS", never "hide by JS").
import session from "fullsession";

// Keep in step with maxSelection in selection.go: the server ignores ids
// beyond it.
const MAX_SELECTION = 100;

// user returns the Signed "user" value, or undefined. The page cannot verify
// the signature; that is fine for a greeting, and the server never trusts it.
function user() {
  const u = session.get("user");
  return u && typeof u === "object" && typeof u.name === "string" ? u : undefined;
}

// selection returns the Public "selection" value as a clean list of ids:
// anything a script or a user may have put there is untrusted.
function selection() {
  const s = session.get("selection");
  if (!Array.isArray(s)) return [];
  return [...new Set(s.filter((id) => Number.isSafeInteger(id) && id > 0))].slice(0, MAX_SELECTION);
}

function renderAccount() {
  const hello = document.getElementById("hello");
  const account = document.getElementById("account");
  const logout = document.getElementById("logout");
  if (!hello || !account) return; // a private page rendered by the server
  const u = user();
  hello.textContent = u ? `Hello ${u.name}` : "";
  hello.hidden = !u;
  if (logout) logout.hidden = !u;
  account.hidden = !!u;
  account.textContent = "Log in";
}

function renderSelection() {
  const ids = selection();
  const badge = document.getElementById("selection-count");
  if (badge) {
    badge.textContent = String(ids.length);
    badge.hidden = ids.length === 0;
  }
  for (const form of document.querySelectorAll("form[data-star]")) {
    const on = ids.includes(Number(form.dataset.star));
    const button = form.querySelector("button");
    button.setAttribute("aria-pressed", String(on));
    form.querySelector(".star-icon").textContent = on ? "★" : "☆";
    form.querySelector(".star-label").textContent = on ? "In my selection" : "Add to my selection";
  }
}

// toggle writes the new selection in the browser: no server round trip, so
// the cached page stays cached.
function toggle(event) {
  const form = event.target.closest("form[data-star]");
  if (!form) return;
  event.preventDefault();
  const id = Number(form.dataset.star);
  let ids = selection();
  if (ids.includes(id)) {
    ids = ids.filter((x) => x !== id);
  } else if (ids.length >= MAX_SELECTION) {
    alert(`Your selection is full (${MAX_SELECTION} properties). Remove one first.`);
    return;
  } else {
    ids.push(id);
  }
  try {
    session.set("selection", ids);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    alert("Your selection is too large to be stored.");
  }
  renderSelection();
}

// renderFlash shows the message the previous POST left in the Public "flash"
// key, once: pop removes the cookie, so a reload or another tab does not
// show it again. It is text, never HTML: a Public value can be forged.
function renderFlash() {
  const el = document.getElementById("flash");
  if (!el) return;
  const msg = session.pop("flash");
  if (typeof msg !== "string" || msg === "") return;
  el.textContent = msg.slice(0, 200);
  el.hidden = false;
}

// Renewal of an idle-timed login (renew.go). A page from the shared cache
// never reads the session, so it never renews the login: while the user is
// active, this script calls the private endpoint POST /session/renew, which
// reads the login, so that clientsession re-seals it when less than half of
// its idle window is left. The sealed last-seen time is invisible to
// scripts; the signal is the time of the last call (or of the last private
// page, which the server rendered from the login and so renewed), kept in
// localStorage so that tabs share it, and compared with data-renew-ms, a
// quarter of the idle window, from the page.
const RENEW_MS = Number(document.documentElement.dataset.renewMs) || 0;
const RENEWED_AT = "century.renewedAt";
let renewedAt = 0; // when localStorage is unavailable: this page only
let nextCheck = 0; // activity events come in bursts: check once a second

function lastRenewal() {
  try {
    return Number(localStorage.getItem(RENEWED_AT)) || 0;
  } catch {
    return renewedAt;
  }
}

function noteRenewal(t) {
  renewedAt = t;
  try {
    localStorage.setItem(RENEWED_AT, String(t));
  } catch {
    // private mode or storage full: renewedAt alone
  }
}

async function maybeRenew() {
  const now = Date.now();
  if (!RENEW_MS || now < nextCheck || !user()) return;
  nextCheck = now + 1000;
  const last = lastRenewal();
  if (last <= now && now - last < RENEW_MS) return; // a clock set back: renew
  noteRenewal(now);
  try {
    await fetch("/session/renew", { method: "POST", credentials: "same-origin", cache: "no-store" });
  } catch {
    return; // offline: the next activity after RENEW_MS tries again
  }
  renderAccount(); // the server deletes the name of a login that is gone
  // WebKit can show a fetch response's cookie changes to document.cookie a
  // moment late: look again, so a gone login never stays on screen.
  setTimeout(renderAccount, 500);
}

renderFlash();
if (!document.getElementById("account") && user()) {
  noteRenewal(Date.now()); // a private page: the server just read the login
}
renderAccount();
renderSelection();
document.addEventListener("submit", toggle);
// Another tab, or a server response, changed the session.
session.onChange(({ key }) => {
  if (key === "user") renderAccount();
  if (key === "selection") renderSelection();
});
for (const type of ["pointerdown", "keydown", "scroll", "touchstart"]) {
  addEventListener(type, maybeRenew, { passive: true, capture: true });
}
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") maybeRenew();
});
maybeRenew(); // opening a page is activity too
document.documentElement.dataset.personalised = "true";
