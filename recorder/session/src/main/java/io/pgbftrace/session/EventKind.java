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
    CHECKPOINT_DONE(7, false),
    /**
     * Since 2.0: the statement its backend was running ended ({@code query__done}, or the end of an Execute
     * message of the extended protocol). Every access of the backend since its last QUERY belongs to it.
     */
    QUERY_DONE(8, false),
    /**
     * Since 2.0: a backend started rewriting a relation into a new file set ({@code make_new_heap}: VACUUM FULL,
     * CLUSTER, ALTER TABLE that rewrites, REFRESH MATERIALIZED VIEW); value = the rewritten relation's oid.
     */
    REWRITE_START(9, false),
    /**
     * Since 2.0: the rewrite of that backend swapped its new files in ({@code finish_heap_swap}); value = the
     * relation's oid. Until then PostgreSQL counts the accesses to the new files for a transient relation.
     */
    REWRITE_SWAP(10, false),
    /**
     * Since 2.0: a parallel worker starts its share of a statement, after its executor startup
     * ({@code InstrStartParallelQuery}); value = the pid of the leader, the backend whose statement it is. Its
     * accesses until WORKER_DONE belong to that statement, as EXPLAIN and pg_stat_statements count them.
     */
    WORKER_START(11, false),
    /** Since 2.0: the parallel worker finished its share ({@code InstrEndParallelQuery}). */
    WORKER_DONE(12, false);

    /** Kinds whose code does not fit the head byte's 3 bits: the head's extended-kind flag adds 8. */
    public static final int EXTENDED = 8;
    private static final EventKind[] BY_CODE = new EventKind[16];

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

    /** The code stored in the format: 0-7 in the head byte's kind bits, 8-15 with its extended-kind flag. */
    public int code() {
        return code;
    }

    /** Whether the event names a block of a relation (db, tablespace, relfilenode, fork, block). */
    public boolean hasRelation() {
        return hasRelation;
    }

    /**
     * Whether views list its count even when it is 0: the buffer events and the markers every session could have;
     * statement ends, rewrites and workers' shares (format 2.0) are listed only when the session has them.
     */
    public boolean alwaysCounted() {
        return code < EXTENDED;
    }

    /** Whether timelines mark it: a statement's start, a checkpoint's start or end. */
    public boolean isMarker() {
        return this == QUERY || this == CHECKPOINT_START || this == CHECKPOINT_DONE;
    }

    /** Whether this is one of the outcomes of a buffer access. */
    public boolean isAccess() {
        return this == HIT || this == MISS || this == EXTEND;
    }

    /** The kind of a code, or null when this version of the format has none. */
    public static EventKind ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
