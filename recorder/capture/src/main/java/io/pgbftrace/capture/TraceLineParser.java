package io.pgbftrace.capture;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.pgbftrace.session.Event;
import io.pgbftrace.session.EventKind;

/**
 * Parses the lines the capture script prints (see {@link BpftraceScript}). Feed it lines in order; it calls the
 * sink for each event, marker or problem. A QUERY line whose text holds newlines spans several lines and ends
 * with {@link BpftraceScript#RECORD_END}.
 */
public final class TraceLineParser {
    private static final int MAX_QUERY_LINES = 256;
    private static final EventKind[] OUTCOMES = {EventKind.HIT, EventKind.MISS, EventKind.EXTEND};

    /** Receives what the parser finds. */
    public interface Sink {
        void event(Event e);

        /** bpftrace attached every probe (its BEGIN ran) at this monotonic time. */
        default void ready(long timeNs) {
        }

        /** A once-a-second tick from bpftrace. */
        default void tick(long timeNs) {
        }

        /** bpftrace said it lost events. */
        default void lost(long count) {
        }

        /**
         * Aggregated output: counts the kernel took but the drain did not read (a slice's map was full, or cleared
         * late); they are lost like the others.
         */
        default void lostInMaps(long count) {
            lost(count);
        }

        /** Auto mode switched: from {@code timeNs} on, buffer events are aggregated (true) or printed one by one. */
        default void mode(long timeNs, boolean aggregated) {
        }

        /**
         * Lines that are not part of the protocol, skipped: {@code lines} of them from {@code lineNumber} on
         * (1-based); {@code line} shows the first.
         */
        default void bad(long lineNumber, int lines, String line, String why) {
        }
    }

    private final Sink sink;
    private long lineNumber;
    private StringBuilder pendingQuery;
    private long pendingQueryLine;
    private int pendingQueryLines;
    /** How many consecutive blocks the line just parsed stands for (E, A or K with a count; else 1). */
    private int runLength = 1;
    /** Aggregated output: when each slot's slice began and ended, which is current, its counts so far. */
    private final long[] sliceStart = new long[EventOutput.SLOTS];
    private final long[] sliceEnd = new long[EventOutput.SLOTS];
    private final long[] slotTotals = new long[EventOutput.SLOTS];
    private int currentSlot;
    /** The drain being read (between its S and s lines), or null. */
    private Drain drain;

    public TraceLineParser(Sink sink) {
        this.sink = sink;
    }

    public long lineNumber() {
        return lineNumber;
    }

    /** Parses every line of the input, then {@link #finish()}es. */
    public void readAll(java.io.InputStream input) throws java.io.IOException {
        LineReader in = new LineReader(input);
        for (LineReader.Line line = in.next(); line != null; line = in.next()) {
            if (line instanceof LineReader.Text t) {
                accept(t.text());
            } else if (line instanceof LineReader.Overlong o) {
                acceptOverlong(o.bytes(), o.start());
            }
        }
        finish();
    }

    /** A line longer than {@link LineReader#MAX_LINE_BYTES}, skipped unread; {@code start} is its beginning. */
    public void acceptOverlong(long bytes, String start) {
        endPendingQuery();
        lineNumber++;
        sink.bad(lineNumber, 1, start, String.format(java.util.Locale.ROOT, "a line of %,d bytes is too long", bytes));
    }

    public void accept(String line) {
        lineNumber++;
        if (pendingQuery != null && startsRecord(line)) {
            // the query's end mark never came (output cut): what came so far is skipped, this line is read
            endPendingQuery();
        }
        if (pendingQuery != null) {
            pendingQuery.append('\n').append(line);
            pendingQueryLines++;
            if (line.endsWith(String.valueOf(BpftraceScript.RECORD_END))) {
                String whole = pendingQuery.toString();
                pendingQuery = null;
                Event query = parseQuery(pendingQueryLine, whole);
                if (query != null) {
                    sink.event(query);
                }
            } else if (pendingQueryLines > MAX_QUERY_LINES) {
                endPendingQuery();
            }
            return;
        }
        if (line.isEmpty() || line.startsWith("Attaching ")) {
            return;
        }
        if (line.charAt(0) == '@') {
            mapLine(line);
            return;
        }
        if (line.equals("s")) {
            endDrain(line);
            return;
        }
        Event event;
        runLength = 1;
        try {
            event = parse(line);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            sink.bad(lineNumber, 1, line, "malformed " + line.charAt(0) + " line");
            return;
        }
        if (event != null) {
            sink.event(event); // outside the try: a failing sink is not a malformed line
            for (int i = 1; i < runLength; i++) { // a run of blocks (E, or A and K with a count): the others
                sink.event(new Event(event.kind(), event.timeNs(), event.pid(), event.db(), event.spc(),
                        event.relfilenode(), event.fork(), event.block() + i, event.local(), event.value(), null));
            }
        }
    }

    /** Call at end of input: an unfinished query line is reported. */
    public void finish() {
        endPendingQuery();
    }

    private void endPendingQuery() {
        if (pendingQuery != null) {
            sink.bad(pendingQueryLine, pendingQueryLines, pendingQuery.substring(0, Math.min(80,
                    pendingQuery.length())), "query text without its end mark");
            pendingQuery = null;
        }
    }

    /** Whether a line is the start of a record: a known type letter, a space and a timestamp. */
    private static boolean startsRecord(String line) {
        if (line.length() < 3 || line.charAt(1) != ' ' || "AERTKWCcQqXYLl".indexOf(line.charAt(0)) < 0) {
            return false;
        }
        int space = line.indexOf(' ', 2);
        String time = space < 0 ? line.substring(2) : line.substring(2, space);
        return !time.isEmpty() && time.chars().allMatch(Character::isDigit);
    }

    /** Parses one line; returns its event, or null for lines that are not events (handled here). */
    private Event parse(String line) {
        if (line.startsWith("Lost ") && line.endsWith(" events")) {
            sink.lost(Long.parseLong(line.substring(5, line.length() - 7).trim()));
            return null;
        }
        if (line.length() < 3 || line.charAt(1) != ' ') {
            sink.bad(lineNumber, 1, line, "not a pgbftrace capture line");
            return null;
        }
        char type = line.charAt(0);
        if (type == 'Q') {
            if (line.endsWith(String.valueOf(BpftraceScript.RECORD_END))) {
                return parseQuery(lineNumber, line);
            }
            pendingQuery = new StringBuilder(line);
            pendingQueryLine = lineNumber;
            pendingQueryLines = 1;
            return null;
        }
        String[] f = line.split(" ");
        switch (type) {
            case 'R' -> {
                sliceStart[0] = Long.parseUnsignedLong(fields(f, 2)[1]);
                sink.ready(sliceStart[0]);
            }
            case 'S' -> startDrain(time(fields(f, 4)), Integer.parseInt(f[2]), Integer.parseInt(f[3]), line);
            case 'M' -> sink.mode(time(fields(f, 3)), Integer.parseInt(f[2]) != 0);
            case 'T' -> sink.tick(Long.parseUnsignedLong(fields(f, 2)[1]));
            case 'A' -> {
                int outcome = Integer.parseInt(fields(f, 10, 11)[9]);
                if (outcome < 0 || outcome > 2) {
                    sink.bad(lineNumber, 1, line, "unknown access outcome " + outcome);
                    return null;
                }
                if (!run(f, 10, line)) {
                    return null;
                }
                return Event.access(OUTCOMES[outcome], time(f), pid(f), oid(f[3]), oid(f[4]), oid(f[5]),
                        Integer.parseInt(f[6]), Long.parseLong(f[7]), Integer.parseInt(f[8]) != -1);
            }
            case 'E' -> {
                // uprobe capture: a relation extended by count blocks from first (one event each)
                if (!run(fields(f, 10), 8, line)) {
                    return null;
                }
                return Event.access(EventKind.EXTEND, time(f), pid(f), oid(f[3]), oid(f[4]), oid(f[5]),
                        Integer.parseInt(f[6]), Long.parseLong(f[7]), Integer.parseInt(f[9]) != -1);
            }
            case 'K' -> {
                if (!run(fields(f, 10, 11), 10, line)) {
                    return null;
                }
                return Event.read(time(f), pid(f), oid(f[3]), oid(f[4]), oid(f[5]),
                        Integer.parseInt(f[6]), Long.parseLong(f[7]), Integer.parseInt(f[8]) != -1,
                        Long.parseUnsignedLong(f[9]));
            }
            case 'W' -> {
                return Event.write(time(fields(f, 8)), pid(f), oid(f[3]), oid(f[4]), oid(f[5]),
                        Integer.parseInt(f[6]), Long.parseLong(f[7]));
            }
            case 'C', 'c' -> {
                return Event.marker(type == 'C' ? EventKind.CHECKPOINT_START : EventKind.CHECKPOINT_DONE,
                        time(fields(f, 4)), pid(f), Long.parseLong(f[3]));
            }
            case 'q' -> {
                return Event.marker(EventKind.QUERY_DONE, time(fields(f, 3)), pid(f), 0);
            }
            case 'X', 'Y' -> {
                return Event.marker(type == 'X' ? EventKind.REWRITE_START : EventKind.REWRITE_SWAP,
                        time(fields(f, 4)), pid(f), Long.parseLong(f[3]));
            }
            case 'L' -> {
                Matcher m = LEADER.matcher(line);
                return Event.marker(EventKind.WORKER_START, time(f), pid(f), m.find() ? Long.parseLong(m.group(1)) : 0);
            }
            case 'l' -> {
                return Event.marker(EventKind.WORKER_DONE, time(fields(f, 3)), pid(f), 0);
            }
            default -> sink.bad(lineNumber, 1, line, "unknown line type '" + type + "'");
        }
        return null;
    }

    /** The counts of one slice, as its drain prints them: key (three numbers) to count, and to latency sum. */
    private static final class Drain {
        final int slot;
        final long from;
        final long to;
        final long lineNumber;
        final Map<Key, Long> counts = new LinkedHashMap<>();
        final Map<Key, Long> latencies = new HashMap<>();
        /** What {@code @t} says the kernel ever put in the slot; -1 until its line comes. */
        long total = -1;

        Drain(int slot, long from, long to, long lineNumber) {
            this.slot = slot;
            this.from = from;
            this.to = to;
            this.lineNumber = lineNumber;
        }
    }

    /** An aggregated key: pid and relfilenode; db and tablespace; block, run, kind, fork, outcome and local. */
    private record Key(long k1, long k2, long k3) {
    }

    private void startDrain(long timeNs, int next, int slot, String line) {
        if (slot < 0 || slot >= EventOutput.SLOTS || next >= EventOutput.SLOTS) {
            sink.bad(lineNumber, 1, line, "no such slot");
            return;
        }
        if (drain != null) {
            sink.bad(drain.lineNumber, 1, "S", "a drain without its end");
        }
        if (next >= 0) { // a slice's tick: the current slot's slice ends, the next one's begins
            sliceEnd[currentSlot] = timeNs;
            sliceStart[next] = timeNs;
            currentSlot = next;
        } else if (slot == currentSlot) { // the end: the current slice ends now
            sliceEnd[slot] = timeNs;
        }
        drain = new Drain(slot, sliceStart[slot], Math.max(sliceStart[slot], sliceEnd[slot]), lineNumber);
    }

    /** "@a0[k1, k2, k3]: count", "@l0[k1, k2, k3]: latency sum" or "@t[slot]: events ever put in it". */
    private void mapLine(String line) {
        int open = line.indexOf('[');
        int close = line.indexOf("]: ", open);
        if (drain == null || open < 2 || close < 0) {
            sink.bad(lineNumber, 1, line, drain == null ? "a map line outside a drain" : "malformed map line");
            return;
        }
        String map = line.substring(1, open);
        String[] numbers = line.substring(open + 1, close).split(", ");
        long value;
        long[] k = new long[numbers.length];
        try {
            value = Long.parseLong(line.substring(close + 3).trim());
            for (int i = 0; i < k.length; i++) {
                k[i] = Long.parseUnsignedLong(numbers[i]);
            }
        } catch (NumberFormatException e) {
            sink.bad(lineNumber, 1, line, "malformed map line");
            return;
        }
        if (map.equals("t")) {
            if (k.length == 1 && k[0] == drain.slot) {
                drain.total = value;
            }
        } else if (k.length != 3) {
            sink.bad(lineNumber, 1, line, "a map key of " + k.length + " numbers, not 3");
        } else if (map.equals("a" + drain.slot)) {
            drain.counts.merge(new Key(k[0], k[1], k[2]), value, Long::sum);
        } else if (map.equals("l" + drain.slot)) {
            drain.latencies.merge(new Key(k[0], k[1], k[2]), value, Long::sum);
        } else {
            sink.bad(lineNumber, 1, line, "a map of another slot");
        }
    }

    /**
     * A slice's counts become events like any others, laid evenly over the slice (their order and times inside
     * it are not known); what the kernel took but the drain did not show is reported lost.
     */
    private void endDrain(String line) {
        Drain d = drain;
        drain = null;
        if (d == null) {
            sink.bad(lineNumber, 1, line, "a drain's end without its start");
            return;
        }
        long events = 0;
        List<long[]> entries = new ArrayList<>(d.counts.size());
        for (Map.Entry<Key, Long> e : d.counts.entrySet()) {
            long k1 = e.getKey().k1();
            long k2 = e.getKey().k2();
            long k3 = e.getKey().k3();
            long count = e.getValue();
            long run = (k3 >>> 8) & 0xffffff;
            long latency = count == 0 ? 0 : d.latencies.getOrDefault(e.getKey(), 0L) / count;
            entries.add(new long[]{k1, k2, k3, count, run, latency});
            events += count * run;
        }
        long span = d.to - d.from;
        long i = 0;
        for (long[] x : entries) {
            int pid = (int) (x[0] >>> 32);
            int rel = (int) x[0];
            int db = (int) (x[1] >>> 32);
            int spc = (int) x[1];
            long block = x[2] >>> 32;
            int kind = (int) (x[2] >>> 5) & 3;
            int fork = (int) (x[2] >>> 3) & 3;
            int outcome = (int) (x[2] >>> 1) & 3;
            boolean local = (x[2] & 1) != 0;
            for (long c = 0; c < x[3]; c++) {
                for (long b = 0; b < x[4]; b++) {
                    long t = d.from + (events == 0 ? 0 : span * i++ / events);
                    long blk = (block + b) & 0xffffffffL;
                    sink.event(switch (kind) {
                        case 0 -> Event.access(OUTCOMES[Math.min(outcome, 2)], t, pid, db, spc, rel, fork, blk, local);
                        case 1 -> Event.access(EventKind.EXTEND, t, pid, db, spc, rel, fork, blk, local);
                        case 2 -> Event.read(t, pid, db, spc, rel, fork, blk, local, x[5]);
                        default -> Event.write(t, pid, db, spc, rel, fork, blk);
                    });
                }
            }
        }
        long total = d.total;
        if (total >= 0) {
            long expected = total - slotTotals[d.slot];
            slotTotals[d.slot] = total;
            if (expected > events) {
                sink.lostInMaps(expected - events);
            }
        }
    }

    /** More blocks than PostgreSQL extends or reads at once (64 or so; io_combine_limit at most 128). */
    private static final int MAX_RUN = 1 << 16;

    /** A parallel worker's title names its leader: "postgres: parallel worker for PID 123". */
    private static final Pattern LEADER = Pattern.compile(" parallel worker for PID (\\d+)");

    private Event parseQuery(long at, String line) {
        String body = line.substring(0, line.length() - 1); // drop the record-end mark
        String[] f = body.split(" ", 4);
        try {
            return Event.query(time(f), pid(f), f.length == 4 ? f[3] : "");
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            sink.bad(at, 1, line, "malformed Q line");
            return null;
        }
    }

    /**
     * Reads the run length at field {@code i} when the line has it (uprobe capture: consecutive blocks with one
     * outcome, or one vectored read); false, the line reported, when it is out of range.
     */
    private boolean run(String[] f, int i, String line) {
        if (f.length <= i) {
            return true;
        }
        int count = Integer.parseInt(f[i]);
        if (count < 1 || count > MAX_RUN) {
            sink.bad(lineNumber, 1, line, "a run of " + count + " blocks");
            return false;
        }
        runLength = count;
        return true;
    }

    private static String[] fields(String[] f, int n, int orN) {
        if (f.length != n && f.length != orN) {
            throw new IllegalArgumentException("expected " + n + " or " + orN + " fields");
        }
        return f;
    }

    private static String[] fields(String[] f, int n) {
        if (f.length != n) {
            throw new IllegalArgumentException("expected " + n + " fields");
        }
        return f;
    }

    private static long time(String[] f) {
        return Long.parseUnsignedLong(f[1]);
    }

    private static int pid(String[] f) {
        return Integer.parseInt(f[2]);
    }

    private static int oid(String s) {
        return (int) Long.parseLong(s);
    }
}
