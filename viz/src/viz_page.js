// faultline's trace page: one run of a distributed protocol, drawn from its trace.
//
// What you see, top to bottom:
//   - a lane per node, time running to the right, coloured by the node's state (for Raft:
//     follower, candidate, leader, with the term); dark spans where a node was down or
//     paused, purple bands while the network was partitioned, small marks for clock
//     changes and restarts;
//   - an arrow per message from its send to its delivery; a red x where one was dropped,
//     dashed arrows for copies the network duplicated;
//   - the client history: a bar per operation from invocation to completion, blue when it
//     succeeded, grey when it failed, orange when its outcome is unknown;
//   - a cursor (the black line) you step through the run event by event (buttons or the
//     arrow keys); below, the event it is on, the message's fields, every node's state at
//     that moment, and the events around it.
// "Why it broke" keeps only the events that happen before the violation (along each
// node's own order and along messages): nothing else could have caused it.
//
// The data comes from `faultline viz` as JSON in the page (columns of numbers), built from
// the trace alone; this script only draws it, and only what is in view.
'use strict';

const parseStart = performance.now();
const D = JSON.parse(document.getElementById('faultline-data').textContent);
const parseMs = performance.now() - parseStart;  // reported in the summary, with load_ms
const E = D.events;
const A = D.arrows;
const N = E.t.length;
const KIND = Object.fromEntries(E.kinds.map((name, i) => [name, i]));

// ---- Layout (CSS pixels) -------------------------------------------------------------
const GUTTER = 96;       // node names on the left
const RIGHT_PAD = 14;
const AXIS_H = 28;       // time axis on top
const LANE_H = 28;
const LANE_GAP = 6;
const HISTORY_GAP = 40;  // between the lanes and the history
const OP_H = 12;         // one history row per client process
const MIN_WINDOW_NS = 2000;
const CROWDED_ARROWS = 400;  // more arrows in view than this: drawn faint

const MESSAGE_COLOURS = ['#1f5fa8', '#2e8540', '#8a4fbf', '#b35900', '#00838f', '#6d4c41',
                         '#c2185b', '#455a64', '#5c6bc0', '#7cb342'];
const OUTCOME_COLOURS = { ok: '#cfe0f7', fail: '#e2e2e2', info: '#fbdcb0' };
const FATE = { delivered: 0, dropped: 1, in_flight: 2 };

// ---- Page state ----------------------------------------------------------------------
const ui = {
  t0: D.initial.from,
  t1: Math.max(D.initial.to, D.initial.from + MIN_WINDOW_NS),
  cursor: -1,                               // event position, -1: before the first
  hiddenNodes: new Set(D.initial.hidden_nodes),
  hiddenTypes: new Set(),                   // message type indices
  kinds: D.initial.kinds,                   // bit k: kind k is stepped through and listed
  slice: null,                              // { finding, inPast: Uint8Array, frontier: [] }
  width: 800,
  height: 400,
};
const stats = {};  // what the last drawing drew, for the summary the tests read

// ---- Small helpers -------------------------------------------------------------------
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child != null) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// First index i in [0, n) with key(i) >= value (key non-decreasing in i).
function lowerBound(n, value, key) {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(mid) < value) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// Exact simulated time, as the terminal view prints it: 1.422108906s.
function exactTime(ns) {
  const s = Math.floor(ns / 1e9), frac = String(ns % 1e9).padStart(9, '0').replace(/0+$/, '');
  return frac ? `${s}.${frac}s` : `${s}s`;
}

function shortTime(ns, step) {
  if (step >= 1e9) return (ns / 1e9).toFixed(0) + 's';
  if (step >= 1e6) return (ns / 1e9).toFixed(Math.max(0, 9 - Math.floor(Math.log10(step)))) + 's';
  if (step >= 1e3) return (ns / 1e6).toFixed(Math.max(0, 6 - Math.floor(Math.log10(step)))) + 'ms';
  return ns + 'ns';
}

function nodeName(node) { return node >= 0 ? D.nodes[node].name : 'network'; }

// ---- Indexes built once --------------------------------------------------------------
const eventsOfNode = D.nodes.map(() => []);
for (let pos = 0; pos < N; pos++) if (E.node[pos] >= 0) eventsOfNode[E.node[pos]].push(pos);

const segmentsOfLane = D.nodes.map(() => []);
for (const seg of D.segments) segmentsOfLane[seg[0]].push(seg);

// Arrows come in send order, which is time order. Most are short, so a window search
// starts a little before the view; the few long ones (still in flight at the end, or
// held back for seconds) are checked every time.
const arrowCount = A.t0.length;
const LONG_NS = Math.max(1, D.end / 40);
const longArrows = [];
let shortMaxNs = 0;
for (let k = 0; k < arrowCount; k++) {
  const span = A.t1[k] - A.t0[k];
  if (span > LONG_NS) longArrows.push(k); else shortMaxNs = Math.max(shortMaxNs, span);
}

const processes = [...new Set(D.history.ops.map((op) => op[0]))].sort((a, b) => a - b);
const processRow = new Map(processes.map((p, row) => [p, row]));
// The client node that ran each process's operations (a client that timed out or
// restarted goes on as a new process), for the row labels.
const processNode = new Map();
D.history.ops.forEach((op) => { if (op[1] >= 0 && !processNode.has(op[0])) processNode.set(op[0], op[1]); });
const stuckOp = D.history.stuck_op;
const candidateOps = new Set(D.history.candidates);

// Annotation keys in a stable order: the colouring key, the label keys, then the rest.
const stateKeys = (() => {
  const all = new Set();
  for (const keys of D.annotations) for (const key of Object.keys(keys)) all.add(key);
  const first = [D.style.colour_key, ...D.style.label_keys].filter((k) => all.has(k));
  return [...first, ...[...all].filter((k) => !first.includes(k)).sort()];
})();

// ---- What is visible -----------------------------------------------------------------
function laneShown(node) { return !ui.hiddenNodes.has(node); }

function eventShown(pos) {
  if (!(ui.kinds & (1 << E.kind[pos]))) return E.kind[pos] === KIND.finding;
  const node = E.node[pos];
  if (node >= 0 && !laneShown(node)) return false;
  const arrow = E.arrow[pos];
  if (arrow >= 0 && ui.hiddenTypes.has(A.msg[arrow])) return false;
  return !ui.slice || ui.slice.inPast[pos] === 1;
}

function arrowShown(k) {
  return laneShown(A.from[k]) && laneShown(A.to[k]) && !ui.hiddenTypes.has(A.msg[k]);
}

// In the causal past of the violation: delivered, and delivered before it.
function arrowInPast(k) { return A.end[k] >= 0 && ui.slice.inPast[A.end[k]] === 1; }

function lanes() { return D.nodes.map((_, i) => i).filter(laneShown); }

// ---- Geometry ------------------------------------------------------------------------
function layout() {
  const shown = lanes();
  const laneY = new Map(shown.map((node, row) => [node, AXIS_H + row * (LANE_H + LANE_GAP)]));
  const lanesBottom = AXIS_H + shown.length * (LANE_H + LANE_GAP);
  const historyTop = lanesBottom + HISTORY_GAP;
  return { shown, laneY, lanesBottom, historyTop,
           height: historyTop + Math.max(1, processes.length) * OP_H + 12 };
}
let geo = layout();

function x(t) { return GUTTER + (t - ui.t0) * (ui.width - GUTTER - RIGHT_PAD) / (ui.t1 - ui.t0); }
function timeAt(px) { return ui.t0 + (px - GUTTER) * (ui.t1 - ui.t0) / (ui.width - GUTTER - RIGHT_PAD); }
function laneMid(node) { return geo.laneY.get(node) + LANE_H / 2; }

// ---- Drawing -------------------------------------------------------------------------
const canvas = el('canvas');
const ctx = canvas.getContext('2d');

function resizeCanvas() {
  geo = layout();
  ui.width = Math.max(640, document.getElementById('canvas-box').clientWidth);
  ui.height = geo.height;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(ui.width * dpr);
  canvas.height = Math.round(ui.height * dpr);
  canvas.style.width = ui.width + 'px';
  canvas.style.height = ui.height + 'px';
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
}

function drawAxis() {
  const target = (ui.t1 - ui.t0) / 10;
  const power = Math.pow(10, Math.floor(Math.log10(Math.max(1, target))));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= target);
  ctx.fillStyle = '#555';
  ctx.strokeStyle = '#eee';
  ctx.font = '11px sans-serif';
  ctx.textAlign = 'center';
  for (let t = Math.ceil(ui.t0 / step) * step; t <= ui.t1; t += step) {
    const px = x(t);
    ctx.beginPath();
    ctx.moveTo(px, AXIS_H - 6);
    ctx.lineTo(px, ui.height);
    ctx.stroke();
    ctx.fillText(shortTime(t, step), px, AXIS_H - 10);
  }
}

function drawLanes() {
  ctx.textAlign = 'left';
  stats.lanes = 0;
  for (const node of geo.shown) {
    const y = geo.laneY.get(node);
    const segs = segmentsOfLane[node];
    const first = lowerBound(segs.length, ui.t0, (i) => segs[i][2]);
    ctx.font = '11px sans-serif';
    for (let i = first; i < segs.length && segs[i][1] <= ui.t1; i++) {
      const [, t0, t1, , , label, colour] = segs[i];
      const x0 = Math.max(GUTTER, x(t0)), x1 = Math.min(ui.width - RIGHT_PAD, x(t1));
      ctx.fillStyle = colour;
      ctx.fillRect(x0, y, Math.max(1, x1 - x0), LANE_H);
      if (label && x1 - x0 > ctx.measureText(label).width + 8) {
        ctx.fillStyle = '#333';
        ctx.fillText(label, x0 + 4, y + 11);
      }
    }
    ctx.fillStyle = '#222';
    ctx.font = 'bold 12px sans-serif';
    ctx.fillText(D.nodes[node].name, 6, y + 13);
    ctx.font = '10px sans-serif';
    ctx.fillStyle = '#777';
    ctx.fillText(D.nodes[node].role, 6, y + 25);
    stats.lanes++;
  }
}

function drawBands() {
  ctx.font = '10px sans-serif';
  ctx.textAlign = 'left';
  D.bands.forEach(([kind, t0, t1, , , what], index) => {
    if (t1 < ui.t0 || t0 > ui.t1) return;
    const x0 = Math.max(GUTTER, x(t0)), x1 = Math.min(ui.width - RIGHT_PAD, x(t1));
    ctx.fillStyle = kind === 'partition' ? 'rgba(130, 70, 200, 0.16)' : 'rgba(40, 140, 200, 0.08)';
    ctx.fillRect(x0, AXIS_H - 4, Math.max(2, x1 - x0), geo.lanesBottom - AXIS_H);
    if (kind === 'partition') {  // labels on two rows, so neighbours do not overlap
      ctx.fillStyle = '#6a3fb0';
      ctx.fillText(what, x0 + 2, geo.lanesBottom + 9 + (index % 2) * 10);
    }
  });
}

function drawSpans() {
  for (const [lane, kind, t0, t1] of D.spans) {
    if (!laneShown(lane) || t1 < ui.t0 || t0 > ui.t1) continue;
    const y = geo.laneY.get(lane);
    const x0 = Math.max(GUTTER, x(t0)), x1 = Math.min(ui.width - RIGHT_PAD, x(t1));
    ctx.fillStyle = kind === 'down' ? 'rgba(60, 20, 20, 0.78)' : 'rgba(235, 140, 30, 0.7)';
    ctx.fillRect(x0, y + 4, Math.max(2, x1 - x0), LANE_H - 8);
    if (x1 - x0 > 40) {
      ctx.fillStyle = '#fff';
      ctx.font = 'bold 10px sans-serif';
      ctx.fillText(kind === 'down' ? 'DOWN' : 'PAUSED', x0 + 4, y + LANE_H / 2 + 4);
    }
  }
}

// Arrows are gathered into one path per look (colour, dashes), then stroked once each:
// tens of thousands of arrows draw in a few milliseconds.
function visibleArrows(visit) {
  const start = lowerBound(arrowCount, ui.t0 - shortMaxNs, (k) => A.t0[k]);
  for (let k = start; k < arrowCount && A.t0[k] <= ui.t1; k++) {
    if (A.t1[k] - A.t0[k] <= LONG_NS && A.t1[k] >= ui.t0) visit(k);
  }
  for (const k of longArrows) if (A.t1[k] >= ui.t0 && A.t0[k] <= ui.t1) visit(k);
}

function arrowEnds(k) {
  const x0 = x(A.t0[k]), y0 = laneMid(A.from[k]);
  let x1 = x(A.t1[k]), y1 = laneMid(A.to[k]);
  if (A.fate[k] === FATE.dropped && A.t1[k] === A.t0[k]) {
    // Dropped as it was sent (lost, partitioned): a stub toward the receiver.
    x1 = x0 + 10;
    y1 = y0 + (y1 - y0) * 0.35;
  }
  return [x0, y0, x1, y1];
}

function addArrow(path, heads, k, crowded) {
  const [x0, y0, x1, y1] = arrowEnds(k);
  path.moveTo(x0, y0);
  path.lineTo(x1, y1);
  if (A.fate[k] === FATE.dropped) {
    heads.moveTo(x1 - 4, y1 - 4); heads.lineTo(x1 + 4, y1 + 4);
    heads.moveTo(x1 - 4, y1 + 4); heads.lineTo(x1 + 4, y1 - 4);
    return;
  }
  const len = Math.hypot(x1 - x0, y1 - y0);
  if (crowded || len < 9 || A.fate[k] !== FATE.delivered) return;
  const ux = (x1 - x0) / len, uy = (y1 - y0) / len;
  heads.moveTo(x1, y1);
  heads.lineTo(x1 - 7 * ux + 3 * uy, y1 - 7 * uy - 3 * ux);
  heads.moveTo(x1, y1);
  heads.lineTo(x1 - 7 * ux - 3 * uy, y1 - 7 * uy + 3 * ux);
}

function drawArrows() {
  const looks = new Map();  // "colour|dash" -> { path, heads }
  const look = (colour, dash) => {
    const key = colour + '|' + dash;
    if (!looks.has(key)) looks.set(key, { colour, dash, path: new Path2D(), heads: new Path2D() });
    return looks.get(key);
  };
  Object.assign(stats, { arrows: 0, drops: 0, duplicates: 0, dimmed: 0 });
  // Zoomed out over thousands of messages, arrows are a haze over the lanes: drawn faint
  // and without heads, so the states stay readable (drops stay bold).
  let inView = 0;
  visibleArrows((k) => { if (arrowShown(k)) inView++; });
  const crowded = inView > CROWDED_ARROWS;
  visibleArrows((k) => {
    if (!arrowShown(k)) return;
    let colour = MESSAGE_COLOURS[A.msg[k] % MESSAGE_COLOURS.length];
    let dash = A.duplicate[k] ? '4,3' : '';
    if (A.fate[k] === FATE.dropped) { colour = '#d62020'; dash = '3,3'; stats.drops++; }
    if (A.duplicate[k]) stats.duplicates++;
    if (ui.slice && !arrowInPast(k)) { colour = 'rgba(160,160,160,0.25)'; stats.dimmed++; }
    const l = look(colour, dash);
    addArrow(l.path, l.heads, k, crowded);
    stats.arrows++;
  });
  ctx.lineWidth = 1;
  for (const l of looks.values()) {
    ctx.globalAlpha = crowded && l.colour !== '#d62020' ? 0.22 : 1;
    ctx.strokeStyle = l.colour;
    ctx.setLineDash(l.dash ? l.dash.split(',').map(Number) : []);
    ctx.stroke(l.path);
    ctx.setLineDash([]);
    ctx.lineWidth = 1.5;
    ctx.stroke(l.heads);
    ctx.lineWidth = 1;
  }
  ctx.globalAlpha = 1;
}

const MARKER_COLOURS = { clock: '#1f78d1', restart: '#2e8540', violation: '#d00000',
                         error: '#d00000', log: '#999' };
function drawMarkers() {
  stats.markers = 0;
  for (const [lane, kind, t] of D.markers) {
    if (t < ui.t0 || t > ui.t1 || (lane >= 0 && !laneShown(lane))) continue;
    const px = x(t);
    ctx.fillStyle = ctx.strokeStyle = MARKER_COLOURS[kind];
    if (kind === 'violation' || kind === 'error') {
      ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(px, AXIS_H - 4); ctx.lineTo(px, ui.height); ctx.stroke();
      ctx.lineWidth = 1;
    }
    const y = lane >= 0 ? geo.laneY.get(lane) : AXIS_H - 8;
    ctx.beginPath();  // a small triangle hanging from the lane's top edge
    ctx.moveTo(px - 5, y); ctx.lineTo(px + 5, y); ctx.lineTo(px, y + 8); ctx.closePath();
    ctx.fill();
    stats.markers++;
  }
}

function drawHistory() {
  const top = geo.historyTop;
  ctx.fillStyle = '#222';
  ctx.font = 'bold 12px sans-serif';
  ctx.textAlign = 'left';
  ctx.fillText('history', 6, top - 8);
  ctx.font = '11px sans-serif';
  ctx.fillText(historyHeadline(), GUTTER, top - 8);
  stats.ops = 0;
  D.history.ops.forEach((op, index) => {
    const [process, , t0, t1, invoke, , outcome, text] = op;
    if (t1 < ui.t0 || t0 > ui.t1) return;
    const y = top + processRow.get(process) * OP_H;
    const x0 = Math.max(GUTTER, x(t0)), x1 = Math.min(ui.width - RIGHT_PAD, x(t1));
    const dim = ui.slice && invoke >= 0 && !ui.slice.inPast[invoke];
    ctx.globalAlpha = dim ? 0.25 : 1;
    ctx.fillStyle = OUTCOME_COLOURS[outcome] || '#eee';
    ctx.fillRect(x0, y, Math.max(2, x1 - x0), OP_H - 2);
    if (index === stuckOp || candidateOps.has(index)) {
      ctx.strokeStyle = '#cc0000';
      ctx.lineWidth = index === stuckOp ? 2 : 1;
      ctx.setLineDash(index === stuckOp ? [] : [3, 2]);
      ctx.strokeRect(x0, y, Math.max(2, x1 - x0), OP_H - 2);
      ctx.setLineDash([]);
      ctx.lineWidth = 1;
    }
    if (x1 - x0 > 60) {
      ctx.fillStyle = '#333';
      ctx.font = '9px monospace';
      ctx.fillText(text.slice(0, Math.floor((x1 - x0) / 5.5)), x0 + 2, y + 8);
    }
    ctx.globalAlpha = 1;
    stats.ops++;
  });
  processes.forEach((p, row) => {
    ctx.fillStyle = '#777';
    ctx.font = '9px sans-serif';
    const node = processNode.get(p);
    ctx.fillText('process ' + p + (node !== undefined ? ' (' + nodeName(node) + ')' : ''), 6, top + row * OP_H + 9);
  });
}

// Beyond what each node could know at the violation (its latest event in the causal
// past), its lane is washed out.
function drawSliceShade() {
  if (!ui.slice) return;
  ctx.fillStyle = 'rgba(255, 255, 255, 0.72)';
  for (const node of geo.shown) {
    const frontier = ui.slice.frontier[node];
    const from = frontier < 0 ? ui.t0 : Math.max(ui.t0, E.t[frontier]);
    if (from >= ui.t1) continue;
    const x0 = Math.max(GUTTER, x(from));
    ctx.fillRect(x0, geo.laneY.get(node), ui.width - RIGHT_PAD - x0, LANE_H);
  }
}

function drawCursor() {
  if (ui.cursor < 0) return;
  const t = E.t[ui.cursor];
  if (t < ui.t0 || t > ui.t1) return;
  const px = x(t);
  ctx.strokeStyle = '#000';
  ctx.lineWidth = 1.5;
  ctx.beginPath(); ctx.moveTo(px, AXIS_H - 4); ctx.lineTo(px, ui.height); ctx.stroke();
  const arrow = E.arrow[ui.cursor];
  if (arrow >= 0 && arrowShown(arrow)) {
    const [x0, y0, x1, y1] = arrowEnds(arrow);
    ctx.lineWidth = 3;
    ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
  }
  const node = E.node[ui.cursor];
  if (node >= 0 && laneShown(node)) {
    ctx.fillStyle = '#000';
    ctx.beginPath(); ctx.arc(px, laneMid(node), 4, 0, 2 * Math.PI); ctx.fill();
  }
  ctx.lineWidth = 1;
}

function draw() {
  ctx.clearRect(0, 0, ui.width, ui.height);
  drawAxis();
  drawLanes();
  drawBands();
  drawSpans();
  drawSliceShade();
  ctx.save();
  ctx.beginPath();
  ctx.rect(GUTTER, 0, ui.width - GUTTER - RIGHT_PAD, ui.height);
  ctx.clip();  // arrows that start before the view end at its edge
  drawArrows();
  drawMarkers();
  drawCursor();
  ctx.restore();
  drawHistory();
}

// ---- Panels: the event at the cursor, every node's state, the events around it -------
function historyHeadline() {
  const h = D.history;
  const ops = `${h.ops.length} operations`;
  if (h.verdict === 'linearizable') return `${ops}, model ${h.model}: linearizable`;
  if (h.verdict === 'not_linearizable') {
    return `${ops}, model ${h.model}: NOT linearizable — the op outlined in red could not be ` +
           'placed; dashed: the ops that could have come next';
  }
  return `${ops}: ${h.verdict}${h.explanation ? ' (' + h.explanation.split('\n')[0] + ')' : ''}`;
}

function valueAt(node, key, pos) {
  const column = D.annotations[node][key];
  if (!column) return null;
  const i = lowerBound(column.at.length, pos + 1, (k) => column.at[k]) - 1;
  return i < 0 ? null : { value: column.value[i], changedHere: column.at[i] === pos };
}

function statusAt(node, pos) {
  for (const [lane, kind, , , begin, end] of D.spans) {
    if (lane === node && begin <= pos && (end < 0 || pos < end)) return kind;
  }
  return 'up';
}

function eventPanel(pos) {
  const box = el('div', {});
  if (pos < 0) {
    box.append(el('p', {}, 'Before the first event. Step forward with → or the ▶ button.'));
    return box;
  }
  box.append(el('p', {}, el('b', {}, `event ${pos} `),
                `at ${exactTime(E.t[pos])} on ${nodeName(E.node[pos])} (${E.types[E.type[pos]]})`));
  box.append(el('pre', {}, E.text[pos]));
  const arrow = E.arrow[pos];
  if (arrow >= 0) box.append(messagePanel(arrow));
  const op = D.history.ops.findIndex((o) => o[4] === pos || o[5] === pos);
  if (op >= 0) box.append(el('p', {}, 'operation: ' + D.history.ops[op][7]));
  return box;
}

function messagePanel(k) {
  const fate = A.fate[k] === FATE.delivered
    ? `delivered at ${exactTime(A.t1[k])} (after ${exactTime(A.t1[k] - A.t0[k])})`
    : A.fate[k] === FATE.dropped ? `dropped at ${exactTime(A.t1[k])}: ${A.reason[k]}`
    : 'still in flight when the run ended';
  const box = el('div', {},
    el('p', {}, `${A.types[A.msg[k]]} #${A.id[k]} from ${nodeName(A.from[k])} to ` +
                `${nodeName(A.to[k])}${A.duplicate[k] ? ' (a copy the network made)' : ''}: ` +
                `sent at ${exactTime(A.t0[k])}, ${fate}`));
  if (A.body[k] !== null) box.append(el('pre', {}, JSON.stringify(A.body[k], null, 1)));
  else box.append(el('p', { class: 'keys' }, 'message fields are in traces written with --trace'));
  return box;
}

function statePanel(pos) {
  const head = el('tr', {}, el('th', {}, 'node'), el('th', {}, 'status'),
                  ...stateKeys.map((k) => el('th', {}, k)));
  const table = el('table', { class: 'state', id: 'state-table' }, head);
  for (const node of lanes()) {
    const status = pos < 0 ? 'up' : statusAt(node, pos);
    const row = el('tr', { class: status === 'up' ? '' : 'down' },
                   el('td', {}, D.nodes[node].name), el('td', {}, status));
    for (const key of stateKeys) {
      const v = pos < 0 ? null : valueAt(node, key, pos);
      row.append(el('td', { class: v && v.changedHere ? 'changed' : '' }, v ? v.value : ''));
    }
    table.append(row);
  }
  return table;
}

function nearbyPanel(pos) {
  const list = el('ol', { class: 'nearby' });
  const before = [], after = [];
  for (let p = pos - 1; p >= 0 && before.length < 6; p--) if (eventShown(p)) before.unshift(p);
  for (let p = Math.max(pos, 0); p < N && after.length < 10; p++) {
    if (p === pos || eventShown(p)) after.push(p);
  }
  for (const p of [...before, ...after]) {
    const line = `${exactTime(E.t[p]).padStart(13)} ${nodeName(E.node[p]).padEnd(7)} ${E.text[p]}`;
    list.append(el('li', { class: p === pos ? 'current' : '', onclick: () => goTo(p) }, line));
  }
  return list;
}

function updatePanels() {
  const pos = ui.cursor;
  document.getElementById('position').textContent =
    pos < 0 ? `before event 0 of ${N}` : `event ${pos} of ${N} · ${exactTime(E.t[pos])}`;
  document.getElementById('event-panel').replaceChildren(el('h2', {}, 'Event'), eventPanel(pos));
  document.getElementById('state-panel').replaceChildren(
    el('h2', {}, 'State of every node at this moment'), statePanel(pos));
  document.getElementById('nearby-panel').replaceChildren(
    el('h2', {}, 'Around it'), nearbyPanel(pos));
}

function render() {
  draw();
  updatePanels();
  writeSummary();
}

// ---- Moving: the cursor, the view ------------------------------------------------------
function keepInView(t) {
  const width = ui.t1 - ui.t0;
  if (t >= ui.t0 && t <= ui.t1) return;
  ui.t0 = Math.max(0, t - width / 3);
  ui.t1 = ui.t0 + width;
}

function goTo(pos) {
  ui.cursor = Math.max(-1, Math.min(N - 1, pos));
  if (ui.cursor >= 0) keepInView(E.t[ui.cursor]);
  render();
}

// One visible event forward (+1) or back (-1), `times` times.
function step(direction, times = 1) {
  let pos = ui.cursor;
  // No event chosen yet: the first step forward starts where the view starts (a page
  // opened with --from 1s stepped from the run's first event, at 0 s).
  if (pos < 0 && direction > 0) pos = lowerBound(N, ui.t0, (k) => E.t[k]) - 1;
  for (let moved = 0; moved < times; moved++) {
    let p = pos + direction;
    while (p >= 0 && p < N && !eventShown(p)) p += direction;
    if (p < 0 || p >= N) break;
    pos = p;
  }
  goTo(pos);
}

function zoom(factor, aroundT) {
  const around = aroundT ?? (ui.cursor >= 0 ? E.t[ui.cursor] : (ui.t0 + ui.t1) / 2);
  // A run shorter than the smallest window (one that ends at 0 s) keeps that window: the
  // width went to 0 and the next drawing divided by it.
  const end = Math.max(D.end, MIN_WINDOW_NS);
  const width = Math.min(end, Math.max(MIN_WINDOW_NS, (ui.t1 - ui.t0) * factor));
  ui.t0 = Math.max(0, Math.min(end - width, around - (around - ui.t0) * width / (ui.t1 - ui.t0)));
  ui.t1 = ui.t0 + width;
  render();
}

function zoomAll() {
  ui.t0 = 0;
  ui.t1 = Math.max(D.end, MIN_WINDOW_NS);
  render();
}

function jumpToFinding(k) {
  const f = D.findings[k];
  if (!f || f.event < 0) return;
  const width = Math.min(ui.t1 - ui.t0, Math.max(MIN_WINDOW_NS * 100, D.end / 20));
  ui.t0 = Math.max(0, E.t[f.event] - width * 0.8);
  ui.t1 = ui.t0 + width;
  goTo(f.event);
}

// "Why it broke": only the causal past of the finding's event stays.
function toggleSlice(k) {
  const f = D.findings[k];
  if (ui.slice && ui.slice.finding === k) {
    ui.slice = null;
  } else if (f && f.slice) {
    const inPast = new Uint8Array(N);
    for (const [a, b] of f.slice) inPast.fill(1, a, b);
    const frontier = D.nodes.map(() => -1);
    for (let pos = 0; pos < N; pos++) if (inPast[pos] && E.node[pos] >= 0) frontier[E.node[pos]] = pos;
    ui.slice = { finding: k, inPast, frontier };
    if (ui.cursor < 0 || !inPast[ui.cursor]) ui.cursor = f.event;
  }
  document.querySelectorAll('.why').forEach((b) =>
    b.classList.toggle('on', ui.slice !== null && Number(b.dataset.finding) === ui.slice.finding));
  render();
}

// ---- Building the page ---------------------------------------------------------------
function header() {
  const parts = [];
  if (D.scenario && D.scenario.name) {
    parts.push(el('div', { class: 'scenario' }, el('b', {}, D.scenario.name),
                  D.scenario.description ? el('div', {}, D.scenario.description) : null));
  }
  const m = D.meta, r = D.result;
  const facts = [`protocol ${m.protocol ?? '?'}`, m.seed !== undefined ? `seed ${m.seed}` : null,
                 m.faults ? `faults ${m.faults}` : null,
                 m.bugs && m.bugs.length ? `planted bugs: ${m.bugs.join(', ')}` : null,
                 `${N} events`, `${exactTime(D.end)} simulated`,
                 r.stop_reason ? `stopped: ${r.stop_reason}` : null].filter(Boolean);
  parts.push(el('div', {}, facts.join(' · ')));
  parts.push(verdictBox());
  return parts;
}

function verdictBox() {
  if (D.findings.length === 0) {
    // A check that could not decide makes the run unknown, not a pass; one not judged (or
    // judged in part) is named, so that a green box never stands for a check nobody made.
    const checks = (D.result && Array.isArray(D.result.checks)) ? D.result.checks : [];
    const said = (c) => `${c.name} ${c.status}${c.detail ? ' (' + c.detail + ')' : ''}`;
    const unknown = checks.filter((c) => c.status === 'unknown');
    const aside = checks.filter((c) => c.status === 'skipped' || (c.status === 'held' && c.detail));
    const note = aside.length ? ` Not judged in full: ${aside.map(said).join('; ')}.` : '';
    if (unknown.length || (D.result && D.result.verdict === 'unknown')) {
      return el('div', { class: 'verdict unknown' },
                `No check failed, but not every check could decide: ${unknown.map(said).join('; ')}.` +
                note + ' ' + historyHeadline());
    }
    return el('div', { class: 'verdict ok' }, 'Every check held. ' + historyHeadline() + note);
  }
  const box = el('div', { class: 'verdict bad' });
  D.findings.forEach((f, k) => {
    const [first, ...rest] = f.message.split('\n');
    const where = f.event >= 0 ? ` at ${exactTime(E.t[f.event])}` : '';
    box.append(el('div', { class: 'finding' },
      el('b', {}, `${f.kind} '${f.name}'`), `${where}${f.node ? ' on ' + f.node : ''}: ${first} `,
      el('button', { onclick: () => jumpToFinding(k), id: `jump-${k}` }, 'Jump to it (v)'), ' ',
      f.slice ? el('button', { class: 'why', 'data-finding': k, onclick: () => toggleSlice(k) },
                   `Why it broke (w): its causal past, ${f.slice_count} events`) : null,
      rest.length ? el('details', {}, el('summary', {}, 'details'), el('pre', {}, rest.join('\n')))
                  : null));
  });
  return box;
}

function checkbox(label, checked, onchange) {
  const input = el('input', { type: 'checkbox' });
  input.checked = checked;
  input.addEventListener('change', () => onchange(input.checked));
  return el('label', {}, input, ' ' + label);
}

function toolbar() {
  const bar = el('div', { class: 'toolbar' });
  bar.append(el('span', {},
    el('button', { onclick: () => goTo(-1), title: 'Home' }, '|◀'),
    el('button', { onclick: () => step(-1), title: '← (shift: 10)', id: 'back' }, '◀ back'),
    el('button', { onclick: () => step(1), title: '→ (shift: 10)', id: 'forward' }, 'forward ▶'),
    el('button', { onclick: () => goTo(N), title: 'End' }, '▶|'), ' ',
    el('span', { id: 'position' })));
  bar.append(el('span', {},
    el('button', { onclick: () => zoom(0.5) }, '+'), el('button', { onclick: () => zoom(2) }, '−'),
    el('button', { onclick: zoomAll }, 'whole run')));
  const kinds = el('fieldset', {}, el('legend', {}, 'step through and list'));
  E.kinds.forEach((name, k) => {
    if (name === 'finding') return;  // always shown
    kinds.append(checkbox(name, (ui.kinds & (1 << k)) !== 0, (on) => {
      ui.kinds = on ? ui.kinds | (1 << k) : ui.kinds & ~(1 << k);
      render();
    }));
  });
  bar.append(kinds, nodeFilter(), messageFilter());
  return bar;
}

function nodeFilter() {
  const box = el('fieldset', {}, el('legend', {}, 'nodes'));
  D.nodes.forEach((n, node) => box.append(checkbox(n.name, laneShown(node), (on) => {
    if (on) ui.hiddenNodes.delete(node); else ui.hiddenNodes.add(node);
    resizeCanvas();
    render();
  })));
  return box;
}

function messageFilter() {
  const counts = A.types.map(() => 0);
  for (let k = 0; k < arrowCount; k++) counts[A.msg[k]]++;
  const box = el('fieldset', {}, el('legend', {}, 'messages'));
  A.types.forEach((name, i) => {
    const swatch = el('span', { style: `color:${MESSAGE_COLOURS[i % MESSAGE_COLOURS.length]}` }, '■');
    const item = checkbox(`${name} (${counts[i]})`, true, (on) => {
      if (on) ui.hiddenTypes.delete(i); else ui.hiddenTypes.add(i);
      render();
    });
    item.prepend(swatch);
    box.append(item);
  });
  return box;
}

function legend() {
  const states = new Map();
  for (const seg of D.segments) if (seg[4]) states.set(seg[4], seg[6]);
  const spans = [...states].map(([value, colour]) => el('span', { style: `background:${colour}` }, value));
  return el('div', { class: 'legend' },
    D.style.colour_key ? `lanes coloured by ${D.style.colour_key}: ` : 'no state annotations to colour lanes by ',
    ...spans,
    el('span', { style: 'background:#3c1414;color:#fff' }, 'down'),
    el('span', { style: 'background:#eb8c1e' }, 'paused'),
    el('span', { style: 'background:rgba(130,70,200,.25)' }, 'partition'),
    el('span', { style: 'color:#d62020' }, '✕ dropped'),
    el('span', {}, '- - duplicate'),
    el('span', { style: 'background:#cfe0f7' }, 'op ok'),
    el('span', { style: 'background:#e2e2e2' }, 'op failed'),
    el('span', { style: 'background:#fbdcb0' }, 'op unknown'),
    el('span', { class: 'keys' }, 'keys: ← → step (shift ×10), Home/End, + − zoom, 0 whole run, ' +
       'v jump to the violation, w why it broke; drag to pan, wheel to zoom, click an event'));
}

function build() {
  const app = document.getElementById('app');
  app.append(...header(), toolbar(), legend());
  app.append(el('div', { id: 'canvas-box' }, canvas, el('div', { id: 'tip' })));
  app.append(el('div', { class: 'panels' },
    el('div', { class: 'panel', id: 'event-panel' }),
    el('div', { class: 'panel', id: 'state-panel' }),
    el('div', { class: 'panel', id: 'nearby-panel' })));
  app.append(el('pre', { id: 'summary', hidden: '' }));
}

// ---- Pointer and keys ----------------------------------------------------------------
function pick(px, py) {
  for (const node of geo.shown) {
    const y = geo.laneY.get(node);
    if (py < y || py > y + LANE_H) continue;
    const list = eventsOfNode[node], t = timeAt(px);
    const i = lowerBound(list.length, t, (k) => E.t[list[k]]);
    let best = -1, bestPx = 8;
    for (let j = Math.max(0, i - 20); j < Math.min(list.length, i + 20); j++) {
      const d = Math.abs(x(E.t[list[j]]) - px);
      if (eventShown(list[j]) && d < bestPx) { best = list[j]; bestPx = d; }
    }
    return best;
  }
  const row = Math.floor((py - geo.historyTop) / OP_H);
  if (row < 0 || row >= processes.length) return -1;
  const t = timeAt(px);
  const op = D.history.ops.find((o) => processRow.get(o[0]) === row && o[2] <= t && t <= o[3]);
  return op ? op[4] : -1;
}

function wirePointer() {
  let drag = null;
  const tip = document.getElementById('tip');
  canvas.addEventListener('mousedown', (e) => { drag = { x: e.offsetX, t0: ui.t0, moved: false }; });
  canvas.addEventListener('mousemove', (e) => {
    if (drag) {
      const dt = (drag.x - e.offsetX) * (ui.t1 - ui.t0) / (ui.width - GUTTER - RIGHT_PAD);
      drag.moved = drag.moved || Math.abs(drag.x - e.offsetX) > 3;
      const width = ui.t1 - ui.t0;
      ui.t0 = Math.max(0, Math.min(D.end - width, drag.t0 + dt));
      ui.t1 = ui.t0 + width;
      draw();
      return;
    }
    const pos = pick(e.offsetX, e.offsetY);
    tip.style.display = pos >= 0 ? 'block' : 'none';
    if (pos >= 0) {
      tip.textContent = `${exactTime(E.t[pos])} ${nodeName(E.node[pos])}\n${E.text[pos]}`;
      tip.style.left = Math.min(e.offsetX + 12, ui.width - 300) + 'px';
      tip.style.top = (e.offsetY + 14) + 'px';
    }
  });
  canvas.addEventListener('mouseleave', () => { tip.style.display = 'none'; });
  window.addEventListener('mouseup', (e) => {
    if (drag && !drag.moved && e.target === canvas) {
      const pos = pick(e.offsetX, e.offsetY);
      if (pos >= 0) goTo(pos);
    } else if (drag) {
      render();
    }
    drag = null;
  });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    zoom(e.deltaY > 0 ? 1.25 : 0.8, timeAt(e.offsetX));
  }, { passive: false });
}

function onKey(e) {
  if (e.target && e.target.tagName === 'INPUT' && e.target.type !== 'checkbox') return;
  const keys = {
    ArrowRight: () => step(1, e.shiftKey ? 10 : 1),
    ArrowLeft: () => step(-1, e.shiftKey ? 10 : 1),
    Home: () => goTo(-1),
    End: () => goTo(N),
    '+': () => zoom(0.5), '=': () => zoom(0.5), '-': () => zoom(2), '0': zoomAll,
    v: () => jumpToFinding(0),
    w: () => toggleSlice(ui.slice ? ui.slice.finding : 0),
  };
  if (!keys[e.key]) return;
  e.preventDefault();
  keys[e.key]();
}

// ---- What the page drew, for tests and the curious -------------------------------------
let selfTestResult = null;
let loadMs = null;
let drawMs = null;
let firstDrawing = null;  // what the page drew as it opened
function writeSummary() {
  const summary = {
    lanes: stats.lanes, arrows: stats.arrows, drops: stats.drops, duplicates: stats.duplicates,
    dimmed_arrows: stats.dimmed, markers: stats.markers, ops: stats.ops, events: N,
    arrows_in_trace: arrowCount, cursor: ui.cursor, slice: ui.slice ? ui.slice.finding : null,
    errors: window.faultlineErrors, load_ms: loadMs, parse_ms: parseMs, draw_ms: drawMs,
    first: firstDrawing, selftest: selfTestResult,
  };
  document.getElementById('summary').textContent = JSON.stringify(summary);
}

// #selftest=K: steps K events forward and back with the keyboard handler, jumps to the
// violation and shows why it broke, recording what the panels said at each step.
function selfTest(steps) {
  const press = (key) => document.dispatchEvent(new KeyboardEvent('keydown', { key }));
  const seen = () => ({
    cursor: ui.cursor,
    event: document.querySelector('#event-panel pre') ?
      document.querySelector('#event-panel pre').textContent : '',
    state: document.getElementById('state-table').textContent,
  });
  const result = { start: seen(), forward: [], back: [] };
  const started = performance.now();
  for (let k = 0; k < steps; k++) { press('ArrowRight'); result.forward.push(seen()); }
  for (let k = 0; k < steps; k++) { press('ArrowLeft'); result.back.push(seen()); }
  result.step_ms = (performance.now() - started) / Math.max(1, 2 * steps);
  if (D.findings.length) {
    press('v');
    result.violation_cursor = ui.cursor;
    press('0');  // the whole run, so every arrow is counted
    press('w');
    result.slice = { arrows: stats.arrows, dimmed: stats.dimmed, cursor: ui.cursor };
    press('w');
  }
  selfTestResult = result;
  writeSummary();
}

// ---- Start ---------------------------------------------------------------------------
build();
document.addEventListener('keydown', onKey);
wirePointer();
window.addEventListener('resize', () => { resizeCanvas(); render(); });
resizeCanvas();
const drawStart = performance.now();
render();
drawMs = performance.now() - drawStart;
loadMs = performance.now();  // from navigation start: parsing the page and the data, first drawing
firstDrawing = Object.assign({}, stats);
writeSummary();
// Links can open the page at a place: #event=N, #violation, #why (its causal past).
const at = /event=(\d+)/.exec(location.hash);
if (at) goTo(Number(at[1]));
if (/violation|why/.test(location.hash)) jumpToFinding(0);
if (/why/.test(location.hash)) toggleSlice(0);
const selftest = /selftest(?:=(\d+))?/.exec(location.hash);
if (selftest) selfTest(Number(selftest[1] || 20));
