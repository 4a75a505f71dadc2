// The console's shell: hash routes, the confirmation and sign-in dialogs, and periodic refresh of the open page.
import { loadConfig, credentials, setCredentials, setAuthHandler, kinesis } from "./api.js";
import { h, errorText } from "./util.js";
import { streamsPage } from "./pages/streams.js";
import { createPage } from "./pages/create.js";
import { streamPage } from "./pages/stream.js";
import { dataPage } from "./pages/data.js";
import { firehosePage } from "./pages/firehose.js";

const main = document.getElementById("main");
let current = null; // { dispose() } of the shown page

const routes = [
  [/^#\/streams$/, "streams", () => streamsPage()],
  [/^#\/create$/, "create", () => createPage()],
  [/^#\/streams\/([^/]+)\/data$/, "streams", (m) => dataPage(decodeURIComponent(m[1]))],
  [/^#\/streams\/([^/]+)$/, "streams", (m) => streamPage(decodeURIComponent(m[1]))],
  [/^#\/firehose$/, "firehose", () => firehosePage()],
];

async function route() {
  const hash = location.hash || "#/streams";
  if (current && current.dispose) current.dispose();
  current = null;
  main.replaceChildren();
  for (const [pattern, nav, page] of routes) {
    const m = hash.match(pattern);
    if (!m) continue;
    for (const a of document.querySelectorAll("[data-nav]")) a.classList.toggle("active", a.dataset.nav === nav);
    try {
      current = await page(m);
      if (current && current.element) main.replaceChildren(current.element);
    } catch (e) {
      main.replaceChildren(h("div.notice.bad", errorText(e)));
    }
    return;
  }
  location.hash = "#/streams";
}

/** Asks the user to confirm an action; resolves true for Confirm. */
export function confirmAction(title, text) {
  const dialog = document.getElementById("confirm-dialog");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

function showWho(cfg) {
  const who = document.getElementById("who");
  const creds = credentials();
  if (!cfg.authEnabled) { who.replaceChildren("SigV4 off"); return; }
  if (!creds) { who.replaceChildren("Not signed in"); return; }
  who.replaceChildren(`Signed in as ${creds.accessKeyId}`,
    h("button", { onclick: () => { setCredentials(null); showWho(cfg); askForCredentials(); } }, "Sign out"));
}

let asking = false;
function askForCredentials(error) {
  const dialog = document.getElementById("auth-dialog");
  document.getElementById("auth-error").textContent = error ? errorText(error) : "";
  if (asking || dialog.open) return;
  asking = true;
  dialog.showModal();
}

async function start() {
  const cfg = await loadConfig();
  document.getElementById("version").textContent = cfg.version ? `ActorStreams ${cfg.version}` : "ActorStreams";
  const dialog = document.getElementById("auth-dialog");
  document.getElementById("auth-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const creds = {
      accessKeyId: document.getElementById("auth-key").value.trim(),
      secretAccessKey: document.getElementById("auth-secret").value,
      region: document.getElementById("auth-region").value.trim() || "us-east-1",
    };
    setCredentials(creds);
    try {
      // Check the key with a harmless signed call before closing the dialog.
      await kinesis("ListStreams", { Limit: 1 });
      asking = false;
      dialog.close();
      showWho(cfg);
      route();
    } catch (e) {
      setCredentials(null);
      document.getElementById("auth-error").textContent = errorText(e);
    }
  });
  dialog.addEventListener("cancel", (e) => e.preventDefault());
  setAuthHandler((error) => { setCredentials(null); showWho(cfg); askForCredentials(error); });
  showWho(cfg);
  window.addEventListener("hashchange", route);
  if (cfg.authEnabled && !credentials()) askForCredentials();
  else route();
}

start();
