package io.pgbftrace.report;

import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.CheckpointFlags;
import io.pgbftrace.session.Marker;
import io.pgbftrace.session.Words;

import java.util.List;
import java.util.Locale;

/**
 * The report's SVG charts. Colours are CSS classes of palette/palette.css (so dark mode and print restyle them);
 * every cell, bar and marker carries its own tooltip; time runs along a {@link TimeAxis} that squeezes idle gaps.
 */
final class Charts {
    static final int HEATMAP_WIDTH = 720;
    static final int HEATMAP_HEIGHT = 220;
    static final int IO_HEIGHT = 70;
    static final int STRIP_WIDTH = 110;
    /** Steps of each colour scale (classes h0..h9, m0..m4, w0..w4). */
    static final int HEAT_LEVELS = 10;
    static final int IO_LEVELS = 5;
    private static final int LEFT = 64;
    private static final int TOP = 8;
    private static final int BOTTOM = 40;
    /** The channels of a cell's accesses, and of its misses and extends. */
    static final int[] ACCESS = {BlockTimeGrid.HIT, BlockTimeGrid.MISS, BlockTimeGrid.EXTEND};
    static final int[] MISS_EXTEND = {BlockTimeGrid.MISS, BlockTimeGrid.EXTEND};

    private Charts() {
    }

    /** What a heatmap's rows cover. */
    record Rows(long rowSize, int used) {
        String blockRange(int row) {
            long from = row * rowSize;
            return rowSize == 1 ? "block " + from : String.format(Locale.ROOT, "blocks %,d-%,d", from,
                    from + rowSize - 1);
        }
    }

    /** The step of a count on a scale of {@code levels} steps, 0 for the fewest. */
    static int level(long n, long max, boolean log, int levels) {
        double l = Palette.level(n, max, log);
        return (int) Math.max(0, Math.min(levels - 1, Math.ceil(l * levels) - 1));
    }

    /** Accesses by time and block: one rect per non-empty cell, each with its numbers as its tooltip. */
    static String heatmap(BlockTimeGrid grid, TimeAxis axis, Rows rows, boolean log, String name) {
        return heatmap(grid, axis, rows, log, name, grid.maxCell(rows.used(), ACCESS));
    }

    /** The same, coloured on a scale up to {@code max} (two heatmaps compared share one scale). */
    static String heatmap(BlockTimeGrid grid, TimeAxis axis, Rows rows, boolean log, String name, long max) {
        int h = TOP + HEATMAP_HEIGHT + BOTTOM;
        Svg g = new Svg("heatmap", LEFT + HEATMAP_WIDTH + 10, h, "heatmap of " + name
                + ": block by time, colour = accesses");
        breaks(g, axis, LEFT, TOP, HEATMAP_WIDTH, HEATMAP_HEIGHT);
        String[] times = columnTimes(grid, axis);
        String[] blocks = rowBlocks(rows);
        double cw = (double) HEATMAP_WIDTH / grid.timeBins();
        double ch = (double) HEATMAP_HEIGHT / rows.used();
        for (int t = 0; t < grid.timeBins(); t++) {
            for (int r = 0; r < rows.used(); r++) {
                int n = grid.accesses(t, r);
                if (n == 0) {
                    continue;
                }
                // block 0 at the top, as the relation's file reads
                g.rect(LEFT + t * cw, TOP + r * ch, Math.max(cw, 1), Math.max(ch, 1),
                        "h" + level(n, max, log, HEAT_LEVELS),
                        times[t] + ", " + blocks[r] + ": " + counts(
                                grid.count(BlockTimeGrid.HIT, t, r), "hit", grid.count(BlockTimeGrid.MISS, t, r),
                                "miss", grid.count(BlockTimeGrid.EXTEND, t, r), "extend",
                                grid.count(BlockTimeGrid.WRITE, t, r), "write"));
            }
        }
        axes(g, axis, rows, HEATMAP_HEIGHT);
        return g.toString();
    }

    /** Misses and extends (upper half of each cell) and writes (lower half) by time and block. */
    static String ioHeatmap(BlockTimeGrid grid, TimeAxis axis, Rows rows, boolean log, String name) {
        return ioHeatmap(grid, axis, rows, log, name, grid.maxCell(rows.used(), MISS_EXTEND),
                grid.maxCell(rows.used(), BlockTimeGrid.WRITE));
    }

    /** The same on given scales for misses and extends, and for writes. */
    static String ioHeatmap(BlockTimeGrid grid, TimeAxis axis, Rows rows, boolean log, String name, long maxMiss,
                            long maxWrite) {
        int h = TOP + IO_HEIGHT + BOTTOM;
        Svg g = new Svg("heatmap io", LEFT + HEATMAP_WIDTH + 10, h, "misses, extends and writes of " + name);
        breaks(g, axis, LEFT, TOP, HEATMAP_WIDTH, IO_HEIGHT);
        String[] times = columnTimes(grid, axis);
        String[] blocks = rowBlocks(rows);
        double cw = (double) HEATMAP_WIDTH / grid.timeBins();
        double ch = (double) IO_HEIGHT / rows.used();
        for (int t = 0; t < grid.timeBins(); t++) {
            for (int r = 0; r < rows.used(); r++) {
                long m = missesAndExtends(grid, t, r);
                int wr = grid.count(BlockTimeGrid.WRITE, t, r);
                if (m == 0 && wr == 0) {
                    continue;
                }
                String tip = times[t] + ", " + blocks[r] + ": " + counts(
                        grid.count(BlockTimeGrid.MISS, t, r), "miss", grid.count(BlockTimeGrid.EXTEND, t, r),
                        "extend", wr, "write");
                double x = LEFT + t * cw;
                double y = TOP + r * ch;
                double half = Math.max(ch / 2, 0.5);
                g.group(null, tip);
                if (m > 0) {
                    g.rect(x, y, Math.max(cw, 1), half, "m" + level(m, maxMiss, log, IO_LEVELS), null);
                }
                if (wr > 0) {
                    g.rect(x, y + half, Math.max(cw, 1), half, "w" + level(wr, maxWrite, log, IO_LEVELS), null);
                }
                g.end();
            }
        }
        axes(g, axis, rows, IO_HEIGHT);
        return g.toString();
    }

    /** Each column's time range, for the tooltips of its cells. */
    private static String[] columnTimes(BlockTimeGrid grid, TimeAxis axis) {
        String[] times = new String[grid.timeBins()];
        for (int t = 0; t < times.length; t++) {
            times[t] = axis.binRange(t, times.length);
        }
        return times;
    }

    /** Each row's blocks, for the tooltips of its cells. */
    private static String[] rowBlocks(Rows rows) {
        String[] blocks = new String[rows.used()];
        for (int r = 0; r < blocks.length; r++) {
            blocks[r] = rows.blockRange(r);
        }
        return blocks;
    }

    /** "3 hits, 1 miss": the non-zero counts of pairs (count, singular), in words; "nothing" when all are 0. */
    static String counts(Object... pairs) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            long n = ((Number) pairs[i]).longValue();
            if (n != 0) {
                b.append(b.length() == 0 ? "" : ", ").append(Words.count(n, (String) pairs[i + 1]));
            }
        }
        return b.length() == 0 ? "nothing" : b.toString();
    }

    private static long missesAndExtends(BlockTimeGrid grid, int t, int r) {
        return (long) grid.count(BlockTimeGrid.MISS, t, r) + grid.count(BlockTimeGrid.EXTEND, t, r);
    }

    /**
     * Idle gaps as shaded bands with dashed edges, and how long each was under the axis (a label that would run
     * into the one before is left out; the band's tooltip still says it).
     */
    private static void breaks(Svg g, TimeAxis axis, double left, double top, double width, double height) {
        double labelEnd = Double.NEGATIVE_INFINITY;
        for (TimeAxis.Break b : axis.breaks()) {
            double x0 = left + b.x0() * width;
            double w = (b.x1() - b.x0()) * width;
            String idle = TimeAxis.duration(b.idleNs());
            g.rect(x0, top, w, height, "brk", idle + " with no events, squeezed");
            g.line(x0, top, x0, top + height, "brk-line", null);
            g.line(x0 + w, top, x0 + w, top + height, "brk-line", null);
            String label = idle + " idle";
            double half = label.length() * SMALL_CHAR_WIDTH / 2;
            if (x0 + w / 2 - half > labelEnd + 6) {
                g.text(x0 + w / 2, top + height + 30, label, "middle", "small");
                labelEnd = x0 + w / 2 + half;
            }
        }
    }

    /** About the width of one character of the "small" text class (10 px sans-serif), to keep labels apart. */
    private static final double SMALL_CHAR_WIDTH = 5.6;

    /** The x axis and its ticks, the y axis line. */
    private static void timeAxis(Svg g, TimeAxis axis, double left, double top, double width, double height,
                                 int ticks) {
        g.line(left, top + height + 0.5, left + width, top + height + 0.5, "axis", null);
        g.line(left - 0.5, top, left - 0.5, top + height, "axis", null);
        for (TimeAxis.Tick t : axis.ticks(ticks)) {
            double x = left + t.x() * width;
            g.line(x, top + height, x, top + height + 4, "axis", null);
            g.text(x, top + height + 16, t.label(), t.x() > 0.95 ? "end" : t.x() < 0.02 ? "start" : "middle", null);
        }
    }

    private static void axes(Svg g, TimeAxis axis, Rows rows, int height) {
        timeAxis(g, axis, LEFT, TOP, HEATMAP_WIDTH, height, 6);
        long blocks = rows.used() * rows.rowSize();
        g.text(LEFT - 6, TOP + 10, "0", "end", null);
        g.text(LEFT - 6, TOP + height, String.format(Locale.ROOT, "%,d", blocks - 1), "end", null);
        g.text(LEFT - 6, TOP + height / 2f + 4, "block", "end", null);
    }

    /** Accesses per block over the whole window: a bar per block range, same orientation as the heatmap. */
    static String blockStrip(BlockTimeGrid strip, long sizeBlocks, boolean log) {
        int used = strip.usedRows(sizeBlocks);
        int h = TOP + HEATMAP_HEIGHT + BOTTOM;
        Svg g = new Svg("strip", STRIP_WIDTH, h, "accesses per block over the whole window");
        long max = 0;
        for (int r = 0; r < used; r++) {
            max = Math.max(max, strip.accesses(0, r));
        }
        Rows rows = new Rows(strip.rowSize(), used);
        double rh = (double) HEATMAP_HEIGHT / used;
        int barMax = STRIP_WIDTH - 12;
        for (int r = 0; r < used; r++) {
            int n = strip.accesses(0, r);
            if (n == 0) {
                continue;
            }
            double len = Math.max(1, barMax * Palette.level(n, max, log));
            g.rect(2, TOP + r * rh, len, Math.max(rh, 1), "h" + level(n, max, log, HEAT_LEVELS),
                    rows.blockRange(r) + ": " + Words.count(n, "access") + " over the window");
        }
        g.line(2, TOP + HEATMAP_HEIGHT + 0.5, 2 + barMax, TOP + HEATMAP_HEIGHT + 0.5, "axis", null);
        g.text(2, TOP + HEATMAP_HEIGHT + 14, "0", "start", "small");
        g.text(2 + barMax, TOP + HEATMAP_HEIGHT + 14, String.format(Locale.ROOT, "%,d", max), "end", "small");
        g.text(2, TOP + HEATMAP_HEIGHT + 30, "hot blocks" + (log ? " (log)" : ""), "start", null);
        return g.toString();
    }

    /** Read latencies in log2 buckets: page-cache hits (microseconds) and disk reads (milliseconds) apart. */
    static String latency(long[] buckets) {
        int first = buckets.length;
        int last = 0;
        for (int i = 0; i < buckets.length; i++) {
            if (buckets[i] > 0) {
                first = Math.min(first, i);
                last = i;
            }
        }
        first = Math.min(first, 10); // from 1 us at least
        last = Math.max(last, 24);   // to 16 ms at least
        int n = last - first + 1;
        int left = 52;
        int w = 460;
        int plotH = 90;
        int h = TOP + plotH + 26;
        Svg g = new Svg("latency", w, h, "kernel read latency histogram");
        long max = 1;
        for (long b : buckets) {
            max = Math.max(max, b);
        }
        double bw = (double) (w - left - 10) / n;
        for (int i = first; i <= last; i++) {
            if (buckets[i] == 0) {
                continue;
            }
            double bh = Math.max(1, plotH * (double) buckets[i] / max);
            g.rect(left + (i - first) * bw, TOP + plotH - bh, Math.max(bw - 1, 1), bh, "bar-read",
                    String.format(Locale.ROOT, "%s to %s: %s", TimeAxis.duration(1L << i), TimeAxis.duration(2L << i),
                            Words.count(buckets[i], "read")));
        }
        g.line(left, TOP + plotH + 0.5, w - 10, TOP + plotH + 0.5, "axis", null);
        g.line(left - 0.5, TOP, left - 0.5, TOP + plotH, "axis", null);
        g.text(left - 4, TOP + 9, String.format(Locale.ROOT, "%,d", max), "end", null);
        g.text(left - 4, TOP + plotH, "0", "end", null);
        g.text(left - 4, TOP + plotH / 2f + 4, "reads", "end", null);
        for (long mark : new long[]{1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000}) {
            int bucket = 63 - Long.numberOfLeadingZeros(mark);
            if (bucket >= first && bucket <= last) {
                g.text(left + (bucket - first) * bw, TOP + plotH + 16, TimeAxis.duration(mark), "start", null);
            }
        }
        return g.toString();
    }

    /** What a marker says, in words (the timeline's tooltips and the report's table). */
    static String describe(Marker m) {
        return switch (m.kind()) {
            case QUERY -> m.text();
            case CHECKPOINT_START -> "checkpoint starts (" + CheckpointFlags.describe(m.value()) + ")";
            default -> "checkpoint done";
        };
    }

    /**
     * Events per time bin, stacked: accesses, kernel reads, writes; queries and checkpoints as lines with their
     * SQL or figures as tooltips.
     */
    static String timeline(long[][] bins, TimeAxis axis, List<Marker> markers, boolean log) {
        int plotW = 900;
        int plotH = 140;
        int left = LEFT + 10;
        int top = TOP + 18; // room for the legend above the bars
        int w = left + plotW + 10;
        int h = top + plotH + BOTTOM;
        Svg g = new Svg("timeline", w, h, "events over time, with queries and checkpoints");
        long max = 1;
        for (long[] b : bins) {
            max = Math.max(max, b[0] + b[1] + b[2]);
        }
        breaks(g, axis, left, top, plotW, plotH);
        double bw = (double) plotW / bins.length;
        String[] classes = {"bar-access", "bar-read", "bar-write"};
        for (int i = 0; i < bins.length; i++) {
            long total = bins[i][0] + bins[i][1] + bins[i][2];
            if (total == 0) {
                continue;
            }
            double height = plotH * Palette.level(total, max, log);
            double y = top + plotH;
            g.group(null, String.format(Locale.ROOT, "%s: %s, %s, %s", axis.binRange(i, bins.length),
                    Words.count(bins[i][0], "access"), Words.count(bins[i][1], "kernel read"),
                    Words.count(bins[i][2], "write")));
            for (int k = 0; k < 3; k++) {
                if (bins[i][k] == 0) {
                    continue;
                }
                double part = height * bins[i][k] / total;
                y -= part;
                g.rect(left + i * bw, y, Math.max(bw - 0.5, 0.5), Math.max(part, 0.5), classes[k], null);
            }
            g.end();
        }
        for (Marker m : markers) {
            double x = left + plotW * axis.x(m.timeNs());
            boolean checkpoint = m.kind() != EventKind.QUERY;
            String tip = axis.seconds(m.timeNs(), 3) + " s, pid " + m.pid() + ": " + describe(m);
            // a wide transparent line under the visible one: a 1 px line is hard to hover
            g.group(checkpoint ? "marker checkpoint" : "marker query", tip);
            g.line(x, top, x, top + plotH, "hit-area", null);
            g.line(x, top, x, top + plotH, checkpoint ? "mark-ckpt" : "mark-query", null);
            g.end();
        }
        timeAxis(g, axis, left, top, plotW, plotH, 7);
        g.text(left - 4, top + 9, String.format(Locale.ROOT, "%,d", max), "end", null);
        g.text(left - 4, top + plotH, "0", "end", null);
        g.text(left - 4, top + plotH / 2f + 4, log ? "log" : "", "end", "small");
        g.text(2, TOP + 10, "events per bar", "start", null);
        String[] names = {"accesses", "kernel reads", "writes"};
        for (int k = 0; k < 3; k++) {
            g.rect(left + 90 + k * 120, TOP + 1, 10, 10, classes[k], null);
            g.text(left + 104 + k * 120, TOP + 10, names[k], "start", null);
        }
        g.line(left + 460, TOP + 1, left + 460, TOP + 11, "mark-query", null);
        g.text(left + 466, TOP + 10, "query", "start", null);
        g.line(left + 530, TOP + 1, left + 530, TOP + 11, "mark-ckpt", null);
        g.text(left + 536, TOP + 10, "checkpoint", "start", null);
        return g.toString();
    }

    /** A size on the miss-ratio curve: its label, the share of accesses that miss, and its tooltip. */
    record CurvePoint(long bytes, String label, double missRatio, String tooltip) {
    }

    /**
     * The model's miss ratio against shared_buffers (a doubling per step), as a line through its points, and the
     * session's own miss ratio at its size as a ring around the model's point there.
     */
    static String missCurve(List<CurvePoint> model, CurvePoint recorded) {
        int plotW = 600;
        int plotH = 180;
        int left = LEFT + 10;
        int top = TOP + 30; // room for the legend above the plot
        Svg g = new Svg("curve-chart", left + plotW + 40, top + plotH + BOTTOM, "predicted miss ratio by shared_buffers");
        double lo = Math.log(model.get(0).bytes());
        double hi = Math.log(model.get(model.size() - 1).bytes());
        double span = Math.max(hi - lo, 1e-9);
        java.util.function.DoubleUnaryOperator x = b -> left + 10 + (plotW - 20) * (Math.log(b) - lo) / span;
        java.util.function.DoubleUnaryOperator y = r -> top + plotH * (1 - r);
        for (int pct = 0; pct <= 100; pct += 25) {
            double yy = y.applyAsDouble(pct / 100.0);
            g.line(left, yy, left + plotW, yy, "grid-line", null);
            g.text(left - 6, yy + 4, pct + "%", "end", null);
        }
        g.line(left, top + plotH + 0.5, left + plotW, top + plotH + 0.5, "axis", null);
        for (int i = 1; i < model.size(); i++) {
            CurvePoint a = model.get(i - 1);
            CurvePoint b = model.get(i);
            g.line(x.applyAsDouble(a.bytes()), y.applyAsDouble(a.missRatio()), x.applyAsDouble(b.bytes()),
                    y.applyAsDouble(b.missRatio()), "curve", null);
        }
        for (CurvePoint p : model) {
            double px = x.applyAsDouble(p.bytes());
            g.group("point", p.tooltip());
            g.circle(px, y.applyAsDouble(p.missRatio()), 10, "hit-area", null);
            g.circle(px, y.applyAsDouble(p.missRatio()), 4, "curve-dot", null);
            g.end();
            g.text(px, top + plotH + 16, p.label(), "middle", null);
        }
        if (recorded != null) {
            g.circle(x.applyAsDouble(recorded.bytes()), y.applyAsDouble(recorded.missRatio()), 8, "recorded-dot",
                    recorded.tooltip());
        }
        g.text(left + plotW / 2.0, top + plotH + 34, "shared_buffers", "middle", null);
        g.text(2, TOP + 10, "accesses that miss", "start", null);
        g.circle(left + 150, TOP + 6, 4, "curve-dot", null);
        g.text(left + 160, TOP + 10, "model", "start", null);
        g.circle(left + 220, TOP + 6, 6, "recorded-dot", null);
        g.text(left + 232, TOP + 10, "recorded", "start", null);
        return g.toString();
    }

    /** A horizontal legend of the access scale from 1 to max, labelled by the scale. */
    static String legend(String label, long max, boolean log) {
        int w = 300;
        int h = 34;
        Svg g = new Svg("legend", w, h, "colour scale: " + label);
        double step = 160.0 / HEAT_LEVELS;
        for (int i = 0; i < HEAT_LEVELS; i++) {
            g.rect(10 + i * step, 4, step + 0.2, 12, "h" + i, null);
        }
        g.text(10, 29, "1", "start", null);
        g.text(170, 29, String.format(Locale.ROOT, "%,d", Math.max(max, 1)), "end", null);
        g.text(178, 14, label + (log ? " (log)" : ""), "start", null);
        return g.toString();
    }
}
