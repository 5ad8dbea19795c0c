package io.pgbftrace.session;

/**
 * What an event records. HIT, MISS and EXTEND are the three outcomes of a buffer ACCESS
 * ({@code buffer__read__done}); the others are markers and I/O around it. The codes are part of the format.
 */
public enum EventKind {
    /** Access found the block in the buffer pool (pg_statio {@code _blks_hit}). */
    HIT(0, true),
    /** Access had to read the block in (pg_statio {@code _blks_read}). */
    MISS(1, true),
    /** Access added a new block to the relation (pg_statio counts it in {@code _blks_read}). */
    EXTEND(2, true),
    /** A read that reached the kernel ({@code smgr__md__read__done}); value = latency in ns. */
    READ(3, true),
    /** A shared buffer written out ({@code buffer__flush__done}). */
    WRITE(4, true),
    /** A query started ({@code query__start}); text = the query. */
    QUERY(5, false),
    /** A checkpoint started; value = its flags. */
    CHECKPOINT_START(6, false),
    /** A checkpoint finished; value = buffers it wrote. */
    CHECKPOINT_DONE(7, false);

    private static final EventKind[] BY_CODE = new EventKind[8];

    static {
        for (EventKind k : values()) {
            BY_CODE[k.code] = k;
        }
    }

    private final int code;
    private final boolean hasRelation;

    EventKind(int code, boolean hasRelation) {
        this.code = code;
        this.hasRelation = hasRelation;
    }

    /** The 3-bit code stored in the format. */
    public int code() {
        return code;
    }

    /** Whether the event names a block of a relation (db, tablespace, relfilenode, fork, block). */
    public boolean hasRelation() {
        return hasRelation;
    }

    /** Whether this is one of the outcomes of a buffer access. */
    public boolean isAccess() {
        return this == HIT || this == MISS || this == EXTEND;
    }

    public static EventKind ofCode(int code) {
        return BY_CODE[code & 7];
    }
}
