// ldm4j serve: the page talks only to the JSON API (the same one curl users use).
"use strict";

const $ = (id) => document.getElementById(id);
let token = new URLSearchParams(location.search).get("token") || sessionStorage.getItem("ldm4j-token") || "";
let card = null;
let current = null;          // {id, source}
const gallery = [];          // {job, index, cls, seed, url, parameters, settings}

function withToken(url) {
  return token ? url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : url;
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token) headers["Authorization"] = "Bearer " + token;
  const res = await fetch(path, Object.assign({}, options, { headers }));
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  return { ok: res.ok, status: res.status, body, retryAfter: res.headers.get("Retry-After") };
}

function showError(message) {
  const e = $("error");
  e.textContent = message;
  e.hidden = !message;
}

function number(id) {
  const v = $(id).value.trim();
  return v === "" ? null : Number(v);
}

function settings() {
  return {
    sampler: $("sampler").value,
    steps: number("steps"),
    cfg: number("cfg"),
    guidance_interval: [number("gi-low"), number("gi-high")],
    spacing: $("spacing").value,
    eta: number("eta"),
  };
}

async function loadCard() {
  const r = await api("/api/model");
  if (r.status === 401) {
    $("token-box").hidden = false;
    showError("This server needs a token: enter it above.");
    return;
  }
  if (!r.ok) { showError((r.body && r.body.error) || "cannot read the model card"); return; }
  card = r.body;
  $("token-box").hidden = true;
  $("run-name").textContent = card.run;
  $("model-hash").textContent = "model hash " + card.model_hash + " · " + card.resolution + "×" + card.resolution;
  const cls = $("class");
  cls.innerHTML = "";
  card.classes.forEach((c) => cls.add(new Option(c, c)));
  cls.add(new Option("one of each", "all"));
  const sampler = $("sampler");
  sampler.innerHTML = "";
  for (const k of card.samplers) {
    const calls = k.calls_per_step === 1 ? "1 network call per step" : k.calls_per_step + " network calls per step";
    sampler.add(new Option(k.label + " \u00b7 " + calls, k.name));
  }
  const d = card.defaults;
  $("sampler").value = d.sampler; $("steps").value = d.steps; $("cfg").value = d.cfg;
  $("eta").value = d.eta; $("spacing").value = d.spacing;
  // a data folder by its name: the full path (in the API's model card) is long and says little on the page
  const data = card.data.replace(/^(\w+):(.*[\/\\])?([^\/\\]+)[\/\\]?$/, (m, kind, dir, name) => kind + ":" + (dir ? "\u2026/" : "") + name);
  const rows = [
    ["run", card.run], ["data", data], ["classes", card.classes.join(", ")], ["preset", card.preset],
    ["VAE steps", card.training.vae_steps], ["UNet steps", card.training.unet_steps],
    ["resolution", card.resolution + " px"], ["model hash", card.model_hash],
    ["limits", card.limits.max_images + " images, " + card.limits.max_steps + " steps per job"],
  ];
  const dl = $("card-list");
  dl.innerHTML = "";
  for (const [k, v] of rows) {
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = v;
    dl.append(dt, dd);
  }
  if (card.eval) renderEval(card.eval);
  if (card.report) {
    const a = document.createElement("a");
    a.href = withToken("/report.html"); a.target = "_blank"; a.textContent = "Training report (report.html)";
    $("card-report").append(a);
  }
}

function fmt(x) { return typeof x === "number" ? (Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(3)) : "–"; }

function renderEval(ev) {
  const sets = [["generated samples", ev.samples]];
  if (ev.floors) {
    sets.push(["floor: real train images", ev.floors.train_vs_test]);
    sets.push(["floor: VAE reconstructions", ev.floors.vae_reconstruction_vs_test]);
  }
  const t = document.createElement("table");
  t.innerHTML = "<tr><th></th><th>acc.</th><th>FD</th><th>prec.</th><th>rec.</th></tr>";
  for (const [name, s] of sets) {
    if (!s) continue;
    const tr = document.createElement("tr");
    for (const v of [name, fmt(s.class_accuracy), fmt(s.frechet_distance), fmt(s.precision), fmt(s.recall)]) {
      const td = document.createElement("td"); td.textContent = v; tr.append(td);
    }
    t.append(tr);
  }
  const box = $("card-eval");
  box.innerHTML = ""; box.className = "";
  box.append(t);
}

async function submit(body) {
  showError("");
  const r = await api("/api/jobs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (r.status === 429) {
    showError("The server is busy (queue full): try again in " + (r.retryAfter || "a few") + " s.");
    return;
  }
  if (!r.ok) {
    showError((r.body && r.body.error) || ("error " + r.status));
    return;
  }
  follow(r.body);
}

function follow(job) {
  if (current && current.source) current.source.close();
  const source = new EventSource(withToken("/api/jobs/" + job.id + "/events"));
  current = { id: job.id, source, shown: new Set() };
  $("cancel").disabled = false;
  $("generate").disabled = true;
  $("progress").value = 0;
  $("status").textContent = "queued";
  const update = (ev) => render(JSON.parse(ev.data), ev.type === "end");
  source.addEventListener("status", update);
  source.addEventListener("end", update);
  source.onerror = () => {
    if (current && current.source === source && source.readyState === EventSource.CLOSED) done("connection lost");
  };
}

function render(s, ended) {
  if (!current || s.id !== current.id) return;
  const total = s.total_steps || s.settings.steps;
  $("progress").max = Math.max(1, total);
  $("progress").value = s.step;
  $("status").textContent = s.state === "queued" ? "queued (position " + s.position + ")"
    : s.state + ": step " + s.step + "/" + total + ", " + s.images.length + "/" + s.images_total + " images, " + s.seconds.toFixed(1) + " s";
  for (const im of s.images) {
    if (current.shown.has(im.index)) continue;
    current.shown.add(im.index);
    addToGallery({ job: s.id, index: im.index, cls: im["class"], seed: im.seed, url: im.url, parameters: im.parameters,
      settings: s.settings });
  }
  if (ended) {
    if (s.state === "failed") showError("Generation failed: " + s.error);
    done(s.state === "done" ? "done in " + s.seconds.toFixed(1) + " s" : s.state);
  }
}

function done(message) {
  if (current && current.source) current.source.close();
  current = null;
  $("cancel").disabled = true;
  $("generate").disabled = false;
  $("status").textContent = message;
}

function addToGallery(item) {
  gallery.push(item);
  const fig = document.createElement("figure");
  const img = document.createElement("img");
  img.src = withToken(item.url);
  img.alt = item.cls + " " + (item.seed !== undefined ? "seed " + item.seed + " #" + item.index : "frame " + item.index);
  img.dataset.job = item.job;
  img.dataset.index = item.index;
  const cap = document.createElement("figcaption");
  cap.textContent = img.alt;
  fig.append(img, cap);
  fig.addEventListener("click", () => openViewer(item));
  let group = document.querySelector('#gallery .job[data-job="' + item.job + '"]');
  if (!group) {                                  // the newest job first, its images in order
    group = document.createElement("div");
    group.className = "job";
    group.dataset.job = item.job;
    $("gallery").prepend(group);
  }
  group.append(fig);
}

let viewing = null;

function openViewer(item) {
  viewing = item;
  $("viewer-img").src = withToken(item.url);
  $("viewer-img").alt = item.cls;
  $("viewer-params").textContent = item.parameters;
  $("viewer-download").href = withToken(item.url);
  $("viewer-download").download = "ldm4j-" + item.cls + "-" + item.job + "-" + item.index + ".png";
  $("viewer-reuse").disabled = item.seed === undefined;
  const target = $("viewer-target");
  target.innerHTML = "";
  gallery.filter((g) => g !== item && g.seed !== undefined).forEach((g) => {
    target.add(new Option(g.cls + " seed " + g.seed + " #" + g.index, gallery.indexOf(g)));
  });
  $("viewer-interpolate").disabled = item.seed === undefined || target.options.length === 0;
  $("viewer").showModal();
}

$("viewer-reuse").addEventListener("click", () => {
  $("seed").value = viewing.seed;
  $("class").value = viewing.cls;
  $("viewer").close();
});

$("viewer-variations").addEventListener("click", () => {
  const body = Object.assign(settings(), { "class": viewing.cls, n: number("n"), seed: number("seed"),
    init: { job: viewing.job, image: viewing.index, strength: number("viewer-strength") } });
  $("viewer").close();
  submit(body);
});

$("viewer-interpolate").addEventListener("click", () => {
  const to = gallery[Number($("viewer-target").value)];
  const body = Object.assign(viewing.settings ? {
    sampler: viewing.settings.sampler, steps: viewing.settings.steps, cfg: viewing.settings.cfg, eta: viewing.settings.eta,
    spacing: viewing.settings.spacing, guidance_interval: viewing.settings.guidance_interval } : settings(), {
    interpolate: { from: { seed: viewing.seed, index: viewing.index, "class": viewing.cls },
      to: { seed: to.seed, index: to.index, "class": to.cls }, frames: number("viewer-frames") } });
  $("viewer").close();
  submit(body);
});

$("generate").addEventListener("click", () => {
  submit(Object.assign(settings(), { "class": $("class").value, n: number("n"), seed: number("seed") }));
});

$("cancel").addEventListener("click", async () => {
  if (current) await api("/api/jobs/" + current.id, { method: "DELETE" });
});

$("random-seed").addEventListener("click", () => {
  $("seed").value = Math.floor(Math.random() * 2 ** 31);
});

$("token-save").addEventListener("click", () => {
  token = $("token").value;
  sessionStorage.setItem("ldm4j-token", token);
  showError("");
  loadCard();
});

loadCard();
