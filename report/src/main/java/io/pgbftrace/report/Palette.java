package io.pgbftrace.report;

import java.awt.Color;

/** Colour scales of the report. Sequential scales go from light (few) to dark (many). */
final class Palette {
    /**
     * Text and axes are drawn in this colour and written as {@code currentColor} afterwards, so the page's CSS
     * decides (dark mode); JFreeSVG writes colours as rgb() only.
     */
    static final Color INK = new Color(1, 2, 3);
    static final String INK_SVG = "rgb(1,2,3)";

    /** Accesses: a viridis-like ramp, readable on light and dark backgrounds. */
    static final Color[] ACCESS = {new Color(0xfde725), new Color(0x7ad151), new Color(0x22a884),
            new Color(0x2a788e), new Color(0x414487), new Color(0x440154)};
    /** Misses and extends: oranges to dark red. */
    static final Color[] MISS = {new Color(0xfee8c8), new Color(0xfdbb84), new Color(0xfc8d59),
            new Color(0xe34a33), new Color(0xb30000)};
    /** Writes: light to dark blue. */
    static final Color[] WRITE = {new Color(0xdeebf7), new Color(0x9ecae1), new Color(0x6baed6),
            new Color(0x3182bd), new Color(0x08519c)};

    static final Color HIT_BAR = new Color(0x22a884);
    static final Color READ_BAR = new Color(0xe34a33);
    static final Color WRITE_BAR = new Color(0x3182bd);
    static final Color QUERY_MARK = new Color(0x888888);
    static final Color CHECKPOINT_MARK = new Color(0xb30000);

    private Palette() {
    }

    /** Position of a count on the scale, 0..1. */
    static double level(long count, long max, boolean log) {
        if (count <= 0 || max <= 0) {
            return 0;
        }
        return log ? Math.log1p(count) / Math.log1p(max) : (double) count / max;
    }

    /** Interpolates a ramp at t in 0..1. */
    static Color ramp(Color[] stops, double t) {
        double x = Math.max(0, Math.min(1, t)) * (stops.length - 1);
        int i = Math.min(stops.length - 2, (int) x);
        double f = x - i;
        Color a = stops[i];
        Color b = stops[i + 1];
        return new Color((int) Math.round(a.getRed() + f * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + f * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + f * (b.getBlue() - a.getBlue())));
    }
}
