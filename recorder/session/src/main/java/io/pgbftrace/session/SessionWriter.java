package io.pgbftrace.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a session folder. Events are buffered into batches of at most {@link SessionFormat#MAX_BATCH_EVENTS};
 * {@link #flush()} closes the current batch so that other processes see it. Not thread-safe: one thread at a time
 * writes, and a hand-off to another thread must be ordered (e.g. by Thread.start or join).
 */
public final class SessionWriter implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final SessionMetadata metadata;
    private final ChronicleQueue queue;
    private final ExcerptAppender appender;
    private final List<Event> pending = new ArrayList<>();
    private final Map<EventKind, long[]> counts = new TreeMap<>();
    private long total;
    private boolean closed;
    private Thread owner;

    private SessionWriter(Path dir, SessionMetadata metadata) {
        this.dir = dir;
        this.metadata = metadata;
        this.queue = openQueue(dir.resolve(SessionFormat.QUEUE_DIR));
        this.appender = queue.createAppender();
        for (EventKind k : EventKind.values()) {
            counts.put(k, new long[1]);
        }
    }

    /**
     * Creates the session folder (which must not exist or be empty) and writes its first session.json.
     */
    public static SessionWriter create(Path dir, SessionMetadata metadata) {
        try {
            Files.createDirectories(dir);
            SessionWriter w = new SessionWriter(dir, metadata);
            w.writeMetadata();
            return w;
        } catch (IOException e) {
            throw new PgbftraceException("cannot create session folder " + dir + ": " + e.getMessage(), e);
        }
    }

    private static ChronicleQueue openQueue(Path queueDir) {
        return SingleChronicleQueueBuilder.binary(queueDir)
                .rollCycle(RollCycles.FAST_DAILY)
                // grow the file in small steps: a short session stays small when copied or zipped
                .blockSize(SessionFormat.QUEUE_BLOCK_SIZE)
                .build();
    }

    public Path dir() {
        return dir;
    }

    public SessionMetadata metadata() {
        return metadata;
    }

    public void append(Event e) {
        ensureOpen();
        pending.add(e);
        counts.get(e.kind())[0]++;
        total++;
        if (pending.size() >= SessionFormat.MAX_BATCH_EVENTS) {
            flush();
        }
    }

    /** Appends a catalog record; it is visible to readers at once, before any later batch. */
    public void appendRelation(Relation r) {
        ensureOpen();
        try {
            writeRecord(SessionFormat.RECORD_RELATION, JSON.writer().without(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsBytes(r));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Records that bpftrace reported lost events at this time. */
    public void appendLost(long timeNs, long count) {
        ensureOpen();
        flush();
        metadata.lostEvents += count;
        byte[] body = (timeNs + " " + count).getBytes(StandardCharsets.US_ASCII);
        writeRecord(SessionFormat.RECORD_LOST, body);
    }

    /** Closes the current batch, making its events visible to readers. */
    public void flush() {
        ensureOpen();
        if (pending.isEmpty()) {
            return;
        }
        claimAppender();
        for (byte[] batch : BatchCodec.encodeBounded(pending, SessionFormat.MAX_BATCH_BYTES)) {
            try (DocumentContext dc = appender.writingDocument()) {
                dc.wire().bytes().write(batch);
            }
        }
        pending.clear();
    }

    private void writeRecord(byte type, byte[] body) {
        // a record must not overtake events written before it
        flush();
        claimAppender();
        try (DocumentContext dc = appender.writingDocument()) {
            dc.wire().bytes().writeByte(type).write(body);
        }
    }

    /**
     * Chronicle checks that an appender stays on one thread; ours moves between threads at ordered hand-offs
     * (the recorder's main thread before the reader thread starts and after it ends), so tell it when it does.
     */
    private void claimAppender() {
        Thread current = Thread.currentThread();
        if (owner != current) {
            appender.singleThreadedCheckReset();
            owner = current;
        }
    }

    public long eventCount() {
        return total;
    }

    /** Copies the running counts into the metadata and rewrites session.json atomically. */
    public void writeMetadata() {
        Map<String, Long> byKind = metadata.eventCounts;
        byKind.clear();
        counts.forEach((k, c) -> byKind.put(k.name(), c[0]));
        byKind.put("total", total);
        Path target = dir.resolve(SessionFormat.METADATA_FILE);
        Path tmp = dir.resolve(SessionFormat.METADATA_FILE + ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), metadata);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new PgbftraceException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Writes a text file into the session folder (the bpftrace script, for instance). */
    public void writeFile(String name, String content) {
        try {
            Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PgbftraceException("cannot write " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Ends the session: flushes, writes the end record and the final session.json, and closes the queue.
     */
    public void finish(String state, String stopReason, boolean clean) {
        ensureOpen();
        flush();
        metadata.state = state;
        metadata.stopReason = stopReason;
        metadata.finishedCleanly = clean;
        writeRecord(SessionFormat.RECORD_END, stopReason.getBytes(StandardCharsets.UTF_8));
        close();
        writeMetadata();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            flush();
        } finally {
            closed = true;
            claimAppender();
            appender.close();
            queue.close();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("session writer is closed");
        }
    }
}
