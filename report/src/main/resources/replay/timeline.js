// The timeline: progress, time ticks, query and checkpoint markers (hover for the SQL; a click on one jumps to it),
// click or drag to seek.

export class Timeline {
  constructor(canvas, tooltip, onSeek, describe) {
    this.canvas = canvas;
    this.tooltip = tooltip;
    this.onSeek = onSeek;
    this.describe = describe;
    this.duration = 1;
    this.t = 0;
    this.markers = [];
    let dragging = false;
    const seekAt = (ev, snap) => {
      const r = canvas.getBoundingClientRect();
      const x = Math.max(0, Math.min(r.width, ev.clientX - r.left));
      const m = snap ? this.nearest(x, r.width) : null;
      this.onSeek(m ? m.t : (x / r.width) * this.duration);
    };
    canvas.addEventListener('pointerdown', (ev) => { dragging = true; canvas.setPointerCapture(ev.pointerId); seekAt(ev, true); });
    canvas.addEventListener('pointermove', (ev) => { if (dragging) seekAt(ev); else this.hover(ev); });
    canvas.addEventListener('pointerup', () => { dragging = false; });
    canvas.addEventListener('pointerleave', () => { this.tooltip.hidden = true; });
  }

  setMarkers(markers) { this.markers = markers; this.layer = null; this.draw(); }

  set(t, duration) {
    const d = Math.max(duration, 1e-6);
    if (d !== this.duration) this.layer = null;
    this.t = t;
    this.duration = d;
    this.draw();
  }

  // The markers, drawn once per change into a canvas of their own: there may be thousands.
  markerLayer(w, h, css) {
    if (this.layer && this.layer.width === w * devicePixelRatio && this.layer.dark === css.getPropertyValue('--query')) {
      return this.layer;
    }
    const layer = document.createElement('canvas');
    layer.width = w * devicePixelRatio;
    layer.height = h * devicePixelRatio;
    layer.dark = css.getPropertyValue('--query');
    const g = layer.getContext('2d');
    g.setTransform(devicePixelRatio, 0, 0, devicePixelRatio, 0, 0);
    for (const kind of ['QUERY', 'CHECKPOINT']) {
      g.strokeStyle = kind === 'QUERY' ? css.getPropertyValue('--query') : css.getPropertyValue('--checkpoint');
      g.lineWidth = kind === 'QUERY' ? 1 : 2;
      g.beginPath();
      for (const m of this.markers) {
        if ((m.kind === 'QUERY') !== (kind === 'QUERY')) continue;
        const x = Math.round((m.t / this.duration) * w) + 0.5;
        g.moveTo(x, 1); g.lineTo(x, 19);
      }
      g.stroke();
    }
    this.layer = layer;
    return layer;
  }

  // The marker nearest x (px of a timeline `width` wide), within 4 px.
  nearest(x, width) {
    let best = null, bestDx = 5;
    for (const m of this.markers) {
      const dx = Math.abs((m.t / this.duration) * width - x);
      if (dx < bestDx) { best = m; bestDx = dx; }
    }
    return best;
  }

  hover(ev) {
    const r = this.canvas.getBoundingClientRect();
    const x = ev.clientX - r.left;
    const best = this.nearest(x, r.width);
    if (!best) { this.tooltip.hidden = true; return; }
    this.tooltip.hidden = false;
    this.tooltip.textContent = `${best.t.toFixed(3)} s, pid ${best.pid}: ${this.describe(best)} (click to go there)`;
    this.tooltip.style.left = `${Math.min(r.width - 320, Math.max(0, x - 40))}px`;
  }

  draw() {
    const c = this.canvas;
    const w = c.clientWidth, h = c.clientHeight;
    if (c.width !== w * devicePixelRatio) { c.width = w * devicePixelRatio; c.height = h * devicePixelRatio; }
    const g = c.getContext('2d');
    g.setTransform(devicePixelRatio, 0, 0, devicePixelRatio, 0, 0);
    const css = getComputedStyle(document.documentElement);
    g.clearRect(0, 0, w, h);
    const mid = 10;
    g.fillStyle = css.getPropertyValue('--track');
    g.fillRect(0, mid - 3, w, 6);
    g.fillStyle = css.getPropertyValue('--accent');
    g.fillRect(0, mid - 3, (this.t / this.duration) * w, 6);
    // time ticks at a round step, about one per 90 px
    const target = this.duration / Math.max(1, w / 90);
    const p = Math.pow(10, Math.floor(Math.log10(target)));
    const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= target);
    const digits = Math.max(0, -Math.floor(Math.log10(step)));
    g.fillStyle = css.getPropertyValue('--muted');
    g.font = '10px system-ui, sans-serif';
    for (let k = 0; k * step <= this.duration + 1e-9; k++) {
      const x = (k * step / this.duration) * w;
      g.fillRect(Math.round(x), mid + 4, 1, 4);
      const label = `${(k * step).toFixed(digits)} s`;
      g.fillText(label, Math.min(w - g.measureText(label).width, Math.max(0, x - g.measureText(label).width / 2)), h - 1);
    }
    g.drawImage(this.markerLayer(w, h, css), 0, 0, w, h);
    const x = (this.t / this.duration) * w;
    g.fillStyle = css.getPropertyValue('--fg');
    g.beginPath(); g.arc(x, mid, 6, 0, 2 * Math.PI); g.fill();
  }
}
