// One card per relation: a canvas grid of its blocks. In "fade" mode an access lights its cell in the colour of
// its kind, fading over the trail length (wall-clock, the same at any speed); cells touched before keep a faint
// trace. In "heat" mode accesses add up, so hot blocks (a B-tree root, a ring's buffers) stand out.
import { KIND } from './api.js';

const CHANNELS = 3;                // 0 hits, 1 misses and extends, 2 writes
const MAX_WIDTH = 360;
const MAX_HEIGHT = 300;
const OFF = 0.02;                  // a lit cell below this is dark again
const LEVELS = 64;                 // steps of a fading cell's brightness (colours computed once per palette)
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// A colour as one pixel of a Uint32Array view over ImageData (RGBA bytes in memory order).
function pixel([r, g, b]) {
  return LITTLE_ENDIAN ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
}

// Every colour a cell can take, as pixels: fade[under][kind][level] (under: 0 untouched, 1 touched before),
// heat[0..9], gap. Built once per palette, so a frame only copies numbers.
function pixels(palette) {
  const mix = (under, over, h) => under.map((u, j) => Math.round(u + (over[j] - u) * h));
  return {
    fade: [palette.base, palette.trace].map((under) => palette.kinds.map((kind) => Uint32Array.from(
      { length: LEVELS + 1 }, (_, l) => pixel(mix(under, kind, l / LEVELS))))),
    heat: palette.heat.map(pixel),
    gap: pixel(palette.gap),
  };
}

export function channelOf(kind) {
  return kind === KIND.HIT ? 0 : kind === KIND.WRITE ? 2 : 1;
}

function rgb(css) {
  const s = css.trim();
  if (s.startsWith('#')) {
    const n = parseInt(s.length === 4 ? s.slice(1).split('').map((c) => c + c).join('') : s.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const m = s.match(/\d+(\.\d+)?/g);
  return m ? m.slice(0, 3).map(Number) : [128, 128, 128];
}

// The colours of palette.css (shared with the report), read again when the colour scheme changes.
export function readPalette() {
  const css = getComputedStyle(document.documentElement);
  const v = (name) => rgb(css.getPropertyValue(name));
  return {
    kinds: [v('--hit'), v('--miss'), v('--write')],
    heat: Array.from({ length: 10 }, (_, i) => v(`--heat-${i}`)),
    base: v('--cell'), trace: v('--cell-trace'), gap: v('--panel'),
  };
}

export class RelationCard {
  constructor(rel, parent) {
    this.rel = rel;
    this.el = document.createElement('article');
    this.el.className = 'card';
    this.el.dataset.relation = rel.id;
    this.el.innerHTML = `<header><b class="name"></b> <span class="meta"></span></header>
      <canvas></canvas><footer class="scale"></footer><footer class="cell-info muted">&nbsp;</footer>`;
    this.el.querySelector('.name').textContent = rel.name;
    parent.appendChild(this.el);
    this.canvas = this.el.querySelector('canvas');
    this.ctx = this.canvas.getContext('2d');
    this.canvas.addEventListener('pointermove', (ev) => this.inspect(ev));
    this.canvas.addEventListener('pointerleave', () => { this.el.querySelector('.cell-info').innerHTML = '&nbsp;'; });
    this.layout(rel);
  }

  // Sizes the grid: a cell stands for rel.cellBlocks blocks, as the server aggregates them.
  layout(rel) {
    this.rel = rel;
    const cells = Math.max(1, Math.ceil(Math.max(1, rel.blocks) / rel.cellBlocks));
    let px = Math.floor(Math.sqrt((MAX_WIDTH * MAX_HEIGHT) / cells));
    px = Math.max(1, Math.min(16, px));
    const cols = Math.max(1, Math.min(cells, Math.floor(MAX_WIDTH / px)));
    const rows = Math.ceil(cells / cols);
    if (this.cells === cells && this.cols === cols) return;
    const old = this.counts;
    this.cells = cells; this.cols = cols; this.rows = rows; this.px = px;
    this.heat = new Float32Array(cells * CHANNELS);
    this.counts = new Uint32Array(cells * CHANNELS); // accesses so far, per kind
    if (old) this.counts.set(old.subarray(0, Math.min(old.length, this.counts.length)));
    this.maxCount = 1;
    this.paintedMax = 1;
    for (let c = 0; c < cells; c++) this.maxCount = Math.max(this.maxCount, this.total(c));
    // the cells to repaint next frame: a list and a flag per cell (no Set: a busy frame touches thousands)
    this.active = new Int32Array(cells);
    this.activeCount = 0;
    this.isActive = new Uint8Array(cells);
    // dense grids: one canvas pixel per cell, scaled up by CSS; small ones: px pixels per cell with a 1 px gap,
    // so single blocks read as blocks
    this.scale = px < 5 ? 1 : px;
    this.gapPx = px < 5 ? 0 : 1;
    this.canvas.width = cols * this.scale + this.gapPx;
    this.canvas.height = rows * this.scale + this.gapPx;
    this.canvas.style.width = `${cols * px + this.gapPx}px`;
    this.canvas.style.height = `${rows * px + this.gapPx}px`;
    this.image = new ImageData(this.canvas.width, this.canvas.height);
    this.pixels = new Uint32Array(this.image.data.buffer);
    const size = rel.sizeBlocks == null ? `${rel.blocks.toLocaleString()} blocks seen` : `${rel.sizeBlocks.toLocaleString()} blocks`;
    this.el.querySelector('.meta').textContent = `${rel.kind}${rel.database ? ', ' + rel.database : ''}, ${size}`;
    this.el.querySelector('.scale').textContent = rel.cellBlocks === 1
      ? `1 cell = 1 block (${cells.toLocaleString()} cells), block 0 top left`
      : `1 cell = ${rel.cellBlocks.toLocaleString()} blocks (${cells.toLocaleString()} cells), block 0 top left`;
    this.repaintAll = true;
  }

  total(c) {
    return this.counts[c * CHANNELS] + this.counts[c * CHANNELS + 1] + this.counts[c * CHANNELS + 2];
  }

  touch(cell) {
    if (this.isActive[cell]) return;
    this.isActive[cell] = 1;
    this.active[this.activeCount++] = cell;
  }

  // An access (count of them) of a kind to a cell; `age` is how long ago it happened in wall-clock seconds
  // (a seek lights recent accesses as if they had been played).
  hit(kind, cell, count, age = 0, halfLife = 0.12) {
    if (cell >= this.cells) {
      // the relation grew past what we knew: make room
      this.layout({ ...this.rel, blocks: (cell + 1) * this.rel.cellBlocks });
    }
    const ch = channelOf(kind);
    const i = cell * CHANNELS + ch;
    this.counts[i] += count;
    const total = this.total(cell);
    if (total > this.maxCount) {
      // the heat scale grows: repaint when it has grown by a quarter (not on every hit)
      if (total > this.paintedMax * 1.25) this.scaleChanged = true;
      this.maxCount = total;
    }
    const lit = Math.min(1, 0.75 + 0.08 * Math.log2(count)) * Math.pow(0.5, age / halfLife);
    if (lit >= OFF) {
      this.heat[i] = Math.max(this.heat[i], lit);
      this.touch(cell);
    } else if (!this.repaintAll) {
      this.touch(cell); // painted once as a trace
    }
  }

  // Everything before a seek is forgotten; the caller then replays what the picture must show.
  clear() {
    this.heat.fill(0);
    this.counts.fill(0);
    this.maxCount = 1;
    this.isActive.fill(0);
    this.activeCount = 0;
    this.repaintAll = true;
  }

  // The block(s) under the pointer and their counts so far.
  inspect(ev) {
    const r = this.canvas.getBoundingClientRect();
    const col = Math.floor((ev.clientX - r.left) / (r.width / this.cols));
    const row = Math.floor((ev.clientY - r.top) / (r.height / this.rows));
    const c = row * this.cols + col;
    if (col < 0 || col >= this.cols || c < 0 || c >= this.cells) return;
    const from = c * this.rel.cellBlocks;
    const blocks = this.rel.cellBlocks === 1 ? `block ${from}` : `blocks ${from}-${from + this.rel.cellBlocks - 1}`;
    const n = (k) => this.counts[c * CHANNELS + k];
    const plural = (x, one, many) => `${x.toLocaleString()} ${x === 1 ? one : many}`;
    this.el.querySelector('.cell-info').textContent = `${blocks}: ${plural(n(0), 'hit', 'hits')}, `
      + `${plural(n(1), 'miss or extend', 'misses and extends')}, ${plural(n(2), 'write', 'writes')} so far`;
  }

  // The pixel of cell c now.
  colour(c, colours, mode, heatScale) {
    const total = this.total(c);
    if (mode === 'heat') {
      return total === 0 ? colours.fade[0][0][0] : colours.heat[Math.min(9, Math.floor(9.999 * Math.log1p(total) / heatScale))];
    }
    // the kind lit most recently wins: no blended colours the legend does not explain
    let best = 0, h = 0;
    for (let k = 0; k < CHANNELS; k++) if (this.heat[c * CHANNELS + k] > h) { h = this.heat[c * CHANNELS + k]; best = k; }
    return colours.fade[total > 0 ? 1 : 0][best][Math.round(h * LEVELS)];
  }

  // Fades by the wall-clock time since the last frame and redraws the rows that changed.
  frame(dtSeconds, palette, mode, halfLife) {
    if (this.palette !== palette) { this.palette = palette; this.colours = pixels(palette); this.repaintAll = true; }
    if (this.mode !== mode) { this.mode = mode; this.repaintAll = true; }
    if (this.scaleChanged && mode === 'heat') this.repaintAll = true;
    this.scaleChanged = false;
    this.paintedMax = this.maxCount;
    if (!this.repaintAll && this.activeCount === 0) return;
    const decay = Math.pow(0.5, dtSeconds / halfLife);
    const heatScale = Math.log1p(this.maxCount);
    const { cols, scale, gapPx, pixels: px, colours } = this;
    const width = this.canvas.width;
    const size = scale - gapPx;
    const paint = (c, p) => {
      const row = (c / cols) | 0;
      let o = (row * scale + gapPx) * width + (c - row * cols) * scale + gapPx;
      if (size === 1) { px[o] = p; return; }
      for (let y = 0; y < size; y++, o += width) px.fill(p, o, o + size);
    };
    let first = this.rows, last = -1;
    if (this.repaintAll) {
      px.fill(colours.gap);
      for (let c = 0; c < this.cells; c++) paint(c, this.colour(c, colours, mode, heatScale));
      this.repaintAll = false;
      first = 0; last = this.rows - 1;
    }
    let kept = 0;
    for (let j = 0; j < this.activeCount; j++) {
      const c = this.active[j];
      let alive = false;
      for (let k = 0; k < CHANNELS; k++) {
        const i = c * CHANNELS + k;
        this.heat[i] *= decay;
        if (this.heat[i] < OFF) this.heat[i] = 0; else alive = true;
      }
      paint(c, this.colour(c, colours, mode, heatScale));
      const row = (c / cols) | 0;
      if (row < first) first = row;
      if (row > last) last = row;
      if (alive && mode !== 'heat') this.active[kept++] = c; else this.isActive[c] = 0;
    }
    this.activeCount = kept;
    if (last < first) return;
    // only the rows that changed go to the canvas
    const y = first * scale;
    this.ctx.putImageData(this.image, 0, 0, 0, y, width, Math.min(this.canvas.height, (last + 1) * scale + gapPx) - y);
  }

  remove() { this.el.remove(); }
}
