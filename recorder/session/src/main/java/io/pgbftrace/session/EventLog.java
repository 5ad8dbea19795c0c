package io.pgbftrace.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads the documents of a session's event log (the Chronicle Queue files in {@code events/}) with positional
 * reads, never memory-mapping them: a file that is cut short, damaged or still growing can then never fault the
 * JVM, and reading never changes or waits on the files. The framing read here is Chronicle's (docs/session-format.md):
 * every document starts on a 4-byte boundary with a little-endian 32-bit header, its length in the low 30 bits, bit
 * 30 set for Chronicle's own metadata (file header, indexes, padding) and bit 31 while the document is still being
 * written; a zero header ends the data written so far, {@code 0xC0000000} ends a file whose cycle rolled over.
 *
 * <p>A position names a document: the file's number in name order, shifted left by {@link #FILE_SHIFT}, plus its
 * byte offset. Not thread-safe.
 */
final class EventLog implements AutoCloseable {
    static final int FILE_SHIFT = 40;
    static final int HEADER_BYTES = 4;
    static final int LENGTH_MASK = 0x3FFF_FFFF;
    static final int META_DATA = 0x4000_0000;
    static final int NOT_COMPLETE = 0x8000_0000;
    static final int END_OF_FILE = NOT_COMPLETE | META_DATA;
    static final String FILE_SUFFIX = ".cq4";
    private static final byte[] FILE_MAGIC = "header".getBytes(StandardCharsets.US_ASCII);

    /** Receives data documents (pgbftrace's records), in order. */
    interface Sink {
        /** @return false to stop reading after this document */
        boolean document(long position, byte[] record);
    }

    private final Path dir;
    private final List<Path> files = new ArrayList<>();
    private final List<FileChannel> channels = new ArrayList<>();
    private String damage;
    private long cutAtBoundary = -1;

    EventLog(Path dir) {
        this.dir = dir;
        relist();
    }

    /** What was found damaged, or null: reading stops there. */
    String damage() {
        return damage;
    }

    /** Marks the log damaged at a position (a record that does not decode, say); reading stops there. */
    void damaged(long position, String what) {
        if (damage == null) {
            damage = where(position) + " " + what;
        }
    }

    /** "S/events/F.cq4 at byte N" for a position. */
    String where(long position) {
        int f = fileOf(position);
        return (f < files.size() ? files.get(f) : dir) + String.format(Locale.ROOT, " at byte %,d", offsetOf(position));
    }

    /** Where the last file ended exactly after a record (cut there, or never extended), or -1. */
    long cutAtBoundary() {
        return cutAtBoundary;
    }

    /** Whether the log has no file at all. */
    boolean isEmpty() {
        relist();
        return files.isEmpty();
    }

    static int fileOf(long position) {
        return (int) (position >>> FILE_SHIFT);
    }

    static long offsetOf(long position) {
        return position & ((1L << FILE_SHIFT) - 1);
    }

    private static long position(int file, long offset) {
        return ((long) file << FILE_SHIFT) | offset;
    }

    /** Files appear when the queue rolls over to a new cycle: pick them up, in name (= time) order. */
    private void relist() {
        List<Path> now;
        try (Stream<Path> s = Files.list(dir)) {
            now = s.filter(p -> p.getFileName().toString().endsWith(FILE_SUFFIX)).sorted().toList();
        } catch (IOException e) {
            damage = damage != null ? damage : "cannot list " + dir + ": " + e.getMessage();
            return;
        }
        for (Path p : now) {
            if (!files.contains(p)) {
                files.add(p);
            }
        }
    }

    private synchronized FileChannel channel(int f) throws IOException {
        while (channels.size() <= f) {
            Path p = files.get(channels.size());
            if (!Files.isRegularFile(p)) {
                throw new Damage(position(channels.size(), 0), "is not a regular file");
            }
            channels.add(FileChannel.open(p, StandardOpenOption.READ));
        }
        return channels.get(f);
    }

    /**
     * Reads the data documents from {@code from} on, up to the end of what is completely written (or up to the
     * damage, which {@link #damage()} then names).
     *
     * @return the position to continue from later (the log may grow)
     */
    long read(long from, Sink sink) {
        if (damage != null) {
            return from;
        }
        int f = fileOf(from);
        long off = offsetOf(from);
        try {
            while (true) {
                if (f >= files.size()) {
                    relist();
                    if (f >= files.size()) {
                        return position(f, off);
                    }
                }
                FileChannel ch = channel(f);
                long size = ch.size();
                if (off == 0) {
                    checkFileHeader(ch, f, size);
                }
                if (off == size && f + 1 >= files.size()) {
                    // the file ends right after a record: whole if that record ended the session
                    cutAtBoundary = position(f, off);
                    return position(f, off);
                }
                if (off + HEADER_BYTES > size) {
                    throw new Damage(position(f, off), "is cut short: the file ends before its end mark");
                }
                int h = readInt(ch, off);
                if (h == 0 || h == END_OF_FILE) {
                    if (f + 1 >= files.size()) {
                        relist();
                    }
                    if (f + 1 < files.size()) {
                        f++;
                        off = 0;
                        continue;
                    }
                    return position(f, off); // the end of what is written so far
                }
                if ((h & NOT_COMPLETE) != 0) {
                    return position(f, off); // being written now, or half-written when the writer died
                }
                int len = h & LENGTH_MASK;
                long next = align(off + HEADER_BYTES + len);
                if (off + HEADER_BYTES + len > size) {
                    throw new Damage(position(f, off), String.format(Locale.ROOT,
                            "is cut short: a record of %,d bytes runs past the end of the file (%,d bytes)", len,
                            size));
                }
                if ((h & META_DATA) == 0) {
                    byte[] record = new byte[len];
                    readFully(ch, ByteBuffer.wrap(record), off + HEADER_BYTES);
                    if (len == 0 || record[0] < 'A' || record[0] > 'Z') {
                        throw new Damage(position(f, off), "holds no pgbftrace record (damaged)");
                    }
                    if (!sink.document(position(f, off), record)) {
                        return position(f, next);
                    }
                }
                off = next;
            }
        } catch (Damage d) {
            damaged(d.position, d.getMessage());
            return d.position;
        } catch (IOException e) {
            damaged(position(f, off), "cannot be read: " + e.getMessage());
            return position(f, off);
        }
    }

    /** The data document at a position found by {@link #read}. */
    byte[] readAt(long position) {
        try {
            FileChannel ch = channel(fileOf(position));
            long off = offsetOf(position);
            int h = readInt(ch, off);
            int len = h & LENGTH_MASK;
            if ((h & (META_DATA | NOT_COMPLETE)) != 0 || off + HEADER_BYTES + len > ch.size()) {
                throw new PgbftraceException(where(position) + " holds no complete record");
            }
            byte[] record = new byte[len];
            readFully(ch, ByteBuffer.wrap(record), off + HEADER_BYTES);
            return record;
        } catch (IOException e) {
            throw new PgbftraceException("cannot read " + where(position) + ": " + e.getMessage(), e);
        }
    }

    private void checkFileHeader(FileChannel ch, int f, long size) throws IOException {
        if (size == 0) {
            throw new Damage(position(f, 0), "is empty (0 bytes): the file holds no events");
        }
        if (size < HEADER_BYTES + 2 + FILE_MAGIC.length) {
            throw new Damage(position(f, 0), "is cut short: too small for a queue file header");
        }
        int h = readInt(ch, 0);
        ByteBuffer magic = ByteBuffer.allocate(FILE_MAGIC.length);
        readFully(ch, magic, HEADER_BYTES + 2);
        if ((h & META_DATA) == 0 || (h & NOT_COMPLETE) != 0 || !java.util.Arrays.equals(magic.array(), FILE_MAGIC)) {
            throw new Damage(position(f, 0), "has a damaged file header (not a Chronicle queue file)");
        }
    }

    private int readInt(FileChannel ch, long off) throws IOException {
        // a buffer per read: the replay server reads from several threads at once (positional reads are safe)
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, header, off);
        return header.getInt(0);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long off) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b, off + b.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static long align(long n) {
        return (n + 3) & ~3L;
    }

    private static final class Damage extends RuntimeException {
        final long position;

        Damage(long position, String message) {
            super(message, null, false, false);
            this.position = position;
        }
    }

    @Override
    public synchronized void close() {
        for (FileChannel ch : channels) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // read-only: nothing to lose
            }
        }
        channels.clear();
    }
}
