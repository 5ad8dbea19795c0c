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
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.EnumMap;

/**
 * Writes a session folder. Events are buffered into batches of at most {@link SessionFormat#MAX_BATCH_EVENTS};
 * {@link #flush()} closes the current batch so that other processes see it.
 *
 * <p>One thread owns the writer: the first that writes to the event log; any other thread that tries is refused.
 * The log is a memory-mapped file, where a write to a full disk would fault the JVM: before each batch the writer
 * checks the free space and, below {@link #STOP_BELOW_BYTES}, refuses with a {@link PgbftraceException} (and
 * {@link #outOfSpace()} turns true) while the end of the session still fits; {@link #finish} then needs only a
 * little room.
 */
public final class SessionWriter implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A JSON document as the commands print it: indented, with a final newline. */
    public static String toJson(Object document) {
        try {
            return JSON.writeValueAsString(document) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new PgbftraceException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    private final Path dir;
    private final SessionMetadata metadata;
    /** Below this much free space, no more batches are written: what is left is for the end of the session. */
    public static final long STOP_BELOW_BYTES = 512 << 10;
    /** The end record, the last catalog records and session.json need no more than this. */
    static final long FINISH_BELOW_BYTES = 64 << 10;

    private final ChronicleQueue queue;
    private final FileStore store;
    private ExcerptAppender appender;
    private final List<Event> pending = new ArrayList<>();
    private final Map<EventKind, long[]> counts = new EnumMap<>(EventKind.class);
    private long total;
    private long dropped;
    private boolean closed;
    private boolean outOfSpace;
    private Thread owner;

    private SessionWriter(Path dir, SessionMetadata metadata) throws IOException {
        this.dir = dir;
        this.metadata = metadata;
        this.queue = openQueue(dir.resolve(SessionFormat.QUEUE_DIR));
        this.store = Files.getFileStore(dir);
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
        appendJson(SessionFormat.RECORD_RELATION, r);
    }

    /** Appends what kind of server process a pid is. */
    public void appendProcess(ServerProcess p) {
        appendJson(SessionFormat.RECORD_PROCESS, p);
    }

    private void appendJson(byte type, Object value) {
        ensureOpen();
        try {
            writeRecord(type, JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(value));
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
        ensureSpace(STOP_BELOW_BYTES);
        for (byte[] batch : BatchCodec.encodeBounded(pending, SessionFormat.MAX_BATCH_BYTES)) {
            writeDocument(batch);
        }
        pending.clear();
    }

    private void writeRecord(byte type, byte[] body) {
        // a record must not overtake events written before it
        flush();
        ensureSpace(FINISH_BELOW_BYTES);
        byte[] record = new byte[body.length + 1];
        record[0] = type;
        System.arraycopy(body, 0, record, 1, body.length);
        writeDocument(record);
    }

    private void writeDocument(byte[] record) {
        ExcerptAppender a = appender();
        try (DocumentContext dc = a.writingDocument()) {
            dc.wire().bytes().write(record);
        } catch (InternalError e) {
            // the disk filled between the check and the write (another process): the mapped page could not be
            // had. The half-written record stays marked incomplete, so readers stop before it.
            outOfSpace = true;
            throw new PgbftraceException("writing " + dir + " failed: the disk is full (" + e.getMessage() + ")", e);
        }
    }

    /** The appender, created by (and bound to) the first thread that writes; another thread is refused. */
    private ExcerptAppender appender() {
        Thread current = Thread.currentThread();
        if (appender == null) {
            appender = queue.createAppender();
            owner = current;
        } else if (owner != current) {
            throw new IllegalStateException("the session writer is owned by thread " + owner.getName()
                    + ", not " + current.getName());
        }
        return appender;
    }

    /** Refuses to write when the disk has less than {@code reserve} bytes free. */
    private void ensureSpace(long reserve) {
        if (outOfSpace && reserve == STOP_BELOW_BYTES) {
            throw spaceException(-1);
        }
        long free;
        try {
            free = store.getUsableSpace();
        } catch (IOException e) {
            return; // cannot tell: write, and let a real failure speak
        }
        if (free < reserve) {
            outOfSpace = true;
            throw spaceException(free);
        }
    }

    private PgbftraceException spaceException(long free) {
        return new PgbftraceException("the disk of " + dir + " is full" + (free < 0 ? ""
                : String.format(java.util.Locale.ROOT, " (%,d KB free)", free >> 10))
                + "; free some space or record elsewhere");
    }

    /** Whether the writer stopped writing events because the disk was (nearly) full. */
    public boolean outOfSpace() {
        return outOfSpace;
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
            throw new PgbftraceException("cannot write " + target + ": " + OutputFile.reason(e, dir), e);
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
        if (outOfSpace) {
            dropped = pending.size(); // what did not fit; the rest of the session is whole
            for (Event e : pending) {
                counts.get(e.kind())[0]--;
            }
            total -= dropped;
            pending.clear();
            metadata.notes.add(String.format(java.util.Locale.ROOT, "the disk was full: writing stopped there"
                    + " and the last %,d events were not written", dropped));
        }
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
            if (!outOfSpace) {
                flush();
            }
        } finally {
            closed = true;
            if (appender != null) {
                appender.close();
            }
            queue.close();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("session writer is closed");
        }
    }
}
