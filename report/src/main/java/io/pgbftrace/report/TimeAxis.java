package io.pgbftrace.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report's time axis: only the time when something happened, with idle gaps squeezed into narrow breaks (as
 * asciinema limits idle time). A session of 4 s whose scan took 60 ms shows the scan across the width, not as a
 * sliver. Positions are 0..1 along the axis; labels are seconds since the session start, at the precision the
 * shown span needs.
 */
final class TimeAxis {
    /** Gaps shorter than this are never squeezed. */
    static final long MIN_GAP_NS = 50_000_000L;
    /** A gap is squeezed when it is longer than this share of the active time (and {@link #MIN_GAP_NS}). */
    static final double GAP_SHARE = 0.10;
    /** Width of one break, and of all breaks together at most, as shares of the axis. */
    static final double BREAK_WIDTH = 0.025;
    static final double ALL_BREAKS = 0.25;

    /** Active time from {@code startNs} to {@code endNs}, drawn from {@code x0} to {@code x1}. */
    record Segment(long startNs, long endNs, double x0, double x1) {
        double x(long t) {
            return endNs == startNs ? x0 : x0 + (x1 - x0) * (double) (t - startNs) / (endNs - startNs);
        }
    }

    /** A squeezed idle gap: its place on the axis and how long it really was. */
    record Break(double x0, double x1, long idleNs) {
    }

    /** A tick: where, and its label. */
    record Tick(double x, String label) {
    }

    private final long originNs;
    private final List<Segment> segments;
    private final List<Break> breaks;

    private TimeAxis(long originNs, List<Segment> segments, List<Break> breaks) {
        this.originNs = originNs;
        this.segments = segments;
        this.breaks = breaks;
    }

    /** A plain axis over [fromNs, toNs], nothing squeezed. */
    static TimeAxis linear(long originNs, long fromNs, long toNs) {
        return new TimeAxis(originNs, List.of(new Segment(fromNs, Math.max(toNs, fromNs + 1), 0, 1)), List.of());
    }

    /**
     * The axis over the activity: {@code ranges} are [first, last] event times of the session's batches (any
     * order, overlapping allowed), clipped to [fromNs, toNs]. Without activity, a plain axis over the window.
     */
    static TimeAxis of(long originNs, List<long[]> ranges, long fromNs, long toNs) {
        List<long[]> clipped = new ArrayList<>();
        for (long[] r : ranges) {
            long a = Math.max(r[0], fromNs);
            long b = Math.min(r[1], toNs);
            if (a <= b) {
                clipped.add(new long[]{a, b});
            }
        }
        if (clipped.isEmpty()) {
            return linear(originNs, fromNs, toNs);
        }
        clipped.sort((p, q) -> Long.compare(p[0], q[0]));
        List<long[]> merged = new ArrayList<>();
        for (long[] r : clipped) {
            long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && r[0] <= last[1]) {
                last[1] = Math.max(last[1], r[1]);
            } else {
                merged.add(r.clone());
            }
        }
        long active = 0;
        for (long[] r : merged) {
            active += r[1] - r[0];
        }
        long threshold = Math.max(MIN_GAP_NS, (long) (GAP_SHARE * active));
        // join what is separated by less than the threshold: that idle time stays on the axis, to scale
        List<long[]> spans = new ArrayList<>();
        for (long[] r : merged) {
            long[] last = spans.isEmpty() ? null : spans.get(spans.size() - 1);
            if (last != null && r[0] - last[1] < threshold) {
                last[1] = r[1];
            } else {
                spans.add(r);
            }
        }
        long total = 0;
        for (long[] s : spans) {
            total += s[1] - s[0];
        }
        // a span with a single instant still gets some width
        long minSpan = Math.max(1, total / 100);
        long weighted = 0;
        for (long[] s : spans) {
            weighted += Math.max(minSpan, s[1] - s[0]);
        }
        int gaps = spans.size() - 1;
        double breakWidth = gaps == 0 ? 0 : Math.min(BREAK_WIDTH, ALL_BREAKS / gaps);
        double room = 1 - gaps * breakWidth;
        List<Segment> segments = new ArrayList<>();
        List<Break> breaks = new ArrayList<>();
        double x = 0;
        for (int i = 0; i < spans.size(); i++) {
            long[] s = spans.get(i);
            double w = room * Math.max(minSpan, s[1] - s[0]) / weighted;
            long end = Math.max(s[1], s[0] + 1);
            segments.add(new Segment(s[0], end, x, x + w));
            x += w;
            if (i < gaps) {
                breaks.add(new Break(x, x + breakWidth, spans.get(i + 1)[0] - s[1]));
                x += breakWidth;
            }
        }
        return new TimeAxis(originNs, segments, breaks);
    }

    long startNs() {
        return segments.get(0).startNs();
    }

    long endNs() {
        return segments.get(segments.size() - 1).endNs();
    }

    List<Break> breaks() {
        return breaks;
    }

    /** Time on the axis: all of it, less the idle time squeezed into breaks. */
    long shownNs() {
        long s = 0;
        for (Segment g : segments) {
            s += g.endNs() - g.startNs();
        }
        return s;
    }

    /** Position of a time, 0..1; a time inside a break lies in it, proportionally. Binary search: per event. */
    double x(long t) {
        if (t <= startNs()) {
            return 0;
        }
        int lo = 0;
        int hi = segments.size() - 1;
        while (lo < hi) { // the last segment starting at or before t
            int mid = (lo + hi + 1) >>> 1;
            if (segments.get(mid).startNs() <= t) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        Segment s = segments.get(lo);
        if (t <= s.endNs()) {
            return s.x(t);
        }
        if (lo == segments.size() - 1) {
            return 1;
        }
        Break b = breaks.get(lo);
        long next = segments.get(lo + 1).startNs();
        return b.x0() + (b.x1() - b.x0()) * (double) (t - s.endNs()) / Math.max(1, next - s.endNs());
    }

    /** The time at a position (the inverse of {@link #x}). */
    long timeAt(double x) {
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            if (x <= s.x1() || i == segments.size() - 1) {
                double f = s.x1() == s.x0() ? 0 : Math.max(0, Math.min(1, (x - s.x0()) / (s.x1() - s.x0())));
                return s.startNs() + Math.round(f * (s.endNs() - s.startNs()));
            }
            Break b = breaks.get(i);
            if (x < b.x1()) {
                long next = segments.get(i + 1).startNs();
                return s.endNs() + Math.round((x - b.x0()) / (b.x1() - b.x0()) * (next - s.endNs()));
            }
        }
        return endNs();
    }

    /** The bin of a time, of {@code bins} equal parts of the axis. */
    int bin(long t, int bins) {
        return (int) Math.max(0, Math.min(bins - 1, Math.floor(x(t) * bins)));
    }

    /** "1.230-1.262 s": what bin {@code i} of {@code bins} covers, in session seconds. */
    String binRange(int i, int bins) {
        long a = timeAt((double) i / bins);
        long b = timeAt((double) (i + 1) / bins);
        int digits = decimals(Math.max(1, (b - a) / 2));
        return seconds(a, digits) + "-" + seconds(b, digits) + " s";
    }

    /** About {@code target} ticks at round steps over the active time, inside segments only, labels distinct. */
    List<Tick> ticks(int target) {
        long step = niceStep(Math.max(1, shownNs() / Math.max(1, target)));
        int digits = decimals(step);
        List<Tick> out = new ArrayList<>();
        double lastX = -1;
        for (Segment s : segments) {
            long rel = s.startNs() - originNs;
            long first = Math.floorDiv(rel + step - 1, step) * step;
            for (long t = first; t <= s.endNs() - originNs; t += step) {
                double x = s.x(t + originNs);
                if (x - lastX < 0.07) { // keep labels from running into each other
                    continue;
                }
                out.add(new Tick(x, seconds(t + originNs, digits) + " s"));
                lastX = x;
            }
        }
        return out;
    }

    /** Session seconds of a time, with {@code digits} decimals. */
    String seconds(long t, int digits) {
        return String.format(Locale.ROOT, "%." + digits + "f", (t - originNs) / 1e9);
    }

    /** Decimals that tell apart times {@code stepNs} apart: 1 s -> 0, 20 ms -> 2, 5 us -> 6. */
    static int decimals(long stepNs) {
        int d = 0;
        double step = stepNs / 1e9;
        while (d < 9 && step < 0.999999 * Math.pow(10, -d)) {
            d++;
        }
        return d;
    }

    /** 1, 2 or 5 times a power of ten, at least {@code ns}. */
    static long niceStep(long ns) {
        long p = 1;
        while (true) {
            for (long m : new long[]{1, 2, 5}) {
                if (m * p >= ns) {
                    return m * p;
                }
            }
            p *= 10;
        }
    }

    /** "1.4 s", "230 ms", "15 µs", "512 ns": a duration in words (breaks, columns, latencies). */
    static String duration(long ns) {
        if (ns >= 10_000_000_000L) {
            return String.format(Locale.ROOT, "%.0f s", ns / 1e9);
        }
        if (ns >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.1f s", ns / 1e9);
        }
        if (ns >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.0f ms", ns / 1e6);
        }
        if (ns >= 1_000L) {
            return String.format(Locale.ROOT, "%.0f \u00b5s", ns / 1e3);
        }
        return ns + " ns";
    }
}
