package io.pgbftrace.session;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Reads a session folder, also one that is still being written or whose recorder died: every record that was
 * completely written is read, a half-written one at the end is not.
 */
public final class SessionReader implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path dir;
    private final SessionMetadata metadata;
    private final ChronicleQueue queue;

    private SessionReader(Path dir, SessionMetadata metadata, ChronicleQueue queue) {
        this.dir = dir;
        this.metadata = metadata;
        this.queue = queue;
    }

    /** Opens a session, refusing with one line anything that is not a session this version can read. */
    public static SessionReader open(Path dir) {
        SessionMetadata metadata = readMetadata(dir);
        Path queueDir = dir.resolve(SessionFormat.QUEUE_DIR);
        if (!Files.isDirectory(queueDir)) {
            throw new SessionException(dir + " is not a complete session: its " + SessionFormat.QUEUE_DIR
                    + "/ folder is missing");
        }
        ChronicleQueue queue;
        try {
            // read-only: reading never changes a session (not even Chronicle's metadata file), and a reader
            // still sees what a recorder appends
            queue = SessionWriter.openQueue(queueDir, true);
        } catch (RuntimeException e) {
            throw new SessionException("cannot open the events of " + dir + ": " + e.getMessage(), e);
        }
        return new SessionReader(dir, metadata, queue);
    }

    /** Reads and checks session.json alone. */
    public static SessionMetadata readMetadata(Path dir) {
        if (!Files.exists(dir)) {
            throw new SessionException(dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new SessionException(dir + " is not a session (a session is a folder made by 'pgbftrace record')");
        }
        Path file = dir.resolve(SessionFormat.METADATA_FILE);
        if (!Files.isRegularFile(file)) {
            throw new SessionException(dir + " is not a session: it has no " + SessionFormat.METADATA_FILE);
        }
        SessionMetadata m;
        try {
            m = JSON.readValue(file.toFile(), SessionMetadata.class);
        } catch (IOException e) {
            throw new SessionException(file + " is not valid session metadata: " + firstLine(e.getMessage()), e);
        }
        if (m == null || !SessionFormat.FORMAT_NAME.equals(m.format)) {
            throw new SessionException(dir + " is not a session: " + SessionFormat.METADATA_FILE
                    + " has no \"format\": \"" + SessionFormat.FORMAT_NAME + "\"");
        }
        int major = majorOf(m.formatVersion);
        if (major < 0 || major > SessionFormat.MAJOR) {
            throw new SessionException("unsupported session format " + m.formatVersion + " in " + dir
                    + ": this pgbftrace reads " + SessionFormat.MAJOR + ".x; use a newer pgbftrace");
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

    /** Reads every record from the start, in order. */
    public void read(SessionVisitor visitor) {
        read(visitor, true);
    }

    /**
     * Time of the last event, read from the header of the last batch (walking back from the end of the queue),
     * without decoding any event; empty when the session has none.
     */
    public OptionalLong lastEventTimeNs() {
        try (ExcerptTailer tailer = queue.createTailer()) {
            tailer.direction(TailerDirection.BACKWARD).toEnd();
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        return OptionalLong.empty();
                    }
                    Bytes<?> bytes = dc.wire().bytes();
                    if (bytes.readRemaining() > 0 && bytes.peekUnsignedByte() == SessionFormat.RECORD_BATCH) {
                        return OptionalLong.of(BatchCodec.header(toArray(bytes)).lastTimeNs());
                    }
                }
            }
        }
    }

    /** What {@link #scan} reports: batch headers (not their events) and every other record. */
    public interface ScanVisitor {
        /** A batch at this queue index; its events are read later with {@link #readBatch}. */
        void batch(long queueIndex, BatchCodec.Header header);

        default void relation(Relation relation) {
        }

        default void lost(long timeNs, long count) {
        }

        default void end(String reason) {
        }
    }

    /**
     * Reads the records after queue index {@code after} (or from the start when it is negative), decoding only
     * batch headers; returns the index of the last record read (or {@code after} when none was ready). Call it
     * again to follow a session that is still being written.
     */
    public long scan(long after, ScanVisitor visitor) {
        long last = after;
        try (ExcerptTailer tailer = queue.createTailer()) {
            if (after >= 0) {
                tailer.moveToIndex(after);
                try (DocumentContext dc = tailer.readingDocument()) {
                    // step over the record read last time
                }
            }
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        return last;
                    }
                    last = dc.index();
                    Bytes<?> bytes = dc.wire().bytes();
                    if (bytes.readRemaining() == 0) {
                        continue;
                    }
                    if (bytes.peekUnsignedByte() == SessionFormat.RECORD_BATCH) {
                        visitor.batch(last, BatchCodec.header(toArray(bytes)));
                    } else {
                        dispatch(toArray(bytes), new SessionVisitor() {
                            @Override
                            public void relation(Relation relation) {
                                visitor.relation(relation);
                            }

                            @Override
                            public void event(Event event) {
                            }

                            @Override
                            public void lost(long timeNs, long count) {
                                visitor.lost(timeNs, count);
                            }

                            @Override
                            public void end(String reason) {
                                visitor.end(reason);
                            }
                        });
                    }
                }
            }
        }
    }

    /** Decodes the batches at queue indexes found by {@link #scan}, in the order given, with one tailer. */
    public void readBatches(long[] queueIndexes, BatchCodec.RawSink sink) {
        try (ExcerptTailer tailer = queue.createTailer()) {
            for (long queueIndex : queueIndexes) {
                if (!tailer.moveToIndex(queueIndex)) {
                    throw new SessionException("no record at index " + queueIndex);
                }
                byte[] record;
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        throw new SessionException("no record at index " + queueIndex);
                    }
                    record = toArray(dc.wire().bytes());
                }
                BatchCodec.decodeRaw(record, sink);
            }
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
        try (ExcerptTailer tailer = queue.createTailer()) {
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        return;
                    }
                    Bytes<?> bytes = dc.wire().bytes();
                    if (!events && bytes.readRemaining() > 0 && bytes.peekUnsignedByte() == SessionFormat.RECORD_BATCH) {
                        continue;
                    }
                    dispatch(toArray(bytes), visitor);
                }
            }
        }
    }

    private static byte[] toArray(Bytes<?> bytes) {
        byte[] record = new byte[(int) bytes.readRemaining()];
        bytes.read(record);
        return record;
    }

    private static void dispatch(byte[] record, SessionVisitor visitor) {
        if (record.length == 0) {
            return;
        }
        switch (record[0]) {
            case SessionFormat.RECORD_BATCH -> BatchCodec.decode(record, visitor::event);
            case SessionFormat.RECORD_RELATION -> {
                try {
                    visitor.relation(JSON.readValue(record, 1, record.length - 1, Relation.class));
                } catch (IOException e) {
                    throw new SessionException("unreadable relation record: " + firstLine(e.getMessage()), e);
                }
            }
            case SessionFormat.RECORD_LOST -> {
                String[] parts = new String(record, 1, record.length - 1, StandardCharsets.US_ASCII).split(" ");
                visitor.lost(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
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
        queue.close();
    }
}
