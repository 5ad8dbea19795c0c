package io.pgbftrace.session;

/**
 * Constants of the session format, version {@value #MAJOR}.{@value #MINOR}. docs/session-format.md describes
 * the same layout; keep the two in step.
 */
public final class SessionFormat {
    /** Value of the {@code format} field in session.json; marks a folder as a session. */
    public static final String FORMAT_NAME = "pgbftrace-session";
    public static final int MAJOR = 2;
    public static final int MINOR = 2;
    public static final String METADATA_FILE = "session.json";
    public static final String QUEUE_DIR = "events";
    public static final String SCRIPT_FILE = "capture.bt";

    /** Record types: the first byte of every queue document. */
    public static final byte RECORD_BATCH = 'B';
    public static final byte RECORD_RELATION = 'R';
    public static final byte RECORD_LOST = 'L';
    public static final byte RECORD_END = 'E';
    /** Since 1.2: the kind of a server process (JSON of {@link ServerProcess}). */
    public static final byte RECORD_PROCESS = 'P';

    /** Event head byte: bits 0-2 the kind code, then these flags. */
    public static final int HEAD_KIND_MASK = 0x07;
    public static final int HEAD_SAME_PID = 0x08;
    public static final int HEAD_SAME_KEY = 0x10;
    public static final int HEAD_NEXT_BLOCK = 0x20;
    /** Since 2.0: the kind code is the kind bits + {@link EventKind#EXTENDED}. */
    public static final int HEAD_EXTENDED_KIND = 0x40;

    /** Events per batch before the writer closes it (also closed by time, see {@link SessionWriter}). */
    public static final int MAX_BATCH_EVENTS = 8192;
    /** A batch record never exceeds this many bytes (a Chronicle document must fit in one block). */
    public static final int MAX_BATCH_BYTES = 64 << 10;
    /** Query texts are cut to this many bytes of UTF-8 so that one event always fits in a batch. */
    public static final int MAX_QUERY_BYTES = 8 << 10;
    /** Chronicle's block size: the queue file grows in steps of this size. */
    static final long QUEUE_BLOCK_SIZE = 256 << 10;

    private SessionFormat() {
    }

    public static String version() {
        return MAJOR + "." + MINOR;
    }
}
