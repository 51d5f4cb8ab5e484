// Jano's page: plain DOM; every user-supplied text reaches the document through textContent or attributes, never as markup.
"use strict";
const $ = (id) => document.getElementById(id);
const state = { models: [], live: null, source: null, seen: new Set(), lastJobs: "" };

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "text") e.textContent = v; else if (k === "on") for (const [ev, f] of Object.entries(v)) e.addEventListener(ev, f);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

async function api(path, options) {
  const init = Object.assign({ credentials: "same-origin", headers: {} }, options || {});
  if (init.body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(init.body); }
  const r = await fetch(path, init);
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) { const err = new Error((data && data.error) || r.statusText); err.status = r.status; throw err; }
  return data;
}

async function start() {
  try { await api("/api/session"); } catch (e) { if (e.status === 401) { $("login").hidden = false; return; } throw e; }
  $("app").hidden = false;
  state.models = await api("/api/models");
  const accels = await api("/api/accelerators");
  for (const m of state.models) $("f-model").append(el("option", { value: m.name, text: m.name }));
  for (const a of accels) $("f-accel").append(el("option", { value: a.name, text: a.name, title: a.description }));
  $("f-model").addEventListener("change", fillDefaults);
  $("f-go").addEventListener("click", submit);
  $("f-png").addEventListener("change", settingsFromPng);
  $("f-jano").addEventListener("click", () => { const m = model(); $("f-accel").value = "jano"; $("f-options").value = m && m.jano_preset || ""; });
  fillDefaults();
  refresh();
  setInterval(refresh, 1500);
}

function model() { return state.models.find((m) => m.name === $("f-model").value); }

function fillDefaults() {
  const m = model();
  if (!m) return;
  $("f-steps").value = m.steps ?? "";
  $("f-size").value = m.width ? `${m.width}x${m.height}` : "";
  $("f-frames").value = m.frames ?? "";
  $("f-frames").disabled = m.frames === 1;
  const list = $("f-prompts");
  list.replaceChildren(...(m.prompts || []).map((p) => el("option", { value: p })));
  if (m.prompts && !m.prompts.includes($("f-prompt").value)) $("f-prompt").value = m.prompts[0];
  $("f-preset").textContent = m.jano_preset ? `Jano preset for ${m.name}: ${m.jano_preset}` : "";
}

function formBody() {
  const m = model();
  const body = { model: $("f-model").value, prompt: $("f-prompt").value, accel: $("f-accel").value, compare: $("f-compare").checked };
  const num = (id) => $(id).value === "" ? undefined : Number($(id).value);
  if ($("f-seeds").value.trim()) body.seeds = $("f-seeds").value.split(",").map((s) => Number(s.trim()));
  else if ($("f-seed").value !== "") body.seed = num("f-seed");
  const steps = num("f-steps"); if (steps !== undefined && (!m || steps !== m.steps)) body.steps = steps;
  const size = $("f-size").value.trim();
  if (size && (!m || size !== `${m.width}x${m.height}`)) { const [w, h] = size.toLowerCase().split("x").map(Number); body.width = w; body.height = h; }
  const frames = num("f-frames"); if (frames !== undefined && !$("f-frames").disabled && (!m || frames !== m.frames)) body.frames = frames;
  if ($("f-options").value.trim()) body.accel_options = $("f-options").value.trim();
  return body;
}

async function submit() {
  $("f-error").textContent = "";
  try { const jobs = await api("/api/jobs", { method: "POST", body: formBody() }); follow(jobs[0]); refresh(); }
  catch (e) { $("f-error").textContent = e.message; }
}

function rerun(job) { fillForm(job.spec); }

function fillForm(s) {
  $("f-model").value = s.model; fillDefaults();
  $("f-prompt").value = s.prompt; $("f-seed").value = s.seed; $("f-seeds").value = "";
  if (s.steps) $("f-steps").value = s.steps;
  if (s.width) $("f-size").value = `${s.width}x${s.height}`;
  if (s.frames) $("f-frames").value = s.frames;
  $("f-accel").value = s.accel; $("f-options").value = s.accel_options || ""; $("f-compare").checked = !!s.compare;
  $("submit").scrollIntoView();
}

// Settings from an output PNG: outputs carry their job's spec as JSON (UTF-8) in an iTXt chunk named "jano-settings".
const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const SETTINGS_KEYWORD = "jano-settings";
const ascii = (bytes) => String.fromCharCode(...bytes);

function pngSettings(buffer) {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) throw new Error("not a PNG file");
  const view = new DataView(buffer);
  for (let pos = 8; pos + 12 <= bytes.length;) {
    const length = view.getUint32(pos);
    if (length > bytes.length - pos - 12) throw new Error("the PNG file is truncated");
    const type = ascii(bytes.subarray(pos + 4, pos + 8));
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    const end = data.indexOf(0);
    if (type === "iTXt" && end > 0 && ascii(data.subarray(0, end)) === SETTINGS_KEYWORD) {
      // keyword NUL, compression flag, compression method, language tag NUL, translated keyword NUL, text
      if (data.length < end + 5) throw new Error("its jano-settings chunk is malformed");
      if (data[end + 1] !== 0) throw new Error("its jano-settings chunk is compressed, which this page does not read");
      const lang = data.indexOf(0, end + 3), translated = lang < 0 ? -1 : data.indexOf(0, lang + 1);
      if (translated < 0) throw new Error("its jano-settings chunk is malformed");
      let text, spec;
      try { text = new TextDecoder("utf-8", { fatal: true }).decode(data.subarray(translated + 1)); }
      catch { throw new Error("its settings are not valid UTF-8"); }
      try { spec = JSON.parse(text); } catch { throw new Error("its settings are not valid JSON"); }
      if (!spec || typeof spec !== "object" || typeof spec.model !== "string" || typeof spec.prompt !== "string")
        throw new Error("its settings name no model and prompt");
      return spec;
    }
    if (type === "IEND") break;
    pos += 12 + length;
  }
  throw new Error("this PNG carries no Jano settings (no jano-settings text chunk)");
}

async function settingsFromPng() {
  const input = $("f-png"), file = input.files && input.files[0];
  $("f-png-error").textContent = "";
  if (!file) return;
  try {
    const spec = pngSettings(await file.arrayBuffer());
    if (!state.models.some((m) => m.name === spec.model)) throw new Error(`its model '${spec.model}' is not held by this server`);
    fillForm(spec);
  } catch (e) { $("f-png-error").textContent = `${file.name}: ${e.message}`; }
  finally { input.value = ""; }
}

async function refresh() {
  let jobs, workers;
  try { [jobs, workers] = await Promise.all([api("/api/jobs?limit=100"), api("/api/workers")]); $("status").textContent = ""; }
  catch (e) { $("status").textContent = `server: ${e.message}`; return; }
  renderWorkers(workers);
  const key = JSON.stringify(jobs.map((j) => [j.id, j.state, j.worker]));
  const running = jobs.find((j) => j.state === "running");
  if (running && !state.live) follow(running);
  if (key === state.lastJobs) return;
  state.lastJobs = key;
  renderQueue(jobs.filter((j) => j.state === "queued" || j.state === "running"));
  renderGallery(jobs.filter((j) => j.state === "done" || j.state === "failed" || j.state === "cancelled"));
}

function renderWorkers(workers) {
  const now = Date.now();
  $("workers").tBodies[0].replaceChildren(...workers.map((w) => el("tr", {},
    el("td", { text: w.id }), el("td", { text: w.host }), el("td", { text: w.models.join(", ") }),
    el("td", { text: `${Math.max(0, Math.round((now - w.heartbeat_ms) / 1000))} s ago` }), el("td", { text: w.job || "" }))));
}

function renderQueue(jobs) {
  $("queue").tBodies[0].replaceChildren(...jobs.map((j) => el("tr", { "data-job": j.id },
    el("td", { text: j.id }), el("td", { text: j.model }), el("td", { text: j.spec.prompt }), el("td", { text: String(j.spec.seed) }),
    el("td", { text: j.spec.accel + (j.spec.compare ? " (compare)" : "") }), el("td", { text: j.state + (j.cancel_requested ? " (cancelling)" : "") }),
    el("td", { text: j.worker || "" }),
    el("td", {},
      j.state === "queued" ? el("button", { type: "button", text: "first", on: { click: () => api("/api/queue/order", { method: "POST", body: { ids: [j.id] } }).then(refresh) } }) : null,
      el("button", { type: "button", text: "cancel", on: { click: () => api(`/api/jobs/${j.id}/cancel`, { method: "POST" }).then(refresh) } })))));
}

const fmt = (v, d) => v == null ? "n/a" : Number(v).toFixed(d);

function renderGallery(jobs) {
  $("gallery").replaceChildren(...jobs.map((j) => {
    const card = el("div", { class: "card", "data-job": j.id });
    card.append(el("div", { text: `${j.id}  ${j.model}  "${j.spec.prompt}"  seed ${j.spec.seed}  ${j.spec.accel}  ${j.state}` }));
    if (j.error) card.append(el("div", { class: "error", text: j.error }));
    if (j.state === "done" && j.result) {
      const r = j.result, out = (n) => `/api/jobs/${j.id}/outputs/${n}`;
      const pair = el("div", { class: "pair" });
      if (r.outputs.includes("baseline.png")) pair.append(el("figure", {}, el("img", { src: out("baseline.png"), alt: "full compute", class: "baseline" }), el("figcaption", { text: `full compute, ${fmt(r.baseline_latency_s, 3)} s` })));
      pair.append(el("figure", {}, el("img", { src: out("output.png"), alt: "output", class: "output" }), el("figcaption", { text: `${j.spec.accel}, ${fmt(r.latency_s, 3)} s` })));
      if (r.outputs.includes("levels.png")) pair.append(el("figure", {}, el("img", { src: out("levels.png"), alt: "level map", class: "levels" }), el("figcaption", { text: "Jano's levels: blue static, amber moderate, red active" })));
      card.append(pair);
      const figs = el("div", { class: "figures" });
      if (r.speedup != null) figs.append(el("b", { text: `speedup ${fmt(r.speedup, 2)}x` }), el("b", { text: r.identical ? "identical" : `PSNR ${fmt(r.psnr, 2)} dB` }), el("b", { text: `SSIM ${fmt(r.ssim, 4)}` }));
      figs.append(el("span", { text: `tokens computed ${fmt(r.computed_token_fraction * 100, 1)}%` }));
      card.append(figs);
      const links = el("div", {});
      for (const n of r.outputs) links.append(el("a", { href: out(n), text: n, download: n }), " ");
      card.append(links);
    }
    card.append(el("div", {}, el("button", { type: "button", text: "rerun with other settings", on: { click: () => rerun(j) } }), " ",
      el("button", { type: "button", text: "delete", on: { click: () => api(`/api/jobs/${j.id}`, { method: "DELETE" }).then(refresh).catch((e) => { $("f-error").textContent = e.message; }) } })));
    return card;
  }));
}

function follow(job) {
  if (state.source) state.source.close();
  state.live = job.id; state.seen = new Set();
  $("live-steps").replaceChildren(); $("live-levels-box").hidden = true; $("live-levels").removeAttribute("src");
  $("live-preview-box").hidden = true; $("live-preview").removeAttribute("src");
  const src = new EventSource(`/api/jobs/${job.id}/events`);
  state.source = src;
  src.addEventListener("job", (ev) => {
    const j = JSON.parse(ev.data);
    $("live-job").textContent = `${j.id}: ${j.model} "${j.spec.prompt}" seed ${j.spec.seed}, ${j.spec.accel}, ${j.state}`;
    const p = j.progress;
    if (p) {
      $("live-bar").max = Math.max(1, p.steps); $("live-bar").value = p.step;
      $("live-info").textContent = `${p.phase}: step ${p.step}/${p.steps}${p.step_phase ? ` (${p.step_phase})` : ""}${p.level ? `, level ${p.level}` : ""}${p.tokens != null ? `, ${p.tokens} tokens` : ""}, ${fmt(p.elapsed_s, 2)} s`;
      if (p.level_map && $("live-levels").getAttribute("src") !== p.level_map) { $("live-levels").src = p.level_map; $("live-levels-box").hidden = false; }
      if (p.preview && $("live-preview").getAttribute("src") !== p.preview) {
        $("live-preview").src = p.preview; $("live-preview-box").hidden = false;
      }
      const key = `${p.phase}#${p.step}`;
      if (p.step > 0 && !state.seen.has(key)) {
        state.seen.add(key);
        $("live-steps").append(el("span", { class: p.level || "", title: `${p.phase} step ${p.step}`, text: p.level || String(p.step) }));
      }
    }
    if (["done", "failed", "cancelled"].includes(j.state)) {
      src.close(); state.source = null; state.live = null;
      $("live-info").textContent = j.state === "done" ? `finished in ${fmt(j.result && j.result.latency_s, 3)} s` : `${j.state}: ${j.error || ""}`;
      refresh();
    }
  });
}

$("login-go").addEventListener("click", async () => {
  try { await api("/api/login", { method: "POST", body: { token: $("token").value } }); $("login").hidden = true; start(); }
  catch (e) { $("login-error").textContent = e.message; }
});

start().catch((e) => { $("status").textContent = e.message; });
