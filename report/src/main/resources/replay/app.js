// The replay page: loads the session, plays its events onto one grid per relation, at any speed.
import { getJSON, fetchWindow, recordTime, sliceTime, ServerGone } from './api.js';
import { RelationCard, readPalette } from './grid.js';
import { Timeline } from './timeline.js';

const PRESETS = [0.01, 0.1, 0.25, 1, 10, 100, 1000];
const FRAME_SLICES = 60;        // a window is cut into slices of about a frame each
const WINDOW_WALL_SECONDS = 1;  // each window covers one wall-clock second at the current speed
const LIVE_LAG = 0.3;           // seconds behind the end of a live session
const AUTO_SELECT = 8;
const IDLE_SKIP_WALL = 1;       // while playing, idle stretches longer than this (wall-clock seconds) are skipped
const REBUILD_SLICES = 240;     // a seek replays the last few seconds before it in this many slices

const $ = (id) => document.getElementById(id);
const state = {
  session: null, relations: new Map(), cards: new Map(), selected: new Set(), touched: new Set(), userChose: false,
  markers: [], t: 0, speed: 1, playing: false, played: 0, windows: [], cursor: 0, fetching: null, generation: 0,
  lastFrame: performance.now(), frames: 0, fpsSince: performance.now(), fps: 0, nextMarker: 0, queries: new Map(),
  mode: 'fade', trail: 0.6, palette: null, rebuilding: null, gone: false,
  cost: { frames: 0, play: 0, draw: 0, decode: 0 }, // milliseconds spent, for the benchmark and the curious
};
window.pgbftrace = state; // for tests and the curious: state.fps, state.played, state.t

function duration() { return state.session ? state.session.duration : 0; }
// half-life of a lit cell: it is dark again (below 2%) after about the trail length
function halfLife() { return state.trail / 5.6; }
function fmtSpeed(s) { return s >= 10 ? `${Math.round(s)}x` : `${+s.toPrecision(2)}x`; }

function setSpeed(s) {
  state.speed = Math.min(1000, Math.max(0.01, s));
  $('speed').value = Math.log10(state.speed);
  $('speed-value').textContent = fmtSpeed(state.speed);
  dropAhead();
}

function setPlaying(p) {
  state.playing = p;
  $('play').textContent = p ? 'Pause' : 'Play';
  if (p) { $('paused-at').textContent = ''; state.lastFrame = performance.now(); }
}

// Drops fetched windows after a speed or selection change; they are fetched again from the first slice not
// played yet (a slice is played whole, its records and its count together), so nothing is lost or counted twice.
function dropAhead() {
  const w = state.windows[0];
  state.cursor = w ? w.from + w.nextSlice * (w.to - w.from) / w.slices : state.cursor;
  state.generation++;
  state.windows = [];
  state.fetching = null;
}

function seek(t) {
  state.t = Math.max(0, Math.min(duration(), t));
  for (const card of state.cards.values()) card.clear();
  state.nextMarker = state.markers.findIndex((m) => m.t >= state.t);
  if (state.nextMarker < 0) state.nextMarker = state.markers.length;
  state.windows = [];
  dropAhead();
  state.cursor = state.t;
  state.rebuilding = rebuild(state.t, state.generation);
  render(0);
}

// The picture at time t as if it had been played: every cell touched before t as a trace (with its counts), the
// last trail's accesses lit with the fade they would have by now, and the events played so far.
async function rebuild(t, gen) {
  if (t <= 0 || state.selected.size === 0) { state.played = 0; return; }
  const rels = [...state.selected];
  const recent = Math.min(t, state.trail * state.speed);
  const before = t - recent;
  try {
    let played = 0;
    const parts = [];
    // the server answers at most an hour per window
    for (let from = 0; from < before - 1e-9; from += 3600) parts.push(fetchWindow(from.toFixed(6), Math.min(before, from + 3600).toFixed(6), 1, rels));
    parts.push(fetchWindow(before.toFixed(6), t.toFixed(6), REBUILD_SLICES, rels));
    const windows = await Promise.all(parts);
    if (gen !== state.generation) return;
    const last = windows[windows.length - 1];
    for (const w of windows) {
      if (w.pastEnd) continue;
      for (let k = 0; k < w.slices; k++) played += w.totals[k];
      for (let i = 0; i < w.n; i++) {
        const card = state.cards.get(w.rel[i]);
        state.touched.add(w.rel[i]);
        if (!card) continue;
        const age = w === last ? (t - recordTime(w, i)) / state.speed : Infinity;
        card.hit(w.kind[i], w.cell[i], w.count[i], age, halfLife());
      }
    }
    state.played = played;
  } catch (e) {
    showError(e);
  }
}

async function ensureWindows() {
  if (state.fetching || !state.session || state.gone) return;
  const ahead = state.windows.length ? state.windows[state.windows.length - 1].to - state.t : 0;
  const span = Math.max(0.0005, state.speed * WINDOW_WALL_SECONDS);
  if (ahead > span * 1.5) return;
  const end = duration();
  const from = state.cursor;
  let to = from + span;
  if (state.session.live) to = Math.min(to, end);
  if (to - from < 1e-6 || (!state.session.live && from >= end)) return;
  const gen = state.generation;
  state.fetching = fetchWindow(from.toFixed(6), to.toFixed(6), FRAME_SLICES, [...state.selected]).then((w) => {
    if (gen !== state.generation) return;
    if (!w.pastEnd) state.windows.push(w);
    state.cost.decode += w.decodeMs || 0;
    state.cursor = to;
    if (!w.pastEnd && w.events === 0 && $('skip-idle').checked) markIdle(w, gen);
    if (w.n && [...new Set(w.rel)].some((id) => !state.relations.has(id))) loadRelations();
  }).catch(showError).finally(() => { if (gen === state.generation) state.fetching = null; });
}

// Applies every record up to session time t.
function playUntil(t) {
  while (state.windows.length) {
    const w = state.windows[0];
    while (w.nextSlice < w.slices && sliceTime(w, w.nextSlice) <= t) state.played += w.totals[w.nextSlice++];
    while (w.next < w.n && recordTime(w, w.next) <= t) {
      const i = w.next++;
      const id = w.rel[i];
      state.touched.add(id);
      const card = state.cards.get(id);
      if (card) card.hit(w.kind[i], w.cell[i], w.count[i]);
    }
    if (w.next < w.n || w.nextSlice < w.slices || w.to > t) break;
    state.windows.shift();
  }
}

// An empty window ahead: if the next event is far (in wall-clock time at this speed), playback jumps there.
async function markIdle(w, gen) {
  const next = await getJSON(`/api/next?after=${w.from.toFixed(6)}`).catch(showError);
  if (gen !== state.generation || !next) return;
  const nextT = next.t == null ? duration() : next.t;
  if ((nextT - w.from) / state.speed > IDLE_SKIP_WALL) w.skipTo = Math.max(w.from, nextT - 0.2 * state.speed);
}

// Jumps over idle time to t, keeping the picture (nothing happened in between).
function jumpTo(t, note) {
  state.t = t;
  state.windows = [];
  dropAhead();
  state.cursor = t;
  $('paused-at').textContent = note;
}

// Plays up to the next moment with events: within the windows fetched, else asks the server (across idle gaps).
async function stepOnce() {
  setPlaying(false);
  for (const w of state.windows) {
    let k = w.nextSlice;
    while (k < w.slices && w.totals[k] === 0) k++;
    if (k < w.slices) {
      state.t = Math.max(state.t, sliceTime(w, k));
      playUntil(state.t);
      render(0);
      return;
    }
  }
  const next = await getJSON(`/api/next?after=${state.t.toFixed(9)}`).catch(showError);
  if (!next) return;
  if (next.t == null) { $('paused-at').textContent = 'no events after this: the end of the session'; return; }
  const gap = next.t - state.t;
  jumpTo(Math.max(state.t, next.t - 1e-6), gap > 0.01 ? `stepped over ${gap.toFixed(3)} s without events` : '');
  await ensureWindows();
  if (state.fetching) await state.fetching;
  const w = state.windows[0];
  if (w) {
    let k = 0;
    while (k < w.slices && w.totals[k] === 0) k++;
    if (k < w.slices) state.t = sliceTime(w, k);
    playUntil(state.t);
  }
  render(0);
}

function frame(now) {
  const dt = Math.min(0.25, (now - state.lastFrame) / 1000);
  state.lastFrame = now;
  state.frames++;
  if (now - state.fpsSince >= 1000) {
    state.fps = state.frames * 1000 / (now - state.fpsSince);
    state.frames = 0; state.fpsSince = now;
    $('fps').textContent = `${state.fps.toFixed(0)} fps`;
  }
  if (state.playing && state.session && !state.gone) {
    let t = state.t + dt * state.speed;
    const w0 = state.windows[0];
    if (w0 && w0.skipTo != null && t >= w0.from && w0.skipTo > t) {
      const skipped = w0.skipTo - t;
      jumpTo(w0.skipTo, `skipped ${skipped.toFixed(skipped < 1 ? 3 : 1)} s without events`);
      t = state.t;
    }
    const end = duration();
    // live: stay within a second of the newest events, without running past them
    if (state.session.live) t = Math.min(Math.max(t, end - 1), Math.max(0, end - LIVE_LAG));
    else if (t >= end) { t = end; setPlaying(false); }
    if ($('pause-markers').checked && state.nextMarker < state.markers.length && state.markers[state.nextMarker].t <= t) {
      const m = state.markers[state.nextMarker++];
      t = m.t;
      setPlaying(false);
      $('paused-at').textContent = `paused at ${m.t.toFixed(3)} s: ` + describe(m);
    }
    while (state.nextMarker < state.markers.length && state.markers[state.nextMarker].t <= t) state.nextMarker++;
    state.t = t;
    const p0 = performance.now();
    playUntil(t);
    state.cost.play += performance.now() - p0;
  }
  ensureWindows();
  const r0 = performance.now();
  render(dt);
  state.cost.draw += performance.now() - r0;
  state.cost.frames++;
  requestAnimationFrame(frame);
}

// What a marker says, in words.
export function describe(m) {
  if (m.kind === 'QUERY') return m.text;
  if (m.kind === 'CHECKPOINT_START') return 'checkpoint starts';
  return m.value >= 0 ? `checkpoint done: the checkpointer wrote ${m.value.toLocaleString()} buffer${m.value === 1 ? '' : 's'}`
    : 'checkpoint done';
}

function render(dt) {
  if (!state.palette) state.palette = readPalette();
  for (const card of state.cards.values()) card.frame(dt, state.palette, state.mode, halfLife());
  $('elapsed').textContent = state.t.toFixed(3);
  $('total').textContent = duration().toFixed(3);
  $('played').textContent = state.played.toLocaleString();
  state.timeline.set(state.t, duration());
  renderQueries();
  revealRelations();
}

// The latest query of each backend that has one at or before t: a binary search, then a short walk back.
function renderQueries() {
  const ms = state.markers;
  let lo = 0, hi = ms.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (ms[mid].t <= state.t) lo = mid + 1; else hi = mid; }
  const latest = new Map();
  for (let i = lo - 1; i >= 0 && i >= lo - 2000 && latest.size < 8; i--) {
    if (ms[i].kind === 'QUERY' && !latest.has(ms[i].pid)) latest.set(ms[i].pid, ms[i]);
  }
  const key = [...latest.values()].map((m) => m.pid + '@' + m.t).join();
  if (key === state.queriesKey) return;
  state.queriesKey = key;
  const ul = $('backend-queries');
  ul.replaceChildren();
  const rows = [...latest.values()].sort((a, b) => b.t - a.t).slice(0, 8);
  for (const m of rows) {
    const li = document.createElement('li');
    li.textContent = `pid ${m.pid}, since ${m.t.toFixed(3)} s: ${m.text.replace(/\s+/g, ' ')}`;
    li.title = m.text;
    ul.appendChild(li);
  }
  $('queries').hidden = rows.length === 0;
}

// ---- relations and the sidebar ----

function visible(rel) {
  if (rel.system && !$('system').checked) return false;
  const f = $('filter').value.trim().toLowerCase();
  if (f && !rel.name.toLowerCase().includes(f)) return false;
  return rel.appearsAt == null || rel.appearsAt <= state.t + 1e-9 || state.touched.has(rel.id);
}

function revealRelations() {
  const key = [...state.relations.values()].filter(visible).map((r) => r.id).join();
  if (key !== state.sidebarKey) renderSidebar();
}

function renderSidebar() {
  const rels = [...state.relations.values()];
  state.sidebarKey = rels.filter(visible).map((r) => r.id).join();
  for (const [listId, countId, isIndex] of [['tables', 'table-count', false], ['indexes', 'index-count', true]]) {
    const ul = $(listId);
    ul.replaceChildren();
    const mine = rels.filter((r) => r.index === isIndex);
    // user relations first, then system ones, each by name
    const shown = mine.filter(visible).sort((a, b) => (a.system - b.system) || a.name.localeCompare(b.name));
    const hiddenSystem = mine.filter((r) => r.system && !$('system').checked).length;
    $(countId).textContent = `${shown.length}` + (hiddenSystem ? ` (+${hiddenSystem} system)` : '');
    for (const r of shown) {
      if (!state.userChose && state.selected.size < AUTO_SELECT && !r.system && !state.selected.has(r.id)) {
        select(r.id, true);
      }
      const li = document.createElement('li');
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = state.selected.has(r.id);
      box.dataset.relation = r.id;
      box.addEventListener('change', () => { state.userChose = true; select(r.id, box.checked); });
      label.append(box, ' ' + r.name + ' ');
      const kind = document.createElement('span');
      kind.className = 'kind';
      kind.textContent = r.kind + (r.database ? ' · ' + r.database : '');
      label.append(kind);
      label.title = r.name + (r.parent ? ' on ' + r.parent : '');
      li.append(label);
      ul.append(li);
    }
  }
  $('empty').hidden = state.selected.size > 0;
}

function select(id, on) {
  const rel = state.relations.get(id);
  if (on && rel && !state.cards.has(id)) {
    state.selected.add(id);
    state.cards.set(id, new RelationCard(rel, $('cards')));
  } else if (!on && state.cards.has(id)) {
    state.selected.delete(id);
    state.cards.get(id).remove();
    state.cards.delete(id);
  } else {
    return;
  }
  dropAhead(); // the server sends cells of the selected relations only: fetch again from here
  $('empty').hidden = state.selected.size > 0;
}

async function loadRelations() {
  const list = await getJSON('/api/relations');
  for (const r of list) {
    const old = state.relations.get(r.id);
    state.relations.set(r.id, r);
    const card = state.cards.get(r.id);
    if (card && old && (old.cellBlocks !== r.cellBlocks || old.blocks !== r.blocks)) card.layout(r);
  }
  renderSidebar();
}

async function loadMarkers() {
  const m = await getJSON('/api/markers');
  state.markers = m.markers;
  state.nextMarker = state.markers.findIndex((x) => x.t >= state.t);
  if (state.nextMarker < 0) state.nextMarker = state.markers.length;
  state.timeline.setMarkers(state.markers);
  state.queriesKey = null;
  return m.ready;
}

async function refreshSession() {
  const s = await getJSON('/api/session');
  state.session = s;
  $('live').hidden = !s.live;
  return s;
}

function showError(e) {
  if (e instanceof ServerGone) {
    if (state.gone) return;
    state.gone = true;
    setPlaying(false);
  }
  $('error').hidden = false;
  $('error').textContent = String(e.message || e);
}

// ---- share link: #t=12.5&speed=0.25 ----

// A link's time and speed; what is not a number is said and left out.
function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const problems = [];
  const num = (name) => {
    if (!p.has(name)) return null;
    const v = Number(p.get(name));
    if (p.get(name).trim() === '' || !Number.isFinite(v) || v < 0) { problems.push(`${name}=${p.get(name)}`); return null; }
    return v;
  };
  const h = { t: num('t'), speed: num('speed') };
  $('notice').hidden = problems.length === 0;
  $('notice').textContent = problems.length ? `The link's ${problems.join(' and ')} is not a number of seconds`
    + ' or a speed; playing from the start instead.' : '';
  return h;
}

function writeHash() {
  const h = `#t=${state.t.toFixed(3)}&speed=${+state.speed.toPrecision(3)}`;
  if (location.hash !== h) history.replaceState(null, '', h);
}

// ---- controls ----

function bindControls() {
  $('play').addEventListener('click', () => setPlaying(!state.playing));
  $('step').addEventListener('click', stepOnce);
  $('speed').addEventListener('input', () => setSpeed(Math.pow(10, parseFloat($('speed').value))));
  for (const p of PRESETS) {
    const b = document.createElement('button');
    b.textContent = fmtSpeed(p);
    b.dataset.speed = p;
    b.addEventListener('click', () => setSpeed(p));
    $('presets').append(b);
  }
  for (const r of document.querySelectorAll('input[name=mode]')) {
    r.addEventListener('change', () => { state.mode = r.value; });
  }
  $('trail').addEventListener('input', () => {
    state.trail = parseFloat($('trail').value);
    $('trail-value').textContent = `${state.trail.toFixed(1)} s`;
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => { state.palette = null; });
  $('filter').addEventListener('input', renderSidebar);
  $('system').addEventListener('change', renderSidebar);
  document.addEventListener('keydown', (ev) => {
    if (ev.target instanceof HTMLInputElement && ev.target.type !== 'checkbox' && ev.target.type !== 'range') return;
    const d = duration();
    if (ev.key === ' ') { ev.preventDefault(); setPlaying(!state.playing); }
    else if (ev.key === 'ArrowLeft') { ev.preventDefault(); seek(state.t - Math.max(d / 50, 0.001)); }
    else if (ev.key === 'ArrowRight') { ev.preventDefault(); seek(state.t + Math.max(d / 50, 0.001)); }
    else if (ev.key === '[') setSpeed(PRESETS.slice().reverse().find((p) => p < state.speed - 1e-9) ?? PRESETS[0]);
    else if (ev.key === ']') setSpeed(PRESETS.find((p) => p > state.speed + 1e-9) ?? PRESETS[PRESETS.length - 1]);
    else if (ev.key === '.') stepOnce();
    else if (ev.key === 'n') gotoMarker(+1);
    else if (ev.key === 'p') gotoMarker(-1);
    else if (/^[0-9]$/.test(ev.key)) seek(d * parseInt(ev.key, 10) / 10);
  });
}

// The next (+1) or previous (-1) query or checkpoint.
function gotoMarker(dir) {
  const ms = state.markers;
  const m = dir > 0 ? ms.find((x) => x.t > state.t + 1e-6) : [...ms].reverse().find((x) => x.t < state.t - 1e-6);
  if (!m) return;
  seek(m.t);
  $('paused-at').textContent = `at ${m.t.toFixed(3)} s: ` + describe(m);
}

async function main() {
  state.timeline = new Timeline($('timeline'), $('tooltip'), seek, describe);
  bindControls();
  const s = await refreshSession();
  $('title').textContent = s.title || 'pgbftrace replay';
  $('description').textContent = s.description || '';
  $('description').hidden = !s.description;
  $('look-for').querySelector('span').textContent = s.lookFor || '';
  $('look-for').hidden = !s.lookFor;
  document.title = (s.title ? s.title + ' · ' : '') + 'pgbftrace replay';
  $('subtitle').textContent = [s.postgres && `PostgreSQL ${s.postgres}`, s.ioMethod && `io_method ${s.ioMethod}`,
    s.sharedBuffers && `shared_buffers ${s.sharedBuffers}`,
    `${s.events.toLocaleString()} event${s.events === 1 ? '' : 's'}${s.live ? ' so far' : ''}`,
    s.aggregation && `${s.aggregation}: order and time inside a slice not recorded`].filter(Boolean).join(' · ');
  await loadRelations();
  const hash = readHash();
  setSpeed(hash.speed ?? s.speed);
  await loadMarkers();
  seek(hash.t ?? (s.live ? Math.max(0, s.duration - 1) : 0));
  if (s.live) { setSpeed(1); setPlaying(true); }
  let ready = await loadMarkers();
  setInterval(async () => {
    try {
      if (state.session.live || !ready) {
        await refreshSession();
        ready = await loadMarkers();
        await loadRelations();
      }
    } catch (e) { showError(e); }
  }, s.live ? 500 : 1000);
  setInterval(writeHash, 500);
  window.addEventListener('hashchange', () => {
    const h = readHash();
    if (h.speed != null && Math.abs(h.speed - state.speed) > 1e-9) setSpeed(h.speed);
    if (h.t != null && Math.abs(h.t - state.t) > 0.01) seek(h.t);
  });
  document.body.dataset.ready = 'true';
  requestAnimationFrame(frame);
}

main().catch(showError);
