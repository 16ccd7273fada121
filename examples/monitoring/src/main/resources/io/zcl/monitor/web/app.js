// zcl monitor dashboard: renders the whole state on every Server-Sent Event. No build step.
"use strict";

const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c]));

function dur(ms) {
  if (ms == null || ms < 0) return "?";
  if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
  return Math.floor(ms / 60000) + " min " + String(Math.floor(ms / 1000) % 60).padStart(2, "0") + " s";
}

function figure(m) {
  for (const k of ["busbw_gbps", "bw_avg_gbps", "gflops_min"]) {
    if (m && m[k] != null) return k + " " + Number(m[k]).toFixed(1);
  }
  return "";
}

function renderHeader(s) {
  const c = $("#conn");
  const ok = s.monitor && s.monitor.connected;
  c.textContent = ok ? "live" : "not connected";
  c.className = "conn " + (ok ? "ok" : "bad");
  const r = s.run || {};
  $("#runinfo").textContent = r.run_id ? `run ${r.run_id} · ${r.transport} · ${s.cluster}` : (s.cluster || "waiting for a run");
  $("#footer").textContent = `events ${s.monitor ? s.monitor.events : ""} · seq ${s.seq} · snapshots ${s.monitor ? s.monitor.snapshots : 0}`
    + ` · protocol errors ${s.protocol_errors} · journal pending ${s.journal.pending}, lag ${s.journal.last_lag_ms} ms (max ${s.journal.max_lag_ms} ms)`;
}

function renderProgress(s) {
  const p = s.progress;
  const pct = p.groups_total_so_far ? Math.round(100 * p.groups_done / p.groups_total_so_far) : 0;
  $("#bar-fill").style.width = (p.finished ? 100 : pct) + "%";
  $("#bar-text").textContent = `${p.groups_done} / ${p.groups_total_so_far} groups · step ${p.steps_seen} of ${p.steps_planned}` + (p.finished ? " · finished" : "");
  $("#progress-figures").innerHTML =
    `<span>elapsed <b id="elapsed">${dur(p.elapsed_ms)}</b></span><span>ETA <b id="eta">${p.finished ? "done" : dur(p.eta_ms)}</b></span>`
    + `<span>in flight <b>${s.in_flight}</b></span>`;
  $("#steps tbody").innerHTML = s.steps.map((st, i) =>
    `<tr><td>${i + 1}</td><td>${esc(st.test)}</td><td>${esc(st.schedule)}</td><td>${st.done}/${st.total}</td>`
    + `<td>${st.passed}</td><td>${st.failed}</td><td>${st.errors}</td><td>${st.skipped}</td></tr>`).join("");
}

function renderNodes(s) {
  const byLeaf = new Map();
  for (const leaf of s.leaves) byLeaf.set(leaf, []);
  for (const n of s.nodes) {
    const leaf = n.leaf || "(no leaf)";
    if (!byLeaf.has(leaf)) byLeaf.set(leaf, []);
    byLeaf.get(leaf).push(n);
  }
  let html = "";
  for (const [leaf, nodes] of byLeaf) {
    html += `<div class="leaf" data-leaf="${esc(leaf)}"><h3>${esc(leaf)}</h3><div class="cells">`;
    for (const n of nodes) {
      const hb = n.heard_ms_ago >= 0 ? "hb " + dur(n.heard_ms_ago) : "never heard";
      const title = n.view === "lost" ? n.detail : (n.running.length ? "running " + n.running.join(", ") : n.detail);
      html += `<div class="node" data-node="${esc(n.id)}" data-state="${esc(n.view)}" title="${esc(title)}">`
        + `<div class="id">${esc(n.id)}</div><div class="sub">${esc(n.view)}</div><div class="sub">${esc(hb)}</div></div>`;
    }
    html += "</div></div>";
  }
  $("#nodes").innerHTML = html;
}

function colour(v, max, failed) {
  if (failed) return "#d33a2c";
  const t = max > 0 ? Math.max(0, Math.min(1, v / max)) : 0;
  // low = amber, high = green
  const h = 35 + t * 100;
  return `hsl(${h}, 65%, ${48 - t * 8}%)`;
}

// busbw from nccl-tests is in GB/s, ib_write_bw's bandwidth in Gb/s (the tools' own units).
const UNITS = {busbw_gbps: "GB/s", bw_avg_gbps: "Gb/s"};

function renderHeatmaps(s) {
  const tests = Object.keys(s.heatmap);
  if (!tests.length) return;
  let html = "";
  for (const test of tests) {
    const cells = s.heatmap[test];
    const metric = cells.metric;
    const unit = UNITS[metric] || "";
    let max = 0;
    for (const [k, c] of Object.entries(cells)) if (k !== "metric" && c.mean > max) max = c.mean;
    html += `<div class="heatmap" data-test="${esc(test)}"><div><b>${esc(test)}</b> <span class="muted">${esc(metric)}, ${unit}, mean per leaf pair</span></div><table><tr><th></th>`;
    for (const b of s.leaves) html += `<th>${esc(b)}</th>`;
    html += "</tr>";
    for (const a of s.leaves) {
      html += `<tr><th>${esc(a)}</th>`;
      for (const b of s.leaves) {
        const key = a <= b ? a + "|" + b : b + "|" + a;
        const c = cells[key];
        if (!c) { html += `<td class="cell empty"></td>`; continue; }
        html += `<td class="cell${c.failed ? " failed" : ""}" style="background:${colour(c.mean, max, false)}" `
          + `title="${esc(key)}: mean ${c.mean.toFixed(1)}, min ${c.min.toFixed(1)}, ${c.count} results${c.failed ? ", some failed" : ""}">${c.mean.toFixed(1)}</td>`;
      }
      html += "</tr>";
    }
    html += "</table></div>";
  }
  $("#heatmaps").innerHTML = html;
}

function renderResults(s) {
  const counts = Object.entries(s.verdicts).map(([t, v]) => `${t}: ${v.PASS || 0} pass, ${(v.FAIL || 0) + (v.ERROR || 0)} failed`);
  $("#verdict-counts").textContent = counts.join(" · ");
  $("#results tbody").innerHTML = s.results.slice(0, 60).map((r) => {
    const cls = r.verdict.toLowerCase();
    const failed = (r.failed_nodes || []).length ? " (blames " + r.failed_nodes.join(", ") + ")" : "";
    return `<tr class="${cls}" data-key="${esc(r.key)}"><td class="verdict">${esc(r.verdict)}</td><td>${esc(r.test)}</td>`
      + `<td>${esc(r.schedule)}</td><td>${esc(r.nodes.join(", "))}</td><td class="nowrap">${esc(figure(r.metrics))}</td>`
      + `<td class="nowrap">${dur(r.duration_ms)}</td><td class="reason">${esc(r.reason + failed)}</td></tr>`;
  }).join("");
}

let benchShown = "";
function renderBench(s) {
  const charts = (s.monitor && s.monitor.bench_charts) || [];
  const key = charts.join(",");
  if (key === benchShown) return;
  benchShown = key;
  $("#bench-section").hidden = charts.length === 0;
  $("#bench").innerHTML = charts.map((c) => `<img alt="${esc(c)}" src="/bench/${encodeURIComponent(c)}">`).join("");
}

function render(s) {
  renderHeader(s);
  renderProgress(s);
  renderNodes(s);
  renderHeatmaps(s);
  renderResults(s);
  renderBench(s);
  document.body.dataset.seq = s.seq;
}

function connect() {
  const es = new EventSource("/events");
  es.addEventListener("state", (e) => render(JSON.parse(e.data)));
  es.onerror = () => {
    const c = $("#conn");
    c.textContent = "monitor unreachable, retrying";
    c.className = "conn bad";
  };
}

fetch("/api/state").then((r) => r.json()).then(render).catch(() => {});
connect();
