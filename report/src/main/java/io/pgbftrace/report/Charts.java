package io.pgbftrace.report;

import io.pgbftrace.session.Marker;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.SVGHints;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.util.List;
import java.util.Locale;

/** The report's SVG charts, drawn with JFreeSVG. Each returns one {@code <svg>} element as a string. */
final class Charts {
    static final int HEATMAP_WIDTH = 720;
    static final int HEATMAP_HEIGHT = 220;
    static final int IO_HEIGHT = 70;
    static final int STRIP_WIDTH = 90;
    private static final int LEFT = 64;
    private static final int TOP = 8;
    private static final int BOTTOM = 26;
    private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Color TRANSPARENT = new Color(0, 0, 0, 0);

    private Charts() {
    }

    /** What a heatmap cell covers, for axes and tooltips. */
    record Axes(long startNs, long spanNs, int timeBins, long rowSize, int rows) {
        double seconds(int bin) {
            return (double) spanNs * bin / timeBins / 1e9;
        }

        String timeRange(int bin) {
            return String.format(Locale.ROOT, "%.3f-%.3f s", seconds(bin), seconds(bin + 1));
        }

        String blockRange(int row) {
            long from = row * rowSize;
            return rowSize == 1 ? "block " + from : "blocks " + from + "-" + (from + rowSize - 1);
        }
    }

    private static SVGGraphics2D canvas(int width, int height) {
        SVGGraphics2D g = new SVGGraphics2D(width, height);
        g.setFont(FONT);
        return g;
    }

    private static String finish(SVGGraphics2D g, String cssClass) {
        return g.getSVGElement(null, true, null, null, null)
                .replaceFirst("<svg ", "<svg class=\"" + cssClass + "\" role=\"img\" ")
                .replace(Palette.INK_SVG, "currentColor");
    }

    private static void title(SVGGraphics2D g, String text) {
        g.setRenderingHint(SVGHints.KEY_ELEMENT_TITLE, text);
    }

    /** Accesses by time and block: one rect per non-empty cell, each with its numbers as a tooltip. */
    static String heatmap(BlockTimeGrid grid, Axes axes, int usedRows, boolean log) {
        int w = LEFT + HEATMAP_WIDTH + 10;
        int h = TOP + HEATMAP_HEIGHT + BOTTOM;
        SVGGraphics2D g = canvas(w, h);
        long max = 0;
        for (int t = 0; t < grid.timeBins(); t++) {
            for (int r = 0; r < usedRows; r++) {
                max = Math.max(max, grid.accesses(t, r));
            }
        }
        double cw = (double) HEATMAP_WIDTH / grid.timeBins();
        double ch = (double) HEATMAP_HEIGHT / usedRows;
        for (int t = 0; t < grid.timeBins(); t++) {
            for (int r = 0; r < usedRows; r++) {
                int n = grid.accesses(t, r);
                if (n == 0) {
                    continue;
                }
                g.setColor(Palette.ramp(Palette.ACCESS, 0.15 + 0.85 * Palette.level(n, max, log)));
                title(g, String.format(Locale.ROOT, "%s, %s: %,d accesses (%,d hits, %,d misses, %,d extends),"
                                + " %,d writes", axes.timeRange(t), axes.blockRange(r), n,
                        grid.count(BlockTimeGrid.HIT, t, r), grid.count(BlockTimeGrid.MISS, t, r),
                        grid.count(BlockTimeGrid.EXTEND, t, r), grid.count(BlockTimeGrid.WRITE, t, r)));
                // block 0 at the top, as the relation's file reads
                g.fill(new Rectangle2D.Double(LEFT + t * cw, TOP + r * ch, Math.max(cw, 1), Math.max(ch, 1)));
            }
        }
        axes(g, axes, usedRows, HEATMAP_HEIGHT);
        return finish(g, "heatmap");
    }

    /** Misses and extends (upper half of each cell, reds) and writes (lower half, blues) by time and block. */
    static String ioHeatmap(BlockTimeGrid grid, Axes axes, int usedRows, boolean log) {
        int w = LEFT + HEATMAP_WIDTH + 10;
        int h = TOP + IO_HEIGHT + BOTTOM;
        SVGGraphics2D g = canvas(w, h);
        long maxMiss = 0;
        long maxWrite = 0;
        for (int t = 0; t < grid.timeBins(); t++) {
            for (int r = 0; r < usedRows; r++) {
                maxMiss = Math.max(maxMiss, missesAndExtends(grid, t, r));
                maxWrite = Math.max(maxWrite, grid.count(BlockTimeGrid.WRITE, t, r));
            }
        }
        double cw = (double) HEATMAP_WIDTH / grid.timeBins();
        double ch = (double) IO_HEIGHT / usedRows;
        for (int t = 0; t < grid.timeBins(); t++) {
            for (int r = 0; r < usedRows; r++) {
                long m = missesAndExtends(grid, t, r);
                int wr = grid.count(BlockTimeGrid.WRITE, t, r);
                if (m == 0 && wr == 0) {
                    continue;
                }
                String tip = String.format(Locale.ROOT, "%s, %s: %,d misses, %,d extends, %,d writes",
                        axes.timeRange(t), axes.blockRange(r), grid.count(BlockTimeGrid.MISS, t, r),
                        grid.count(BlockTimeGrid.EXTEND, t, r), wr);
                double x = LEFT + t * cw;
                double y = TOP + r * ch;
                double half = Math.max(ch / 2, 0.5);
                if (m > 0) {
                    g.setColor(Palette.ramp(Palette.MISS, 0.2 + 0.8 * Palette.level(m, maxMiss, log)));
                    g.fill(new Rectangle2D.Double(x, y, Math.max(cw, 1), half));
                }
                if (wr > 0) {
                    g.setColor(Palette.ramp(Palette.WRITE, 0.2 + 0.8 * Palette.level(wr, maxWrite, log)));
                    g.fill(new Rectangle2D.Double(x, y + half, Math.max(cw, 1), half));
                }
                // one tooltip per cell, over both halves
                g.setColor(TRANSPARENT);
                title(g, tip);
                g.fill(new Rectangle2D.Double(x, y, Math.max(cw, 1), Math.max(ch, 1)));
            }
        }
        axes(g, axes, usedRows, IO_HEIGHT);
        return finish(g, "heatmap io");
    }

    private static long missesAndExtends(BlockTimeGrid grid, int t, int r) {
        return (long) grid.count(BlockTimeGrid.MISS, t, r) + grid.count(BlockTimeGrid.EXTEND, t, r);
    }

    private static void axes(SVGGraphics2D g, Axes axes, int usedRows, int height) {
        g.setColor(Palette.INK);
        g.setStroke(new BasicStroke(1f));
        g.draw(new Line2D.Double(LEFT, TOP + height + 0.5, LEFT + HEATMAP_WIDTH, TOP + height + 0.5));
        g.draw(new Line2D.Double(LEFT - 0.5, TOP, LEFT - 0.5, TOP + height));
        for (int i = 0; i <= 4; i++) {
            int bin = axes.timeBins() * i / 4;
            double x = LEFT + (double) HEATMAP_WIDTH * i / 4;
            String label = String.format(Locale.ROOT, "%.1f s", axes.seconds(bin) + 0.0);
            g.drawString(label, (float) (i == 4 ? x - g.getFontMetrics().stringWidth(label) : x),
                    TOP + height + 16);
        }
        long blocks = usedRows * axes.rowSize();
        g.drawString("0", LEFT - 12, TOP + 10);
        String last = Long.toString(blocks - 1);
        g.drawString(last, LEFT - 6 - g.getFontMetrics().stringWidth(last), TOP + height);
        g.drawString("block", 4, TOP + height / 2f + 4);
    }

    /** Accesses per block over the whole window: a bar per block range, same orientation as the heatmap. */
    static String blockStrip(BlockTimeGrid strip, long sizeBlocks, boolean log) {
        int used = strip.usedRows(sizeBlocks);
        int h = TOP + HEATMAP_HEIGHT + BOTTOM;
        SVGGraphics2D g = canvas(STRIP_WIDTH, h);
        long max = 0;
        for (int r = 0; r < used; r++) {
            max = Math.max(max, strip.accesses(0, r));
        }
        double rh = (double) HEATMAP_HEIGHT / used;
        for (int r = 0; r < used; r++) {
            int n = strip.accesses(0, r);
            if (n == 0) {
                continue;
            }
            double len = Math.max(1, (STRIP_WIDTH - 10) * Palette.level(n, max, log));
            long from = r * strip.rowSize();
            g.setColor(Palette.ramp(Palette.ACCESS, 0.15 + 0.85 * Palette.level(n, max, log)));
            title(g, String.format(Locale.ROOT, "%s: %,d accesses over the window",
                    strip.rowSize() == 1 ? "block " + from : "blocks " + from + "-" + (from + strip.rowSize() - 1),
                    n));
            g.fill(new Rectangle2D.Double(2, TOP + r * rh, len, Math.max(rh, 1)));
        }
        g.setColor(Palette.INK);
        g.drawString("hot blocks", 2, TOP + HEATMAP_HEIGHT + 16);
        return finish(g, "strip");
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
        int w = 420;
        int h = 130;
        int plotH = 90;
        SVGGraphics2D g = canvas(w, h);
        long max = 1;
        for (long b : buckets) {
            max = Math.max(max, b);
        }
        double bw = (double) (w - 20) / n;
        for (int i = first; i <= last; i++) {
            if (buckets[i] == 0) {
                continue;
            }
            double bh = Math.max(1, plotH * (double) buckets[i] / max);
            g.setColor(Palette.READ_BAR);
            title(g, String.format(Locale.ROOT, "%s to %s: %,d reads", duration(1L << i), duration(2L << i),
                    buckets[i]));
            g.fill(new Rectangle2D.Double(10 + (i - first) * bw, TOP + plotH - bh, Math.max(bw - 1, 1), bh));
        }
        g.setColor(Palette.INK);
        g.draw(new Line2D.Double(10, TOP + plotH + 0.5, w - 10, TOP + plotH + 0.5));
        for (long mark : new long[]{1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000}) {
            int bucket = 63 - Long.numberOfLeadingZeros(mark);
            if (bucket >= first && bucket <= last) {
                double x = 10 + (bucket - first) * bw;
                g.drawString(duration(mark), (float) x, TOP + plotH + 16);
            }
        }
        return finish(g, "latency");
    }

    static String duration(long ns) {
        if (ns >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.0f s", ns / 1e9);
        }
        if (ns >= 1_000_000) {
            return String.format(Locale.ROOT, "%.0f ms", ns / 1e6);
        }
        if (ns >= 1_000) {
            return String.format(Locale.ROOT, "%.0f us", ns / 1e3);
        }
        return ns + " ns";
    }

    /**
     * Events per time bin, stacked: accesses, kernel reads, writes; QUERY and CHECKPOINT markers as lines with
     * the SQL text or checkpoint details as tooltips.
     */
    static String timeline(long[][] bins, long startNs, long spanNs, List<Marker> markers, boolean log) {
        int plotW = 900;
        int plotH = 140;
        int top = TOP + 18; // room for the legend above the bars // room for the legend above the bars
        int w = LEFT + plotW + 10;
        int h = top + plotH + BOTTOM;
        SVGGraphics2D g = canvas(w, h);
        long max = 1;
        for (long[] b : bins) {
            max = Math.max(max, b[0] + b[1] + b[2]);
        }
        double bw = (double) plotW / bins.length;
        Color[] colours = {Palette.HIT_BAR, Palette.READ_BAR, Palette.WRITE_BAR};
        String[] names = {"accesses", "kernel reads", "writes"};
        for (int i = 0; i < bins.length; i++) {
            long total = bins[i][0] + bins[i][1] + bins[i][2];
            if (total == 0) {
                continue;
            }
            double height = plotH * Palette.level(total, max, log);
            double y = top + plotH;
            String tip = String.format(Locale.ROOT, "%.3f-%.3f s: %,d accesses, %,d kernel reads, %,d writes",
                    spanNs * (double) i / bins.length / 1e9, spanNs * (double) (i + 1) / bins.length / 1e9,
                    bins[i][0], bins[i][1], bins[i][2]);
            for (int k = 0; k < 3; k++) {
                if (bins[i][k] == 0) {
                    continue;
                }
                double part = height * bins[i][k] / total;
                y -= part;
                g.setColor(colours[k]);
                title(g, tip);
                g.fill(new Rectangle2D.Double(LEFT + i * bw, y, Math.max(bw - 0.5, 0.5), Math.max(part, 0.5)));
            }
        }
        for (Marker m : markers) {
            double x = LEFT + plotW * (double) (m.timeNs() - startNs) / spanNs;
            boolean checkpoint = m.kind() != io.pgbftrace.session.EventKind.QUERY;
            g.setColor(checkpoint ? Palette.CHECKPOINT_MARK : Palette.QUERY_MARK);
            g.setStroke(new BasicStroke(checkpoint ? 2f : 1f));
            String when = String.format(Locale.ROOT, "%.3f s, pid %d: ", (m.timeNs() - startNs) / 1e9, m.pid());
            title(g, when + switch (m.kind()) {
                case QUERY -> m.text();
                case CHECKPOINT_START -> "checkpoint starts (flags 0x" + Long.toHexString(m.value()) + ")";
                default -> "checkpoint done, " + m.value() + " buffers written";
            });
            g.draw(new Line2D.Double(x, top, x, top + plotH));
        }
        g.setStroke(new BasicStroke(1f));
        g.setColor(Palette.INK);
        g.draw(new Line2D.Double(LEFT, top + plotH + 0.5, LEFT + plotW, top + plotH + 0.5));
        for (int i = 0; i <= 5; i++) {
            double x = LEFT + plotW * i / 5.0;
            String label = String.format(Locale.ROOT, "%.1f s", spanNs * i / 5.0 / 1e9);
            g.drawString(label, (float) (i == 5 ? x - g.getFontMetrics().stringWidth(label) : x), top + plotH + 16);
        }
        g.drawString(log ? "events (log)" : "events", 2, TOP + 10);
        for (int k = 0; k < 3; k++) {
            g.setColor(colours[k]);
            g.fill(new Rectangle2D.Double(LEFT + 10 + k * 120, TOP, 10, 10));
            g.setColor(Palette.INK);
            g.drawString(names[k], LEFT + 24 + k * 120, TOP + 9);
        }
        return finish(g, "timeline");
    }

    /** A horizontal legend of a ramp from 1 to max, labelled by the scale. */
    static String legend(Color[] ramp, String label, long max, boolean log) {
        int w = 260;
        int h = 34;
        SVGGraphics2D g = canvas(w, h);
        for (int i = 0; i < 100; i++) {
            g.setColor(Palette.ramp(ramp, 0.15 + 0.85 * i / 99.0));
            g.fill(new Rectangle2D.Double(10 + i * 1.6, 4, 1.7, 12));
        }
        g.setColor(Palette.INK);
        g.drawString("1", 10, 29);
        String top = String.format(Locale.ROOT, "%,d", Math.max(max, 1));
        g.drawString(top, 170 - g.getFontMetrics().stringWidth(top), 29);
        g.drawString(label + (log ? " (log)" : ""), 176, 14);
        return finish(g, "legend");
    }
}
