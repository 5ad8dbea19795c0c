package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbftrace.session.Event;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.Relay;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionReader;
import io.pgbftrace.session.SessionWriter;

import java.io.InputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/** Builds a session from saved bpftrace text. Bad lines are counted and skipped, never fatal. */
public final class Importer {
    /** This tool's own capture output (what capture.bt prints). */
    public static final String FORMAT_RAW = "raw";
    /** The original pgbftrace: one {@code %08x%08x%08x} line per access = relfilenode, block, hit flag. */
    public static final String FORMAT_PGBFTRACE = "pgbftrace";
    private static final int MAX_REPORTED = 5;

    private Importer() {
    }

    /**
     * @param events     events written
     * @param badLines   lines skipped
     * @param firstBad   the first few, as "line N: why: text"
     * @param relations  catalog records written
     */
    public record Result(long events, long badLines, List<String> firstBad, int relations) {
    }

    /**
     * @param spacing time between events of the original format, which has no timestamps
     */
    public static Result run(Path file, Path out, boolean force, String format, List<Relation> catalog,
                             String title, String description, Duration spacing, String toolVersion) {
        if (!Files.isRegularFile(file)) {
            throw PgbftraceException.usage("input file " + file + " does not exist or is not a file");
        }
        Preflight.checkOutput(out, force);
        SessionMetadata m = new SessionMetadata();
        m.toolVersion = toolVersion;
        m.title = title;
        m.description = description;
        m.source = "import-" + format;
        m.state = "importing";
        m.notes.add("imported from " + file.getFileName() + "; wall-clock times are unknown");
        List<String> firstBad = new ArrayList<>();
        long[] bad = new long[1];
        SessionSwap swap = SessionSwap.begin(out); // --force: the old session comes back if this import fails
        SessionWriter w = SessionWriter.create(out, m);
        try (InputStream raw = Files.newInputStream(file)) {
            for (Relation r : catalog) {
                w.appendRelation(r);
            }
            TraceLineParser.Sink sink = new TraceLineParser.Sink() {
                @Override
                public void event(Event e) {
                    if (m.startMonotonicNs == null) {
                        m.startMonotonicNs = e.timeNs();
                    }
                    m.endMonotonicNs = e.timeNs();
                    w.append(e);
                }

                @Override
                public void ready(long timeNs) {
                    m.startMonotonicNs = timeNs;
                }

                @Override
                public void lost(long count) {
                    w.appendLost(m.endMonotonicNs == null ? 0 : m.endMonotonicNs, count);
                }

                @Override
                public void bad(long lineNumber, int lines, String line, String why) {
                    bad[0] += lines;
                    if (firstBad.size() < MAX_REPORTED) {
                        firstBad.add((lines == 1 ? "line " + lineNumber : "lines " + lineNumber + "-"
                                + (lineNumber + lines - 1)) + ": " + why + ": " + abbreviate(line));
                    }
                }
            };
            if (format.equals(FORMAT_RAW)) {
                piped(p -> new TraceLineParser(p).readAll(raw), sink);
            } else {
                piped(p -> readOriginal(new LineReader(raw), p, spacing.toNanos()), sink);
                m.notes.add("the original pgbftrace format has no timestamps, backends, databases or tablespaces:"
                        + " events are spaced " + spacing.toMillis() + " ms apart and every miss is a MISS");
            }
            if (m.startMonotonicNs == null) {
                m.startMonotonicNs = 0L;
                m.endMonotonicNs = 0L;
            }
            if (bad[0] > 0) {
                m.notes.add(bad[0] + " line(s) of the input could not be read and were skipped");
            }
            w.finish("complete", "imported", true);
            swap.commit();
            return new Result(w.eventCount(), bad[0], firstBad, catalog.size());
        } catch (IOException | RuntimeException e) {
            // the events written so far stay readable; the session says why it ends there
            String why = e instanceof IOException io ? "cannot read " + file + ": " + io.getMessage() : e.getMessage();
            try {
                w.finish("failed", why, false);
            } catch (RuntimeException second) {
                e.addSuppressed(second);
            }
            if (swap.replacing()) {
                swap.rollback();
                throw new PgbftraceException("import stopped: " + why + "; the earlier session in " + out
                        + " is unchanged", e);
            }
            throw new PgbftraceException(String.format(java.util.Locale.ROOT, "import stopped: %s (the %,d events"
                    + " before it are kept in %s)", why, w.eventCount(), out), e);
        }
    }

    private interface Reading {
        void read(TraceLineParser.Sink sink) throws IOException;
    }

    private static final int CHUNK = 4096;

    /**
     * Parses on a thread of its own while this one writes (each is about half of an import's time): the parser's
     * events go over in chunks, its other calls in order among them, and its failure is thrown here.
     */
    private static void piped(Reading reading, TraceLineParser.Sink sink) throws IOException {
        Relay.run("pgbftrace-import-parser", 32, relay -> {
            List<Event> chunk = new ArrayList<>(CHUNK);
            reading.read(new TraceLineParser.Sink() {
                @Override
                public void event(Event e) {
                    chunk.add(e);
                    if (chunk.size() == CHUNK) {
                        handChunk();
                    }
                }

                private void handChunk() {
                    if (!chunk.isEmpty()) {
                        hand(List.copyOf(chunk));
                        chunk.clear();
                    }
                }

                private void hand(Object item) {
                    if (!relay.hand(item)) {
                        throw new IllegalStateException("the writer stopped");
                    }
                }

                private void then(Consumer<TraceLineParser.Sink> call) {
                    handChunk();
                    hand(call);
                }

                @Override
                public void ready(long timeNs) {
                    then(s -> s.ready(timeNs));
                }

                @Override
                public void lost(long count) {
                    then(s -> s.lost(count));
                }

                @Override
                public void bad(long lineNumber, int lines, String line, String why) {
                    then(s -> s.bad(lineNumber, lines, line, why));
                }
            });
            if (!chunk.isEmpty()) {
                relay.hand(List.copyOf(chunk));
            }
        }, o -> {
            if (o instanceof List<?> events) {
                events.forEach(e -> sink.event((Event) e));
            } else {
                @SuppressWarnings("unchecked")
                Consumer<TraceLineParser.Sink> c = (Consumer<TraceLineParser.Sink>) o;
                c.accept(sink);
            }
        });
    }

    /**
     * Reads the original tool's lines from their bytes (no String, no regex per line: this is the whole cost of an
     * import besides writing): 24 hex digits, surrounding white space allowed.
     */
    private static void readOriginal(LineReader in, TraceLineParser.Sink sink, long spacingNs) throws IOException {
        long n = 0;
        long lineNumber = 0;
        for (int length = in.nextRaw(); length >= 0; length = in.nextRaw()) {
            lineNumber++;
            byte[] b = in.bytes();
            if (in.overlong()) {
                sink.bad(lineNumber, 1, new String(b, 0, length, StandardCharsets.UTF_8), "line too long");
                continue;
            }
            int from = 0;
            int to = length;
            while (from < to && b[from] <= ' ') {
                from++;
            }
            while (to > from && b[to - 1] <= ' ') {
                to--;
            }
            if (from == to || to - from >= ATTACHING.length
                    && Arrays.equals(b, from, from + ATTACHING.length, ATTACHING, 0, ATTACHING.length)) {
                continue;
            }
            long relfilenode = to - from == 24 ? hex(b, from) : -1;
            long block = relfilenode < 0 ? -1 : hex(b, from + 8);
            long hit = block < 0 ? -1 : hex(b, from + 16);
            if (hit < 0) {
                sink.bad(lineNumber, 1, new String(b, 0, length, StandardCharsets.UTF_8), "not a %08x%08x%08x line");
                continue;
            }
            sink.event(Event.access(hit != 0 ? EventKind.HIT : EventKind.MISS, n++ * spacingNs, 0, 0, 0,
                    (int) relfilenode, 0, block, false));
        }
    }

    private static final byte[] ATTACHING = "Attaching ".getBytes(StandardCharsets.US_ASCII);

    /** Eight hex digits from {@code at} as an unsigned number, or -1 when one is not a hex digit. */
    private static long hex(byte[] b, int at) {
        long v = 0;
        for (int i = at; i < at + 8; i++) {
            int d = Character.digit(b[i] & 0xFF, 16);
            if (d < 0) {
                return -1;
            }
            v = v << 4 | d;
        }
        return v;
    }

    private static String abbreviate(String line) {
        String oneLine = line.replaceAll("\\p{Cntrl}", " ");
        return oneLine.length() > 60 ? oneLine.substring(0, 60) + "..." : oneLine;
    }

    /**
     * A catalog from a JSON file (an array of relation records, see docs/session-format.md) or from another
     * session folder.
     */
    public static List<Relation> catalogFromFile(Path source) {
        if (Files.isDirectory(source)) {
            try (SessionReader r = SessionReader.open(source)) {
                return r.relations();
            }
        }
        if (!Files.isRegularFile(source)) {
            throw PgbftraceException.usage("--catalog " + source + " does not exist; give a JSON file, a session"
                    + " folder, or 'db' to read it from the server");
        }
        try {
            List<Relation> list = new ObjectMapper()
                    .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                    .readValue(source.toFile(), new TypeReference<List<Relation>>() { });
            return list.stream().map(r -> r.seenAgain(0, "import", r.sizeBlocks())).toList();
        } catch (IOException e) {
            throw new PgbftraceException("--catalog " + source + " is not a JSON array of relations: "
                    + ConnectionSettings.oneLine(e.getMessage()), e);
        }
    }

    /** A catalog snapshot of the connected database (and the shared catalogs), taken now. */
    public static List<Relation> catalogFromDatabase(ConnectionSettings settings) {
        try (Connection c = settings.connect()) {
            ServerInfo info = ServerInfo.query(c);
            CatalogReader.Database db = CatalogReader.databases(c).stream()
                    .filter(d -> d.oid() == info.databaseOid()).findFirst().orElseThrow();
            return CatalogReader.snapshot(c, db, 0, "import");
        } catch (SQLException e) {
            throw new PgbftraceException("catalog query failed: " + ConnectionSettings.oneLine(e.getMessage()), e);
        }
    }
}
