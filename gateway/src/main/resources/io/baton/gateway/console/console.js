// The Baton console. Plain module, no dependencies. It reads and changes queues through the v1 REST
// API with the signed-in token and project, so it can do nothing that token could not do with curl.
// Names and bodies from the server only ever reach the page as text (textContent), never as markup.

const PAGE_SIZE = 20; // the v1 API's largest page of queues
const REFRESH_MS = 2000;

const $ = (id) => document.getElementById(id);

const session = {
  project: sessionStorage.getItem("baton.project"),
  token: sessionStorage.getItem("baton.token"),
  // v1 wants a Client-ID on message routes: one per browser session.
  clientId: sessionStorage.getItem("baton.clientId") || newClientId(),
};
sessionStorage.setItem("baton.clientId", session.clientId);

const view = {
  markers: [null], // marker of each page seen, for "First page" and "Next page"
  page: 0,
  rows: [], // {name, free, claimed, delayed, total, oldest}
  sort: { key: "name", descending: false },
  hasNext: false,
  timer: null,
};

// Names of the project's dead-letter queues, from the last scan (null: not scanned yet).
let deadLetterNames = null;

const detail = {
  queue: null,
  markers: [null],
  page: 0,
  hasNext: false,
};

function newClientId() {
  // crypto.randomUUID exists only in secure contexts; a gateway reached over plain HTTP is not one.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

class ApiError extends Error {
  constructor(status, title, description) {
    super(description || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
  }
}

async function api(method, path, { project = session.project, token = session.token, body } = {}) {
  const headers = { Accept: "application/json", "Client-ID": session.clientId };
  if (project) headers["X-Project-Id"] = project;
  if (token) headers["X-Auth-Token"] = token;
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.status === 204) return null;
  const text = await res.text();
  let answer = null;
  try {
    answer = text ? JSON.parse(text) : null;
  } catch {
    answer = null;
  }
  if (!res.ok) {
    if (res.status === 503) throw new ApiError(503, "Busy", (answer && answer.description) || "The service is busy; retrying.");
    throw new ApiError(res.status, answer && answer.title, answer && answer.description);
  }
  return answer;
}

// What the error line shows came from a refresh ("load") or from something the user did: a refresh
// that works again clears its own error, never the reason an action was refused.
let errorFrom = null;

function showError(e, from = "action") {
  const p = $("error");
  if (!e) {
    if (from === "load" && errorFrom !== "load") return;
    p.hidden = true;
    p.textContent = "";
    errorFrom = null;
    return;
  }
  errorFrom = from;
  p.textContent = e.title ? `${e.title}: ${e.message}` : e.message;
  p.hidden = false;
}

// ---- sign-in ----

function showSignIn() {
  stopRefresh();
  $("nav").hidden = true;
  $("who").hidden = true;
  for (const id of PAGES) $(id).hidden = true;
  $("queue").hidden = true;
  $("sign-in").hidden = false;
  $("project").value = session.project || "";
  $("project").focus();
}

async function signIn(project, token) {
  const s = await api("GET", "/console/api/session", { project, token });
  session.project = s.project;
  session.token = token || null;
  sessionStorage.setItem("baton.project", session.project);
  if (session.token) sessionStorage.setItem("baton.token", session.token);
  else sessionStorage.removeItem("baton.token");
  $("sign-in").hidden = true;
  $("nav").hidden = false;
  $("who").hidden = false;
  $("who-project").textContent = `Project ${session.project}`;
  route();
}

function signOut() {
  sessionStorage.removeItem("baton.project");
  sessionStorage.removeItem("baton.token");
  session.project = null;
  session.token = null;
  // The next sign-in may be another project: nothing of this one's pages carries over.
  Object.assign(view, { markers: [null], page: 0, rows: [], hasNext: false });
  Object.assign(detail, { queue: null, markers: [null], page: 0, hasNext: false });
  deadLetterNames = null;
  history.replaceState(null, "", "#/queues");
  for (const id of ["queue-rows", "worker-rows", "broker-rows", "slot-rows", "dead-letter-rows", "message-rows"]) {
    $(id).replaceChildren();
  }
  brokerTotals.clear();
  showError(null);
  showSignIn();
}

// ---- queues ----

// The pages the navigation links to, by their hash (#/<page>); a queue's page is #/queues/<name>.
const PAGES = ["overview", "queues", "workers", "dead-letters"];

// Pages by URL hash. Links and the back button work; a reload stays put.
function route() {
  if (!session.project) return;
  const m = /^#\/queues\/(.+)$/.exec(location.hash);
  let page = m ? "queues" : PAGES.find((p) => location.hash === `#/${p}`);
  if (!page) {
    page = "queues";
    history.replaceState(null, "", "#/queues");
  }
  for (const id of PAGES) {
    $(id).hidden = id !== page || Boolean(m);
    if (id === page) $(`nav-${id}`).setAttribute("aria-current", "page");
    else $(`nav-${id}`).removeAttribute("aria-current");
  }
  $("queue").hidden = !m;
  const dead = page === "dead-letters";
  if (m) {
    const name = decodeURIComponent(m[1]);
    if (detail.queue !== name) Object.assign(detail, { queue: name, markers: [null], page: 0, hasNext: false });
    $("queue-title").textContent = `Queue ${name}`;
    $("message-rows").replaceChildren();
    $("queue-stats").textContent = "";
    $("redrive-result").textContent = "";
    $("purge-result").textContent = "";
    $("metadata-result").textContent = "";
    $("redrive").hidden = true;
    // Whether this is a dead-letter queue takes a scan of the project's queue metadata: only
    // after the page's own first load, which it would otherwise slow down.
    startRefresh(refreshQueue).then(() => { if (detail.queue === name) showRedrive(); });
    loadMetadata(name);
    $("queue-title").focus();
  } else if (dead) {
    $("dead-letter-caption").textContent = `Dead-letter queues of project ${session.project}`;
    // Finding dead-letter queues reads every queue's metadata: less often than the counts.
    startRefresh(refreshDeadLetters, 5 * REFRESH_MS);
    $("dead-letters-title").focus();
  } else if (page === "overview") {
    startRefresh(refreshOverview);
    $("overview-title").focus();
  } else if (page === "workers") {
    $("worker-caption").textContent = `Work streams of project ${session.project}`;
    startRefresh(refreshWorkers);
    $("workers-title").focus();
  } else {
    $("queue-caption").textContent = `Queues of project ${session.project}`;
    startRefresh(refresh);
  }
}

// Loads now and every `every` ms; the promise settles with the first load.
function startRefresh(load, every = REFRESH_MS) {
  stopRefresh();
  view.load = load;
  const first = load();
  view.timer = setInterval(load, every);
  return first;
}

function stopRefresh() {
  if (view.timer) clearInterval(view.timer);
  view.timer = null;
}

// One load at a time; a load asked for meanwhile (a click on "Next page") runs right after it,
// and the promise its caller got settles when that later load has run.
let refreshing = false;
let again = false;
let waiting = [];

function loadDone() {
  refreshing = false;
  if (again) {
    again = false;
    const settled = waiting;
    waiting = [];
    setTimeout(() => {
      const next = view.load ? view.load() : Promise.resolve();
      next.finally(() => settled.forEach((resolve) => resolve()));
    }, 0);
  }
}

// Runs one page load at a time (one asked for meanwhile runs right after). A failed load shows on
// the error line and signs out when the token stopped working; one that works clears its own error.
async function guarded(load) {
  if (refreshing) {
    again = true;
    return new Promise((resolve) => waiting.push(resolve));
  }
  refreshing = true;
  try {
    await load();
    showError(null, "load");
  } catch (e) {
    showError(e, "load");
    if (e.status === 401 || e.status === 403) signOutKeepingError();
  } finally {
    loadDone();
  }
}

function refresh() {
  if (!session.project) return Promise.resolve();
  return guarded(async () => {
    const marker = view.markers[view.page];
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (marker) params.set("marker", marker);
    // One request for the page and its counts (the v1 API would need one per queue).
    const page = await api("GET", `/console/api/queues?${params}`);
    view.rows = page.queues.map((x) => ({ name: x.name, free: x.free, claimed: x.claimed, delayed: x.delayed,
                                          total: x.total, oldest: x.oldest_age, rates: x.rates,
                                          rate: perSecond(x.rates, x.rates.posted),
                                          dead: x.rates.dead_lettered.reduce((n, k) => n + k, 0) }));
    view.hasNext = Boolean(page.next);
    if (page.next) view.markers[view.page + 1] = page.next;
    render();
    $("updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  });
}

function signOutKeepingError() {
  const message = $("error").textContent;
  signOut();
  $("error").textContent = message;
  $("error").hidden = false;
}

function render() {
  const filter = $("filter").value.trim().toLowerCase();
  const { key, descending } = view.sort;
  const rows = view.rows
    .filter((r) => !filter || r.name.toLowerCase().includes(filter))
    .sort((a, b) => {
      const x = a[key], y = b[key];
      const c = typeof x === "string" ? x.localeCompare(y) : (x ?? -1) - (y ?? -1);
      return descending ? -c : c;
    });
  reconcile($("queue-rows"), rows, (r) => r.name, row, (tr, r) => {
    for (const td of tr.querySelectorAll("td.num[data-key]")) setText(td, cellText(r[td.dataset.key]));
    traffic(tr.querySelector("td.traffic"), r.rates);
  });
  $("no-queues").hidden = view.rows.length > 0 || view.page > 0;
  $("first-page").disabled = view.page === 0;
  $("next-page").disabled = !view.hasNext;
  for (const th of document.querySelectorAll("#queue-table th[data-key]")) {
    if (th.dataset.key === key) th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    else th.removeAttribute("aria-sort");
  }
}

// Rows are kept and updated in place, not rebuilt: a refresh every two seconds must not take the
// keyboard focus away from a button, or a screen reader's place in the table.
function reconcile(body, items, keyOf, build, update) {
  const existing = new Map([...body.children].map((tr) => [tr.dataset.key, tr]));
  let previous = null;
  for (const item of items) {
    const key = keyOf(item);
    let tr = existing.get(key);
    if (tr) {
      existing.delete(key);
      update(tr, item);
    } else {
      tr = build(item);
      tr.dataset.key = key;
    }
    const wanted = previous ? previous.nextSibling : body.firstChild;
    if (tr !== wanted) body.insertBefore(tr, wanted);
    previous = tr;
  }
  for (const gone of existing.values()) gone.remove();
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function cellText(v) {
  return v === null || v === undefined ? "" : String(v);
}

// A row whose header cell holds content: screen readers announce it with each of the row's cells.
function rowWithHeader(content) {
  const tr = document.createElement("tr");
  const th = document.createElement("th");
  th.scope = "row";
  th.append(content);
  tr.append(th);
  return tr;
}

function button(text, className, label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = className;
  b.textContent = text;
  if (label) b.setAttribute("aria-label", label);
  b.addEventListener("click", onClick);
  return b;
}

function row(r) {
  const link = document.createElement("a");
  link.href = `#/queues/${encodeURIComponent(r.name)}`;
  link.textContent = r.name;
  const tr = rowWithHeader(link);
  tr.dataset.queue = r.name;
  for (const k of ["free", "claimed", "delayed", "total", "oldest", "dead"]) {
    const td = document.createElement("td");
    td.className = "num";
    td.dataset.key = k;
    td.textContent = cellText(r[k]);
    tr.append(td);
  }
  const chart = document.createElement("td");
  chart.className = "traffic";
  traffic(chart, r.rates);
  tr.append(chart);
  const actions = document.createElement("td");
  const del = button("Delete", "delete", `Delete queue ${r.name}`, () => deleteQueue(r.name, del));
  actions.append(del);
  tr.append(actions);
  return tr;
}

// ---- traffic charts ----

// Messages per second over the last minute of a series of buckets (the newest one still filling).
function perSecond(rates, series) {
  const bucket = rates.bucket_ms;
  const filled = Math.min(bucket, Math.max(0, Date.now() - (rates.end_ms - bucket)));
  const last = series.slice(-6);
  const seconds = ((last.length - 1) * bucket + filled) / 1000;
  const n = last.reduce((a, b) => a + b, 0);
  return seconds > 0 ? Math.round((n / seconds) * 10) / 10 : 0;
}

const SVG = "http://www.w3.org/2000/svg";

// Draws (or redraws in place) the two lines of a queue's last five minutes in cell td, with the
// figures as text for screen readers and anyone who wants the number.
function traffic(td, rates) {
  let svg = td.querySelector("svg");
  if (!svg) {
    svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 100 20");
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("aria-hidden", "true");
    for (const k of ["posted", "deleted"]) {
      const line = document.createElementNS(SVG, "polyline");
      line.setAttribute("class", k);
      svg.append(line);
    }
    const figures = document.createElement("span");
    td.append(svg, figures);
  }
  const max = Math.max(1, ...rates.posted, ...rates.deleted);
  for (const k of ["posted", "deleted"]) {
    const values = rates[k];
    const step = values.length > 1 ? 100 / (values.length - 1) : 100;
    const points = values.map((v, i) => `${(i * step).toFixed(1)},${(19 - (v / max) * 18).toFixed(1)}`).join(" ");
    const line = svg.querySelector(`polyline.${k}`);
    if (line.getAttribute("points") !== points) line.setAttribute("points", points);
  }
  setText(td.querySelector("span"), `${perSecond(rates, rates.posted)}/s in, ${perSecond(rates, rates.deleted)}/s deleted`);
}

// ---- overview ----

// The previous read of each broker's totals: a rate is the difference between two reads.
const brokerTotals = new Map();

function refreshOverview() {
  return guarded(async () => {
    const o = await api("GET", "/console/api/overview");
    const bad = o.slots.filter((x) => x.state !== "SERVING");
    const down = o.brokers.filter((b) => !b.reachable);
    const parts = [`${o.brokers.length} broker${o.brokers.length === 1 ? "" : "s"}, ${o.slot_count} slots`];
    if (down.length) parts.push(`${down.length} not answering`);
    parts.push(bad.length ? `${bad.length} slot${bad.length === 1 ? "" : "s"} not serving` : "every slot serving");
    const health = $("overview-health");
    setText(health, `${o.healthy ? "Healthy" : "Needs attention"}: ${parts.join("; ")}. Assignment version ${o.version}.`);
    health.className = o.healthy ? "good" : "bad";
    reconcile($("broker-rows"), o.brokers, (b) => b.id, brokerRow, updateBrokerRow);
    const slots = $("slots-unwell").checked ? bad : o.slots;
    reconcile($("slot-rows"), slots, (x) => String(x.slot), slotRow, updateSlotRow);
  });
}

function cells(tr, keys, numeric = []) {
  for (const k of keys) {
    const td = document.createElement("td");
    td.dataset.key = k;
    if (numeric.includes(k)) td.className = "num";
    tr.append(td);
  }
}

function brokerRow(b) {
  const tr = rowWithHeader(document.createTextNode(b.id));
  cells(tr, ["address", "status", "zookeeper", "storage", "slots", "posted", "deleted", "streams", "problems"],
        ["slots", "posted", "deleted", "streams"]);
  updateBrokerRow(tr, b);
  return tr;
}

function updateBrokerRow(tr, b) {
  const cell = (k) => tr.querySelector(`td[data-key="${k}"]`);
  setText(cell("address"), b.address);
  if (!b.reachable) {
    setText(cell("status"), "not answering");
    cell("status").className = "state-bad";
    for (const k of ["zookeeper", "storage", "slots", "posted", "deleted", "streams"]) setText(cell(k), "");
    setText(cell("problems"), b.error || "");
    brokerTotals.delete(b.id);
    return;
  }
  const ok = b.problems.length === 0;
  setText(cell("status"), ok ? "healthy" : "unhealthy");
  cell("status").className = ok ? "" : "state-bad";
  setText(cell("zookeeper"), b.zookeeper ? "connected" : "not connected");
  cell("zookeeper").className = b.zookeeper ? "" : "state-bad";
  const bookies = b.storage === "bookkeeper" ? `, ${b.writable_bookies < 0 ? "?" : b.writable_bookies} writable bookies` : "";
  setText(cell("storage"), `${b.storage}${bookies}`);
  setText(cell("slots"), String(b.slots));
  const before = brokerTotals.get(b.id);
  brokerTotals.set(b.id, b);
  const rate = (k) => {
    if (!before || b.read_at_ms <= before.read_at_ms || b[k] < before[k]) return "";
    return String(Math.round(((b[k] - before[k]) * 1000) / (b.read_at_ms - before.read_at_ms)));
  };
  setText(cell("posted"), rate("messages_posted"));
  setText(cell("deleted"), rate("messages_deleted"));
  setText(cell("streams"), String(b.work_streams));
  setText(cell("problems"), b.problems.join("; "));
}

function slotRow(x) {
  const tr = rowWithHeader(document.createTextNode(String(x.slot)));
  tr.querySelector("th").className = "num";
  cells(tr, ["owner", "epoch", "state", "messages", "claimed", "delayed", "failure"], ["epoch", "messages", "claimed", "delayed"]);
  updateSlotRow(tr, x);
  return tr;
}

function updateSlotRow(tr, x) {
  const cell = (k) => tr.querySelector(`td[data-key="${k}"]`);
  setText(cell("owner"), x.owner || "none");
  setText(cell("epoch"), String(x.epoch));
  setText(cell("state"), x.state);
  cell("state").className = x.state === "SERVING" ? "" : "state-bad";
  for (const k of ["messages", "claimed", "delayed"]) setText(cell(k), cellText(x[k]));
  setText(cell("failure"), x.failure || "");
}

// ---- workers ----

// A stream that holds jobs and has said nothing for this long is shown as possibly stuck.
const QUIET_MS = 30000;

function refreshWorkers() {
  return guarded(async () => {
    const w = await api("GET", "/console/api/workers");
    const notes = [];
    if (w.unreachable.length) notes.push(`Brokers not answering (their streams are missing here): ${w.unreachable.join(", ")}.`);
    if (w.truncated) notes.push("A broker has more streams of this project than it lists; the first ones by queue are shown.");
    setText($("workers-note"), notes.join(" "));
    for (const x of w.streams) x.now = w.now_ms;
    reconcile($("worker-rows"), w.streams, (x) => `${x.broker}/${x.stream}`, workerRow, updateWorkerRow);
    $("no-workers").hidden = w.streams.length > 0;
  });
}

function workerRow(x) {
  const name = document.createElement("span");
  const quiet = document.createElement("span");
  quiet.className = "visually-hidden";
  const tr = rowWithHeader(name);
  tr.querySelector("th").append(quiet);
  cells(tr, ["queue", "peer", "broker", "held", "credits_free", "done", "extension", "activity", "connected"],
        ["held", "credits_free", "done", "extension", "activity", "connected"]);
  updateWorkerRow(tr, x);
  return tr;
}

function updateWorkerRow(tr, x) {
  const cell = (k) => tr.querySelector(`td[data-key="${k}"]`);
  const ago = (ms) => (ms > 0 ? `${Math.max(0, Math.round((x.now - ms) / 1000))} s ago` : "never");
  const [name, quiet] = tr.querySelector("th").children;
  setText(name, x.worker || "(unnamed)");
  const silent = x.now - Math.max(x.last_extension_ms, x.last_activity_ms);
  const stuck = x.held > 0 && silent > QUIET_MS;
  tr.classList.toggle("stuck", stuck);
  setText(quiet, stuck ? `, holds jobs and quiet for ${Math.round(silent / 1000)} s` : "");
  setText(cell("queue"), x.queue);
  setText(cell("peer"), x.peer);
  setText(cell("broker"), x.broker);
  setText(cell("held"), `${x.held}${x.draining ? " (draining)" : ""}`);
  setText(cell("credits_free"), `${x.credits_free} of ${x.credits}`);
  setText(cell("done"), `${x.acked} / ${x.released}`);
  setText(cell("extension"), ago(x.last_extension_ms));
  setText(cell("activity"), ago(x.last_activity_ms));
  setText(cell("connected"), ago(x.opened_at_ms).replace(" ago", ""));
}

function confirmAction(text, ok) {
  return new Promise((resolve) => {
    const d = $("confirm");
    $("confirm-text").textContent = text;
    $("confirm-ok").textContent = ok;
    d.addEventListener("close", () => resolve(d.returnValue === "ok"), { once: true });
    d.returnValue = "";
    d.showModal();
    $("confirm-cancel").focus();
  });
}

async function deleteQueue(name, returnFocus) {
  try {
    const s = await api("GET", `/v1/queues/${encodeURIComponent(name)}/stats`);
    const n = s.messages.total;
    const what = n === 0 ? "It holds no messages." : `Its ${n} message${n === 1 ? "" : "s"} will be deleted with it.`;
    if (!(await confirmAction(`Delete queue ${name}? ${what}`, "Delete queue"))) {
      returnFocus.focus();
      return;
    }
    await api("DELETE", `/v1/queues/${encodeURIComponent(name)}`);
    await refresh();
    $("filter").focus();
  } catch (e) {
    showError(e);
  }
}

async function createQueue(event) {
  event.preventDefault();
  const input = $("new-queue");
  const name = input.value.trim();
  try {
    await api("PUT", `/v1/queues/${encodeURIComponent(name)}`);
    input.value = "";
    await refresh();
  } catch (e) {
    showError(e);
  }
}

// ---- one queue: its messages ----

const q = (name) => encodeURIComponent(name);

function refreshQueue() {
  if (!detail.queue) return Promise.resolve();
  const queue = detail.queue;
  return guarded(async () => {
    let stats;
    try {
      stats = await api("GET", `/v1/queues/${q(queue)}/stats`);
    } catch (e) {
      if (e.status === 404) {
        setText($("queue-stats"), "This queue does not exist (any more).");
        $("message-rows").replaceChildren();
      }
      throw e;
    }
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    const marker = detail.markers[detail.page];
    if (marker) params.set("marker", marker);
    const page = await api("GET", `/console/api/queues/${q(queue)}/messages?${params}`);
    if (detail.queue !== queue) return; // navigated away meanwhile
    const m = stats.messages;
    setText($("queue-stats"), `${m.total} messages: ${m.free} free, ${m.claimed} claimed, ${m.delayed || 0} delayed.`);
    detail.hasNext = Boolean(page.next);
    if (page.next) detail.markers[detail.page + 1] = page.next;
    reconcile($("message-rows"), page.messages, (msg) => msg.id, messageRow, updateMessageRow);
    $("no-messages").hidden = page.messages.length > 0;
    $("first-messages").disabled = detail.page === 0;
    $("next-messages").disabled = !detail.hasNext;
  });
}

function messageRow(msg) {
  const code = document.createElement("code");
  code.textContent = msg.id;
  const tr = rowWithHeader(code);
  tr.dataset.message = msg.id;
  const pick = document.createElement("td");
  pick.className = "select";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.className = "pick";
  box.setAttribute("aria-label", `Select message ${msg.id}`);
  pick.append(box);
  tr.prepend(pick);
  for (const k of ["age", "ttl", "claim", "attempts", "body"]) {
    const td = document.createElement("td");
    td.dataset.key = k;
    if (k === "age" || k === "ttl" || k === "attempts") td.className = "num";
    tr.append(td);
  }
  const actions = document.createElement("td");
  actions.className = "actions";
  const release = button("Release claim", "release", null, () => releaseClaim(tr.dataset.claim, release));
  const del = button("Delete", "delete", `Delete message ${msg.id}`, () => deleteMessage(msg.id, tr.dataset.claim, del));
  actions.append(release, del);
  tr.append(actions);
  updateMessageRow(tr, msg);
  return tr;
}

function updateMessageRow(tr, msg) {
  const cell = (k) => tr.querySelector(`td[data-key="${k}"]`);
  setText(cell("age"), String(msg.age));
  setText(cell("ttl"), String(msg.ttl));
  setText(cell("claim"), msg.claim_id ? `${msg.claim_id.slice(0, 12)}…` : "free");
  cell("claim").title = msg.claim_id || "";
  tr.dataset.claim = msg.claim_id || "";
  const release = tr.querySelector("button.release");
  release.hidden = !msg.claim_id;
  release.setAttribute("aria-label", `Release the claim on message ${msg.id}`);
  const ledger = JSON.stringify(msg.ledger);
  if (cell("attempts").dataset.ledger !== ledger) {
    cell("attempts").dataset.ledger = ledger;
    cell("attempts").replaceChildren(attempts(msg));
  }
  setText(cell("body"), msg.body_cut ? `${msg.body_preview}…` : msg.body_preview);
}

function attempts(msg) {
  if (msg.ledger.length === 0) return document.createTextNode(String(msg.attempts));
  const d = document.createElement("details");
  const s = document.createElement("summary");
  s.textContent = String(msg.attempts);
  s.setAttribute("aria-label", `${msg.attempts} attempts: show how each ended`);
  const ol = document.createElement("ol");
  for (const a of msg.ledger) {
    const li = document.createElement("li");
    const how = a.ended ? `${a.outcome} at ${a.ended}` : "running";
    const why = a.error_class ? ` (${a.error_class}${a.error_message ? `: ${a.error_message}` : ""})` : "";
    li.textContent = `started ${a.started}, ${how}${why}`;
    ol.append(li);
  }
  d.append(s, ol);
  return d;
}

async function deleteMessage(id, claim, returnFocus) {
  const note = claim ? " A worker holds it now; its claim on it ends." : "";
  if (!(await confirmAction(`Delete message ${id}?${note} This cannot be undone.`, "Delete message"))) {
    returnFocus.focus();
    return;
  }
  try {
    const query = claim ? `?claim_id=${encodeURIComponent(claim)}` : "";
    await api("DELETE", `/v1/queues/${q(detail.queue)}/messages/${encodeURIComponent(id)}${query}`);
    await refreshQueue();
    $("queue-title").focus();
  } catch (e) {
    showError(e);
  }
}

async function releaseClaim(claim, returnFocus) {
  if (!claim) return;
  if (!(await confirmAction(`Release claim ${claim}? Its messages become free for other workers.`, "Release claim"))) {
    returnFocus.focus();
    return;
  }
  try {
    await api("DELETE", `/v1/queues/${q(detail.queue)}/claims/${encodeURIComponent(claim)}`);
    await refreshQueue();
    returnFocus.focus();
  } catch (e) {
    showError(e);
  }
}

// Purges what the confirmation counted: messages up to the newest one the stats showed, so
// messages posted after the count stay.
async function purgeQueue() {
  const queue = detail.queue;
  try {
    const s = await api("GET", `/v1/queues/${q(queue)}/stats`);
    const n = s.messages.total;
    if (n === 0 || !s.messages.newest) {
      setText($("purge-result"), "The queue holds no messages.");
      return;
    }
    const upTo = decodeURIComponent(s.messages.newest.href.split("/").pop().split("?")[0]);
    const held = s.messages.claimed ? ` ${s.messages.claimed} of them are claimed: their workers' acks will be refused.` : "";
    const text = `Purge ${n} message${n === 1 ? "" : "s"} from queue ${queue}?${held} Messages posted from now on stay. This cannot be undone.`;
    if (!(await confirmAction(text, `Purge ${n}`))) {
      $("purge").focus();
      return;
    }
    const r = await api("POST", `/console/api/queues/${q(queue)}/purge`, { body: { up_to: upTo } });
    setText($("purge-result"), `Purged ${r.deleted} message${r.deleted === 1 ? "" : "s"}.`);
    await refreshQueue();
    $("purge").focus();
  } catch (e) {
    showError(e);
  }
}

// ---- one queue: its metadata ----

// Loaded when the page opens and after a save, never by the refresh: it would undo an edit in progress.
async function loadMetadata(queue) {
  try {
    const m = await api("GET", `/v1/queues/${q(queue)}/metadata`);
    if (detail.queue === queue) $("metadata").value = JSON.stringify(m || {}, null, 2);
  } catch (e) {
    if (e.status !== 404) showError(e);
  }
}

async function saveMetadata(event) {
  event.preventDefault();
  const queue = detail.queue;
  let value;
  try {
    value = JSON.parse($("metadata").value);
  } catch (e) {
    showError(new Error(`The metadata is not JSON: ${e.message}`));
    $("metadata").focus();
    return;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    showError(new Error("The metadata must be a JSON object, {...}."));
    $("metadata").focus();
    return;
  }
  try {
    await api("PUT", `/v1/queues/${q(queue)}/metadata`, { body: value });
    showError(null);
    setText($("metadata-result"), `Saved at ${new Date().toLocaleTimeString()}.`);
    deadLetterNames = null; // a policy may name another dead-letter queue now
    await loadMetadata(queue);
  } catch (e) {
    showError(e);
    $("metadata").focus();
  }
}

// ---- dead letters ----

async function loadDeadLetters() {
  const page = await api("GET", "/console/api/dead-letters");
  deadLetterNames = new Set(page.dead_letter_queues.map((d) => d.name));
  return page;
}

function refreshDeadLetters() {
  return guarded(async () => {
    const page = await loadDeadLetters();
    reconcile($("dead-letter-rows"), page.dead_letter_queues, (d) => d.name, deadLetterRow, updateDeadLetterRow);
    $("no-dead-letters").hidden = page.dead_letter_queues.length > 0;
    const note = page.complete ? "" : ` (the first ${page.scanned} queues looked at)`;
    setText($("dead-letter-caption"), `Dead-letter queues of project ${session.project}${note}`);
  });
}

function deadLetterRow(d) {
  const link = document.createElement("a");
  link.href = `#/queues/${encodeURIComponent(d.name)}`;
  link.textContent = d.name;
  const tr = rowWithHeader(link);
  tr.dataset.deadLetters = d.name;
  for (const k of ["sources", "total", "oldest_age"]) {
    const td = document.createElement("td");
    td.dataset.key = k;
    if (k !== "sources") td.className = "num";
    tr.append(td);
  }
  updateDeadLetterRow(tr, d);
  return tr;
}

function updateDeadLetterRow(tr, d) {
  const cell = (k) => tr.querySelector(`td[data-key="${k}"]`);
  setText(cell("sources"), d.sources.join(", "));
  setText(cell("total"), cellText(d.total));
  setText(cell("oldest_age"), cellText(d.oldest_age));
}

async function showRedrive() {
  const queue = detail.queue;
  $("redrive").hidden = true;
  try {
    if (deadLetterNames === null) await loadDeadLetters();
    if (detail.queue === queue) $("redrive").hidden = !deadLetterNames.has(queue);
  } catch (e) {
    showError(e);
  }
}

async function redrive(all) {
  const queue = detail.queue;
  const ids = [...document.querySelectorAll("#message-rows input.pick:checked")].map((b) => b.closest("tr").dataset.message);
  if (!all && ids.length === 0) {
    showError(new Error("Select the messages to send back first."));
    return;
  }
  const what = all ? `every message of ${queue}` : `${ids.length} selected message${ids.length === 1 ? "" : "s"}`;
  if (!(await confirmAction(`Send ${what} back to the queues they came from?`, "Send back"))) return;
  let started = 0;
  let notMoved = 0;
  try {
    if (all) {
      // The broker takes 100 at a time: repeat until a call finds none left.
      for (;;) {
        const r = await api("POST", `/console/api/queues/${q(queue)}/redrive`, { body: {} });
        started += r.started;
        notMoved += r.not_moved;
        setText($("redrive-result"), `Sent back ${started}…`);
        if (r.started === 0) break;
      }
    } else {
      for (let i = 0; i < ids.length; i += 100) {
        const r = await api("POST", `/console/api/queues/${q(queue)}/redrive`, { body: { ids: ids.slice(i, i + 100) } });
        started += r.started;
        notMoved += r.not_moved;
      }
    }
    const left = notMoved ? ` ${notMoved} were posted here directly and stay.` : "";
    setText($("redrive-result"), `Sent back ${started}.${left}`);
    await refreshQueue();
  } catch (e) {
    showError(e);
  }
}

// ---- wiring ----

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      showError(null);
      await signIn($("project").value.trim(), $("token").value);
      $("token").value = "";
    } catch (e) {
      showError(e);
    }
  });
  $("sign-out").addEventListener("click", signOut);
  $("create-form").addEventListener("submit", createQueue);
  $("filter").addEventListener("input", render);
  window.addEventListener("hashchange", route);
  $("metadata-form").addEventListener("submit", saveMetadata);
  $("redrive-selected").addEventListener("click", () => redrive(false));
  $("redrive-all").addEventListener("click", () => redrive(true));
  $("purge").addEventListener("click", purgeQueue);
  $("slots-unwell").addEventListener("change", () => view.load && view.load());
  $("first-messages").addEventListener("click", () => { detail.page = 0; refreshQueue(); });
  $("next-messages").addEventListener("click", () => { if (detail.hasNext) { detail.page += 1; refreshQueue(); } });
  $("first-page").addEventListener("click", () => { view.page = 0; refresh(); });
  $("next-page").addEventListener("click", () => { if (view.hasNext) { view.page += 1; refresh(); } });
  for (const th of document.querySelectorAll("#queue-table th[data-key]")) {
    th.querySelector("button").addEventListener("click", () => {
      const key = th.dataset.key;
      view.sort = { key, descending: view.sort.key === key ? !view.sort.descending : key !== "name" };
      render();
    });
  }
  if (session.project) {
    signIn(session.project, session.token).catch((e) => { showError(e); showSignIn(); });
  } else {
    showSignIn();
  }
});
