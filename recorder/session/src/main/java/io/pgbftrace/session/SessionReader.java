package io.pgbftrace.session;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Reads a session folder, also one that is still being written or whose recorder died: every record that was
 * completely written is read, a half-written one at the end is not. A damaged event log is read up to the damage,
 * which {@link #damage()} then names; nothing here throws for damage found while reading. Reading never writes.
 */
public final class SessionReader implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path dir;
    private final SessionMetadata metadata;
    private final EventLog log;
    private long eventsRead;
    /** The end record was read. */
    private boolean ended;
    /** Sum of the lost-event records read so far (bpftrace's own count of what it dropped). */
    private long lostCounted;

    private SessionReader(Path dir, SessionMetadata metadata, EventLog log) {
        this.dir = dir;
        this.metadata = metadata;
        this.log = log;
    }

    /** Opens a session, refusing with one line anything that is not a session this version can read. */
    public static SessionReader open(Path dir) {
        SessionMetadata metadata = readMetadata(dir);
        Path queueDir = dir.resolve(SessionFormat.QUEUE_DIR);
        if (!Files.isDirectory(queueDir)) {
            throw new PgbftraceException(dir + " is not a complete session: its " + SessionFormat.QUEUE_DIR
                    + "/ folder is missing");
        }
        SessionReader r = new SessionReader(dir, metadata, new EventLog(queueDir));
        long written = metadata.eventCounts.getOrDefault("total", 0L);
        if (r.log.isEmpty() && (written > 0 || "complete".equals(metadata.state) || !r.recorderAlive())
                && !"starting".equals(metadata.state)) {
            r.log.damaged(0, "holds no event file (" + SessionFormat.QUEUE_DIR + "/*" + EventLog.FILE_SUFFIX
                    + String.format(java.util.Locale.ROOT, "); %,d events were recorded", written));
        }
        return r;
    }

    /** Reads and checks session.json alone. */
    public static SessionMetadata readMetadata(Path dir) {
        if (!Files.exists(dir)) {
            throw new PgbftraceException(dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new PgbftraceException(dir + " is not a session (a session is a folder made by 'pgbftrace record',"
                    + " or a file made by 'pgbftrace pack')");
        }
        Path file = dir.resolve(SessionFormat.METADATA_FILE);
        if (!Files.isRegularFile(file)) {
            throw new PgbftraceException(dir + " is not a session: it has no " + SessionFormat.METADATA_FILE);
        }
        SessionMetadata m;
        try {
            com.fasterxml.jackson.databind.JsonNode tree = JSON.readTree(file.toFile());
            if (tree == null || !tree.isObject() || !SessionFormat.FORMAT_NAME.equals(tree.path("format").asText())) {
                m = null; // the field must be there: the class's default must not stand in for it
            } else {
                m = JSON.treeToValue(tree, SessionMetadata.class);
            }
        } catch (IOException e) {
            throw new PgbftraceException(file + " is not valid session metadata: " + firstLine(e.getMessage()), e);
        }
        if (m == null || !SessionFormat.FORMAT_NAME.equals(m.format)) {
            throw new PgbftraceException(dir + " is not a session: " + SessionFormat.METADATA_FILE
                    + " has no \"format\": \"" + SessionFormat.FORMAT_NAME + "\"");
        }
        m.fillDefaults();
        if (m.formatVersion == null) {
            throw new PgbftraceException(file + " has no \"formatVersion\": the file is damaged");
        }
        int major = majorOf(m.formatVersion);
        if (major < 0 || major > SessionFormat.MAJOR) {
            throw new PgbftraceException("unsupported session format " + m.formatVersion + " in " + dir
                    + ": this pgbftrace reads " + SessionFormat.MAJOR + ".x and older; use a newer pgbftrace");
        }
        return m;
    }

    private static int majorOf(String version) {
        if (version == null) {
            return -1;
        }
        try {
            return Integer.parseInt(version.split("\\.", 2)[0]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    public Path dir() {
        return dir;
    }

    public SessionMetadata metadata() {
        return metadata;
    }

    /** Whether the recorder named in session.json is still running (so the session may still grow). */
    public boolean recorderAlive() {
        return RecorderProcess.isAlive(metadata.recorder);
    }

    /**
     * What is damaged and where, with how much was read before it ("S/events/F.cq4 at byte N is cut short ...;
     * the 1,234 events before it were read"); empty for an intact session. Known once the damage was reached.
     */
    public Optional<String> damage() {
        if (log.damage() == null && log.cutAtBoundary() >= 0 && !ended) {
            log.damaged(log.cutAtBoundary(), "is cut short: the file ends after a record, before the end of the"
                    + " session");
        }
        String d = log.damage();
        return d == null ? Optional.empty() : Optional.of(d + String.format(java.util.Locale.ROOT,
                "; the %,d events before it were read", eventsRead));
    }

    /** Whether an end record was read: the recorder finished the session (it was not killed). */
    public boolean ended() {
        return ended;
    }

    /** Events bpftrace said it lost, summed over the lost records read so far. */
    public long lostCounted() {
        return lostCounted;
    }

    /** Reads every record from the start, in order, up to the end or the damage. */
    public void read(SessionVisitor visitor) {
        read(visitor, true);
    }

    /** Time of the last event (from the header of the last batch), empty when the session has none. */
    public OptionalLong lastEventTimeNs() {
        long[] last = {-1};
        log.read(0, (position, record) -> {
            if (record[0] == SessionFormat.RECORD_BATCH) {
                last[0] = position;
            }
            return true;
        });
        if (last[0] < 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(BatchCodec.header(log.readAt(last[0])).lastTimeNs());
    }

    /**
     * What {@link #scan} reports: batch headers (not their events) and catalog records; lost and end records are
     * tallied by the reader ({@link #lostCounted()}, {@link #ended()}).
     */
    public interface ScanVisitor {
        /** A batch at this position; its events are read later with {@link #readBatches}. */
        void batch(long position, BatchCodec.Header header);

        default void relation(Relation relation) {
        }
    }

    /**
     * Reads the records from {@code from} (0 for the start), decoding only batch headers; returns the position to
     * continue from. Call it again with that position to follow a session that is still being written.
     */
    public long scan(long from, ScanVisitor visitor) {
        SessionVisitor others = new SessionVisitor() {
            @Override
            public void relation(Relation relation) {
                visitor.relation(relation);
            }

            @Override
            public void event(Event event) {
            }
        };
        if (from == 0) {
            lostCounted = 0;
        }
        return log.read(from, (position, record) -> {
            ended |= record[0] == SessionFormat.RECORD_END;
            try {
                if (record[0] == SessionFormat.RECORD_BATCH) {
                    BatchCodec.Header h = BatchCodec.header(record);
                    eventsRead += h.eventCount();
                    visitor.batch(position, h);
                } else {
                    dispatch(record, others);
                }
                return true;
            } catch (RuntimeException e) {
                log.damaged(position, "holds a damaged record (" + e.getMessage() + ")");
                return false;
            }
        });
    }

    /** Decodes the batches at positions found by {@link #scan}, in the order given. */
    public void readBatches(long[] positions, BatchCodec.RawSink sink) {
        for (long position : positions) {
            BatchCodec.decodeRaw(log.readAt(position), sink);
        }
    }

    /** Only the catalog records (event batches are skipped without decoding). */
    public List<Relation> relations() {
        List<Relation> out = new ArrayList<>();
        read(new SessionVisitor() {
            @Override
            public void relation(Relation relation) {
                out.add(relation);
            }

            @Override
            public void event(Event event) {
            }
        }, false);
        return out;
    }

    private void read(SessionVisitor visitor, boolean events) {
        eventsRead = 0;
        lostCounted = 0;
        if (events) {
            readPiped(visitor);
        } else {
            decode(visitor, false, batch -> true);
        }
    }

    /**
     * Reads the log in order: each batch decoded whole (one that fails half-way gives none of its events) goes to
     * {@code batches} (false stops reading), every other record to {@code others}.
     */
    private void decode(SessionVisitor others, boolean events, Predicate<List<Event>> batches) {
        log.read(0, (position, record) -> {
            ended |= record[0] == SessionFormat.RECORD_END;
            if (!events && record[0] == SessionFormat.RECORD_BATCH) {
                return true;
            }
            List<Event> batch = new ArrayList<>();
            try {
                if (record[0] == SessionFormat.RECORD_BATCH) {
                    BatchCodec.decode(record, batch::add);
                } else {
                    dispatch(record, others);
                }
            } catch (RuntimeException e) {
                log.damaged(position, "holds a damaged record (" + e.getMessage() + ")");
                return false;
            }
            eventsRead += batch.size();
            return batch.isEmpty() || batches.test(batch);
        });
    }

    /**
     * Decodes on a thread of its own while this one visits (reading and decoding are a fifth of a report's pass):
     * batches and the other records go over in order; the decoder's failure is thrown here. The log is never used
     * by both at once: this returns after the decoder has stopped.
     */
    private void readPiped(SessionVisitor visitor) {
        try {
            Relay.run("pgbftrace-session-decoder", 16, relay -> decode(new SessionVisitor() {
                @Override
                public void relation(Relation relation) {
                    relay.hand((Consumer<SessionVisitor>) v -> v.relation(relation));
                }

                @Override
                public void process(ServerProcess process) {
                    relay.hand((Consumer<SessionVisitor>) v -> v.process(process));
                }

                @Override
                public void lost(long timeNs, long count) {
                    relay.hand((Consumer<SessionVisitor>) v -> v.lost(timeNs, count));
                }

                @Override
                public void end(String reason) {
                    relay.hand((Consumer<SessionVisitor>) v -> v.end(reason));
                }

                @Override
                public void event(Event event) {
                }
            }, true, relay::hand), o -> {
                if (o instanceof List<?> batch) {
                    for (Object e : batch) {
                        visitor.event((Event) e);
                    }
                } else {
                    @SuppressWarnings("unchecked")
                    Consumer<SessionVisitor> c = (Consumer<SessionVisitor>) o;
                    c.accept(visitor);
                }
            });
        } catch (IOException e) {
            throw new PgbftraceException("cannot read " + dir() + ": " + e.getMessage(), e); // decode throws none
        }
    }

    private void dispatch(byte[] record, SessionVisitor visitor) {
        switch (record[0]) {
            case SessionFormat.RECORD_RELATION -> {
                try {
                    visitor.relation(JSON.readValue(record, 1, record.length - 1, Relation.class));
                } catch (IOException e) {
                    throw new PgbftraceException("unreadable relation record: " + firstLine(e.getMessage()), e);
                }
            }
            case SessionFormat.RECORD_PROCESS -> {
                try {
                    visitor.process(JSON.readValue(record, 1, record.length - 1, ServerProcess.class));
                } catch (IOException e) {
                    throw new PgbftraceException("unreadable process record: " + firstLine(e.getMessage()), e);
                }
            }
            case SessionFormat.RECORD_LOST -> {
                String[] parts = new String(record, 1, record.length - 1, StandardCharsets.US_ASCII).split(" ");
                long count = Long.parseLong(parts[1]);
                lostCounted += count;
                visitor.lost(Long.parseLong(parts[0]), count);
            }
            case SessionFormat.RECORD_END -> visitor.end(new String(record, 1, record.length - 1,
                    StandardCharsets.UTF_8));
            default -> {
                // a record type from a newer minor version: skip it
            }
        }
    }

    @Override
    public void close() {
        log.close();
    }
}
