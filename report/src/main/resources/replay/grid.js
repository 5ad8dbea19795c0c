// One card per relation: a canvas grid of its blocks. In "fade" mode an access lights its cell in the colour of
// its kind, fading over the trail length (wall-clock, the same at any speed); cells touched before keep a faint
// trace. In "heat" mode accesses add up, so hot blocks (a B-tree root, a ring's buffers) stand out.
import { KIND } from './api.js';

const CHANNELS = 3;                // 0 hits, 1 misses and extends, 2 writes
const MAX_WIDTH = 360;
const MAX_HEIGHT = 300;
const OFF = 0.02;                  // a lit cell below this is dark again

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
    base: v('--cell'), trace: v('--cell-trace'), gap: css.getPropertyValue('--panel').trim(),
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
    this.active = new Set();
    this.image = new ImageData(cols, rows);
    this.painted = false;
    // dense grids: one canvas pixel per cell, scaled up by CSS (no copy per frame); small ones: drawn with gaps
    this.native = px < 5;
    this.canvas.width = this.native ? cols : cols * px;
    this.canvas.height = this.native ? rows : rows * px;
    this.canvas.style.width = `${cols * px}px`;
    this.canvas.style.height = `${rows * px}px`;
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
      this.active.add(cell);
    } else if (!this.repaintAll) {
      this.active.add(cell); // painted once as a trace
    }
  }

  // Everything before a seek is forgotten; the caller then replays what the picture must show.
  clear() {
    this.heat.fill(0);
    this.counts.fill(0);
    this.maxCount = 1;
    this.active.clear();
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

  // Fades by the wall-clock time since the last frame and redraws what changed.
  frame(dtSeconds, palette, mode, halfLife) {
    const decay = Math.pow(0.5, dtSeconds / halfLife);
    const d = this.image.data;
    if (this.palette !== palette || this.mode !== mode) { this.palette = palette; this.mode = mode; this.repaintAll = true; }
    if (this.scaleChanged && mode === 'heat') this.repaintAll = true;
    this.scaleChanged = false;
    this.paintedMax = this.maxCount;
    if (!this.repaintAll && this.active.size === 0) return;
    const heatScale = Math.log1p(this.maxCount);
    const paint = (c) => {
      let col;
      const total = this.total(c);
      if (mode === 'heat') {
        col = total === 0 ? palette.base : palette.heat[Math.min(9, Math.floor(9.999 * Math.log1p(total) / heatScale))];
      } else {
        // the kind lit most recently wins: no blended colours the legend does not explain
        let best = -1, h = 0;
        for (let k = 0; k < CHANNELS; k++) if (this.heat[c * CHANNELS + k] > h) { h = this.heat[c * CHANNELS + k]; best = k; }
        const under = total > 0 ? palette.trace : palette.base;
        col = best < 0 ? under : under.map((u, j) => u + (palette.kinds[best][j] - u) * h);
      }
      const o = c * 4;
      d[o] = col[0]; d[o + 1] = col[1]; d[o + 2] = col[2]; d[o + 3] = 255;
    };
    if (this.repaintAll) {
      for (let c = 0; c < this.cells; c++) paint(c);
      this.repaintAll = false;
    }
    for (const c of this.active) {
      let alive = false;
      for (let k = 0; k < CHANNELS; k++) {
        const i = c * CHANNELS + k;
        this.heat[i] *= decay;
        if (this.heat[i] < OFF) this.heat[i] = 0; else alive = true;
      }
      paint(c);
      if (!alive || mode === 'heat') this.active.delete(c);
    }
    if (this.native) {
      this.ctx.putImageData(this.image, 0, 0);
      return;
    }
    const tmp = this.tmp || (this.tmp = document.createElement('canvas'));
    tmp.width = this.cols; tmp.height = this.rows;
    tmp.getContext('2d').putImageData(this.image, 0, 0);
    this.ctx.imageSmoothingEnabled = false;
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.ctx.drawImage(tmp, 0, 0, this.cols * this.px, this.rows * this.px);
    // a thin gap between cells, so single blocks read as blocks
    this.ctx.fillStyle = palette.gap;
    for (let x = 0; x <= this.cols; x++) this.ctx.fillRect(x * this.px, 0, 1, this.rows * this.px);
    for (let y = 0; y <= this.rows; y++) this.ctx.fillRect(0, y * this.px, this.cols * this.px, 1);
  }

  remove() { this.el.remove(); }
}
