package io.pgbftrace.report;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The squeezed time axis: idle gaps become narrow breaks, the activity fills the width, ticks are distinct. */
class TimeAxisTest {
    static final long MS = 1_000_000L;

    @Test
    void aShortScanInALongIdleSessionFillsTheAxis() {
        // 60 ms of activity at 1.0 s and 60 ms at 3.0 s of a 4 s session
        List<long[]> ranges = List.of(new long[]{1000 * MS, 1060 * MS}, new long[]{3000 * MS, 3060 * MS});
        TimeAxis a = TimeAxis.of(0, ranges, 0, 4000 * MS);
        assertEquals(1, a.breaks().size());
        assertEquals(1940 * MS, a.breaks().get(0).idleNs());
        assertEquals(120 * MS, a.shownNs());
        assertEquals(0, a.x(1000 * MS), 1e-9);
        assertEquals(1, a.x(3060 * MS), 1e-9);
        double firstScan = a.x(1060 * MS) - a.x(1000 * MS);
        assertTrue(firstScan > 0.45, "each scan takes almost half the width: " + firstScan);
        assertEquals(a.breaks().get(0).x0(), a.x(1060 * MS), 1e-9);
        for (long t = 900 * MS; t < 3100 * MS; t += 7 * MS) { // monotonic, and timeAt inverts x within segments
            assertTrue(a.x(t + 7 * MS) >= a.x(t));
        }
        assertEquals(1030 * MS, a.timeAt(a.x(1030 * MS)), MS);
        List<String> labels = a.ticks(6).stream().map(TimeAxis.Tick::label).toList();
        assertEquals(labels.size(), labels.stream().distinct().count(), labels.toString());
        assertTrue(labels.stream().allMatch(l -> l.matches("\\d\\.\\d{2} s")), "10 ms steps need 2 decimals: " + labels);
    }

    @Test
    void shortPausesStayToScaleAndManyGapsStayCheap() {
        TimeAxis a = TimeAxis.of(0, List.of(new long[]{0, 500 * MS}, new long[]{520 * MS, 1000 * MS}), 0, 1000 * MS);
        assertTrue(a.breaks().isEmpty(), "a 20 ms pause in a second of work is shown as it was");
        List<long[]> many = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            many.add(new long[]{i * 2000 * MS, i * 2000 * MS + MS}); // 1 ms of work every 2 s
        }
        TimeAxis b = TimeAxis.of(0, many, 0, 10_000_000 * MS);
        assertEquals(4999, b.breaks().size());
        assertEquals(0.5, b.x(5000L * 1000 * MS), 0.01, "halfway in time, halfway on the axis");
    }
}
