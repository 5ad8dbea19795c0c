// One card per relation: a canvas grid of its blocks that light up when accessed and fade out smoothly.
import { KIND } from './api.js';

const FADE_SECONDS = 0.6;          // wall-clock half-life of a lit cell: the same at any replay speed
const CHANNELS = 3;                // 0 hits, 1 misses and extends, 2 writes
const COLORS = [[34, 168, 132], [227, 74, 51], [49, 130, 189]];
const MAX_WIDTH = 360;
const MAX_HEIGHT = 300;

export function channelOf(kind) {
  return kind === KIND.HIT ? 0 : kind === KIND.WRITE ? 2 : 1;
}

export class RelationCard {
  constructor(rel, parent) {
    this.rel = rel;
    this.el = document.createElement('article');
    this.el.className = 'card';
    this.el.dataset.relation = rel.id;
    this.el.innerHTML = `<header><b class="name"></b> <span class="meta"></span></header>
      <canvas></canvas><footer class="scale"></footer>`;
    this.el.querySelector('.name').textContent = rel.name;
    parent.appendChild(this.el);
    this.canvas = this.el.querySelector('canvas');
    this.ctx = this.canvas.getContext('2d');
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
    this.cells = cells; this.cols = cols; this.rows = rows; this.px = px;
    this.heat = new Float32Array(cells * CHANNELS);
    this.seen = new Uint8Array(cells);
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
      ? `1 cell = 1 block (${cells.toLocaleString()} cells)`
      : `1 cell = ${rel.cellBlocks.toLocaleString()} blocks (${cells.toLocaleString()} cells)`;
    this.dirty = true;
  }

  hit(kind, cell, count) {
    if (cell >= this.cells) {
      // the relation grew past what we knew: make room
      this.layout({ ...this.rel, blocks: (cell + 1) * this.rel.cellBlocks });
    }
    const i = cell * CHANNELS + channelOf(kind);
    this.heat[i] = Math.min(1, this.heat[i] + 0.7 + 0.1 * Math.log2(count));
    this.seen[cell] = 1;
    this.active.add(cell);
    this.dirty = true;
  }

  clear() {
    this.heat.fill(0);
    this.seen.fill(0);
    this.active.clear();
    this.painted = false;
    this.dirty = true;
  }

  // Fades by the wall-clock time since the last frame and redraws what changed.
  frame(dtSeconds, dark) {
    const decay = Math.pow(0.5, dtSeconds / FADE_SECONDS);
    const d = this.image.data;
    if (this.dirty || this.active.size > 0 || this.dark !== dark) {
      if (this.dark !== dark) { this.dark = dark; this.repaintAll = true; }
      const base = dark ? [32, 37, 43] : [232, 236, 240];
      const trace = dark ? [58, 66, 76] : [200, 208, 216];
      const paint = (c) => {
        let r = this.seen[c] ? trace[0] : base[0], g = this.seen[c] ? trace[1] : base[1], b = this.seen[c] ? trace[2] : base[2];
        for (let k = 0; k < CHANNELS; k++) {
          const h = this.heat[c * CHANNELS + k];
          if (h > 0) {
            r += (COLORS[k][0] - r) * h; g += (COLORS[k][1] - g) * h; b += (COLORS[k][2] - b) * h;
          }
        }
        const o = c * 4;
        d[o] = r; d[o + 1] = g; d[o + 2] = b; d[o + 3] = 255;
      };
      if (this.repaintAll || !this.painted) {
        for (let c = 0; c < this.cells; c++) paint(c);
        this.repaintAll = false; this.painted = true;
      }
      for (const c of this.active) {
        let alive = false;
        for (let k = 0; k < CHANNELS; k++) {
          const i = c * CHANNELS + k;
          this.heat[i] *= decay;
          if (this.heat[i] < 0.02) this.heat[i] = 0; else alive = true;
        }
        paint(c);
        if (!alive) this.active.delete(c);
      }
      this.dirty = false;
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
      if (this.px >= 5) {
        // a thin gap between cells, so single blocks read as blocks
        this.ctx.fillStyle = dark ? '#1c2127' : '#f5f7f9';
        for (let x = 0; x <= this.cols; x++) this.ctx.fillRect(x * this.px, 0, 1, this.rows * this.px);
        for (let y = 0; y <= this.rows; y++) this.ctx.fillRect(0, y * this.px, this.cols * this.px, 1);
      }
    }
  }

  remove() { this.el.remove(); }
}
