package io.pgbftrace.capture;

import io.pgbftrace.session.Event;
import io.pgbftrace.session.EventKind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TraceLineParserTest {
    private final List<Event> events = new ArrayList<>();
    private final List<String> other = new ArrayList<>();
    private final TraceLineParser parser = new TraceLineParser(new TraceLineParser.Sink() {
        @Override
        public void event(Event e) {
            events.add(e);
        }

        @Override
        public void ready(long timeNs) {
            other.add("ready " + timeNs);
        }

        @Override
        public void tick(long timeNs) {
            other.add("tick " + timeNs);
        }

        @Override
        public void lost(long count) {
            other.add("lost " + count);
        }

        @Override
        public void lostInMaps(long count) {
            other.add("lost in maps " + count);
        }

        @Override
        public void mode(long timeNs, boolean aggregated) {
            other.add("mode " + timeNs + " " + aggregated);
        }

        @Override
        public void bad(long lineNumber, int lines, String line, String why) {
            other.add("bad " + lineNumber + (lines == 1 ? "" : "+" + lines) + " " + why);
        }
    });

    private void feed(String... lines) {
        for (String l : lines) {
            parser.accept(l);
        }
        parser.finish();
    }

    @Test
    void accessLinesGiveTheirOutcome() {
        feed("A 474090071622 4323 5 1663 16387 0 43 -1 0",
                "A 474090071623 4323 5 1663 16387 1 44 -1 1",
                "A 474090071624 4323 5 1663 16387 0 4294967294 3 2");
        assertEquals(List.of(
                Event.access(EventKind.HIT, 474090071622L, 4323, 5, 1663, 16387, 0, 43, false),
                Event.access(EventKind.MISS, 474090071623L, 4323, 5, 1663, 16387, 1, 44, false),
                Event.access(EventKind.EXTEND, 474090071624L, 4323, 5, 1663, 16387, 0, 4294967294L, true)), events);
        assertEquals(List.of(), other);
    }

    @Test
    void anExtensionLineGivesOneExtendPerBlock() {
        feed("E 500 7 5 1663 16384 0 40 3 -1", "E 600 7 5 1663 16384 0 9 0 -1", "E 700 8 5 1663 16390 1 2 1 3");
        assertEquals(List.of(
                Event.access(EventKind.EXTEND, 500, 7, 5, 1663, 16384, 0, 40, false),
                Event.access(EventKind.EXTEND, 500, 7, 5, 1663, 16384, 0, 41, false),
                Event.access(EventKind.EXTEND, 500, 7, 5, 1663, 16384, 0, 42, false),
                Event.access(EventKind.EXTEND, 700, 8, 5, 1663, 16390, 1, 2, true)), events);
        assertEquals(List.of("bad 2 a run of 0 blocks"), other);
    }

    @Test
    void accessAndReadLinesMayStandForARunOfBlocks() {
        feed("A 500 7 5 1663 16384 0 10 -1 1 2", "K 400 7 5 1663 16384 0 10 -1 900 2");
        assertEquals(List.of(
                Event.access(EventKind.MISS, 500, 7, 5, 1663, 16384, 0, 10, false),
                Event.access(EventKind.MISS, 500, 7, 5, 1663, 16384, 0, 11, false),
                Event.read(400, 7, 5, 1663, 16384, 0, 10, false, 900),
                Event.read(400, 7, 5, 1663, 16384, 0, 11, false, 900)), events);
    }

    @Test
    void unsignedOidsAboveTwoToTheThirtyOneSurvive() {
        feed("W 10 7 4000000000 1663 3000000000 0 9");
        assertEquals(Event.write(10, 7, (int) 4000000000L, 1663, (int) 3000000000L, 0, 9), events.get(0));
    }

    @Test
    void readsWritesCheckpointsAndControlLines() {
        feed("Attaching 8 probes...", "R 100", "K 150 9 5 1663 16384 0 3 -1 25000", "T 200",
                "C 300 11 44", "c 400 11 12", "Lost 17 events", "");
        assertEquals(List.of(Event.read(150, 9, 5, 1663, 16384, 0, 3, false, 25000),
                Event.marker(EventKind.CHECKPOINT_START, 300, 11, 44),
                Event.marker(EventKind.CHECKPOINT_DONE, 400, 11, 12)), events);
        assertEquals(List.of("ready 100", "tick 200", "lost 17"), other);
    }

    @Test
    void statementEndsAndRewritesAreMarkers() {
        feed("Q 5 42 vacuum full t\u001e", "X 6 42 16384", "Y 9 42 16384", "q 10 42", "q 11 42 7");
        assertEquals(List.of(Event.query(5, 42, "vacuum full t"), Event.marker(EventKind.REWRITE_START, 6, 42, 16384),
                Event.marker(EventKind.REWRITE_SWAP, 9, 42, 16384), Event.marker(EventKind.QUERY_DONE, 10, 42, 0)),
                events);
        assertEquals(List.of("bad 5 malformed q line"), other);
    }

    @Test
    void queryTextMaySpanLinesAndHoldAnything() {
        feed("Q 5 42 select 1 as \"a", "b\", '\\xde'\u001e", "Q 6 42 \u001e");
        assertEquals(List.of(Event.query(5, 42, "select 1 as \"a\nb\", '\\xde'"), Event.query(6, 42, "")), events);
    }

    @Test
    void badLinesAreCountedWithTheirNumbersAndParsingGoesOn() {
        feed("A 1 2 3", "hello", "Z 1 2", "A 1 2 5 1663 16384 0 0 -1 7", "A 9 2 5 1663 16384 0 0 -1 0",
                "Q 1 2 never ends");
        assertEquals(1, events.size());
        assertEquals(List.of("bad 1 malformed A line", "bad 2 not a pgbftrace capture line",
                "bad 3 unknown line type 'Z'", "bad 4 unknown access outcome 7",
                "bad 6 query text without its end mark"), other);
    }

    @Test
    void aQueryWithoutItsEndMarkDoesNotSwallowTheLinesAfterIt() {
        // the old parser took the next 256 lines as query text: a 300-line trace lost all but 44 events
        String[] lines = new String[301];
        lines[0] = "Q 1 2 select 1";
        for (int i = 1; i <= 300; i++) {
            lines[i] = "A " + (i + 1) + " 2 5 1663 16384 0 " + i + " -1 0";
        }
        feed(lines);
        assertEquals(300, events.size());
        assertEquals(List.of("bad 1 query text without its end mark"), other);
    }

    @Test
    void anOverlongLineIsOneBadLine() {
        parser.accept("A 1 2 5 1663 16384 0 0 -1 0");
        parser.acceptOverlong(1L << 30, "\u0000\u0001garbage");
        parser.accept("A 2 2 5 1663 16384 0 1 -1 0");
        parser.finish();
        assertEquals(2, events.size());
        assertEquals(List.of("bad 2 a line of 1,073,741,824 bytes is too long"), other);
    }

    /** An aggregated key as the script packs it: pid|rel, db|spc, block|run|kind|fork|outcome|local. */
    private static String key(int pid, int db, int spc, int rel, long block, int run, int kind, int fork, int outcome,
                              boolean local) {
        long k1 = ((long) pid << 32) | rel;
        long k2 = ((long) db << 32) | spc;
        long k3 = (block << 32) | ((long) run << 8) | (kind << 5) | (fork << 3) | (outcome << 1) | (local ? 1 : 0);
        return Long.toUnsignedString(k1) + ", " + Long.toUnsignedString(k2) + ", " + Long.toUnsignedString(k3);
    }

    @Test
    void aSlicesCountsBecomeEventsLaidEvenlyOverTheSlice() {
        String hit = key(4323, 5, 1663, 16387, 7, 1, 0, 0, 0, false);
        String read = key(4323, 5, 1663, 16387, 4294967290L, 2, 2, 1, 0, true);
        String write = key(99, 5, 1663, 16388, 3, 1, 3, 0, 0, false);
        feed("R 1000",
                "S 1100 1 3", "", "", "@t[0]: 5", "s", // slot 3 was never used: nothing to drain
                "S 1200 2 0",
                "@a0[" + hit + "]: 2",
                "@a0[" + read + "]: 1",
                "@a0[" + write + "]: 1",
                "@l0[" + read + "]: 500",
                "@t[0]: 5",
                "@t[1]: 3",
                "s");
        // slot 0 ran from R (1000) to the first tick (1100): 5 events, 20 ns apart, in the drain's order
        assertEquals(List.of(
                Event.access(EventKind.HIT, 1000, 4323, 5, 1663, 16387, 0, 7, false),
                Event.access(EventKind.HIT, 1020, 4323, 5, 1663, 16387, 0, 7, false),
                Event.read(1040, 4323, 5, 1663, 16387, 1, 4294967290L, true, 500),
                Event.read(1060, 4323, 5, 1663, 16387, 1, 4294967291L, true, 500),
                Event.write(1080, 99, 5, 1663, 16388, 0, 3)), events);
        assertEquals(List.of("ready 1000"), other);
    }

    @Test
    void countsTheKernelTookButTheDrainDidNotShowAreLost() {
        String hit = key(1, 5, 1663, 16387, 7, 1, 0, 0, 0, false);
        feed("R 0", "S 100 1 3", "s", "S 200 2 0", "@a0[" + hit + "]: 3", "@t[0]: 10", "s",
                // the slot's total is cumulative: its next drain expects only what came after 10
                "S 300 3 1", "s", "S 400 0 2", "s", "S 500 1 3", "s", "S 600 2 0", "@a0[" + hit + "]: 4",
                "@t[0]: 14", "s",
                "M 650 1", "M 700 0");
        assertEquals(7, events.size());
        assertEquals(List.of("ready 0", "lost in maps 7", "mode 650 true", "mode 700 false"), other);
    }

    @Test
    void theEndDrainsTheRetiredAndTheCurrentSlot() {
        String hit = key(1, 5, 1663, 16387, 7, 3, 1, 0, 2, false); // an extension of 3 blocks
        feed("R 0", "S 100 1 0", "s", "S 150 -1 0", "@a0[" + hit + "]: 1", "s", "S 150 -1 1",
                "@a1[" + hit + "]: 1", "@t[1]: 3", "s");
        assertEquals(List.of(0L, 33L, 66L, 100L, 116L, 133L), events.stream().map(Event::timeNs).toList());
        assertEquals(List.of(7L, 8L, 9L, 7L, 8L, 9L), events.stream().map(Event::block).toList());
        assertEquals(EventKind.EXTEND, events.get(5).kind());
        assertEquals(List.of("ready 0"), other);
    }

    @Test
    void mapLinesOutsideADrainOrOfAnotherSlotAreBadLines() {
        feed("R 0", "@a0[1, 2, 3]: 1", "S 100 1 3", "@a2[1, 2, 3]: 1", "@a3[1, 2]: 1", "@a3[1, 2, 3]: x", "s",
                "s");
        assertEquals(List.of(), events);
        assertEquals(List.of("ready 0", "bad 2 a map line outside a drain", "bad 4 a map of another slot",
                "bad 5 a map key of 2 numbers, not 3", "bad 6 malformed map line",
                "bad 8 a drain's end without its start"), other);
    }
}
