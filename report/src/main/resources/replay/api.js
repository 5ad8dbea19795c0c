// The replay server's API: JSON for the session, relations and markers; binary windows of events.

// The replay server does not answer at all (stopped, or the machine is unreachable).
export class ServerGone extends Error {
  constructor() {
    super('The replay server is not answering: it was stopped or cannot be reached. Start pgbftrace replay again'
      + ' and reload this page.');
  }
}

async function request(url) {
  try {
    return await fetch(url, { cache: 'no-store' });
  } catch (e) {
    throw new ServerGone(); // fetch rejects only when no HTTP answer came
  }
}

export async function getJSON(path) {
  const res = await request(path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

export const KIND = { HIT: 0, MISS: 1, EXTEND: 2, WRITE: 4 };

// Fetches [from, to) seconds as `slices` time slices. Layout: see EventWindow.java and docs/replay.md.
// `rels`: the relation ids to send cell records for; every event is still counted in the slice totals.
export async function fetchWindow(from, to, slices, rels) {
  const res = await request(`/api/events?from=${from}&to=${to}&slices=${slices}&rels=${rels.join(',')}`);
  if (res.status === 416) return { from, to, slices, events: 0, n: 0, pastEnd: true };
  if (!res.ok) throw new Error(`events ${from}-${to}: HTTP ${res.status}`);
  const buf = await res.arrayBuffer();
  const t0 = performance.now();
  const v = new DataView(buf);
  const magic = String.fromCharCode(v.getUint8(0), v.getUint8(1), v.getUint8(2), v.getUint8(3));
  if (magic !== 'PGBW' || v.getUint16(4, true) !== 2) throw new Error('unknown event window format');
  const n = v.getUint32(28, true);
  const sliceCount = v.getUint32(24, true);
  const w = {
    from: v.getFloat64(8, true), to: v.getFloat64(16, true), slices: sliceCount, n,
    events: v.getUint32(32, true), totals: new Uint32Array(sliceCount), nextSlice: 0,
    slice: new Uint16Array(n), rel: new Uint32Array(n), kind: new Uint8Array(n),
    count: new Uint16Array(n), cell: new Uint32Array(n), next: 0,
  };
  let o = 36;
  for (let i = 0; i < sliceCount; i++, o += 4) w.totals[i] = v.getUint32(o, true);
  for (let i = 0; i < n; i++, o += 12) {
    w.slice[i] = v.getUint16(o, true);
    w.rel[i] = v.getUint16(o + 2, true) | (v.getUint8(o + 5) << 16);
    w.kind[i] = v.getUint8(o + 4);
    w.count[i] = v.getUint16(o + 6, true);
    w.cell[i] = v.getUint32(o + 8, true);
  }
  w.decodeMs = performance.now() - t0;
  return w;
}

// Session time (seconds) of a slice of a window: its middle.
export function sliceTime(w, slice) {
  return w.from + (slice + 0.5) * (w.to - w.from) / w.slices;
}

// Session time of a record of a window.
export function recordTime(w, i) {
  return sliceTime(w, w.slice[i]);
}
