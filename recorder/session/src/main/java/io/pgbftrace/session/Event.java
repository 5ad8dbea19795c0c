package io.pgbftrace.session;

/**
 * One recorded event. Relation fields are zero for events without a relation.
 *
 * @param kind        what happened
 * @param timeNs      monotonic time in ns (CLOCK_MONOTONIC; {@code session.json} anchors it to wall time)
 * @param pid         the PostgreSQL process (backend, checkpointer, ...)
 * @param db          database oid (0 for shared catalogs)
 * @param spc         tablespace oid
 * @param relfilenode the relation's file node
 * @param fork        0 main, 1 fsm, 2 vm, 3 init
 * @param block       block number (unsigned 32 bits)
 * @param local       true for a local (temporary-table) buffer, false for a shared one
 * @param value       READ: latency in ns; CHECKPOINT_START: flags; CHECKPOINT_DONE: buffers written
 * @param text        QUERY: the query text (possibly cut); otherwise null
 */
public record Event(EventKind kind, long timeNs, int pid, int db, int spc, int relfilenode, int fork, long block,
                    boolean local, long value, String text) {

    public static Event access(EventKind kind, long timeNs, int pid, int db, int spc, int relfilenode, int fork,
                               long block, boolean local) {
        return new Event(kind, timeNs, pid, db, spc, relfilenode, fork, block, local, 0, null);
    }

    public static Event read(long timeNs, int pid, int db, int spc, int relfilenode, int fork, long block,
                             boolean local, long latencyNs) {
        return new Event(EventKind.READ, timeNs, pid, db, spc, relfilenode, fork, block, local, latencyNs, null);
    }

    public static Event write(long timeNs, int pid, int db, int spc, int relfilenode, int fork, long block) {
        return new Event(EventKind.WRITE, timeNs, pid, db, spc, relfilenode, fork, block, false, 0, null);
    }

    public static Event query(long timeNs, int pid, String text) {
        return new Event(EventKind.QUERY, timeNs, pid, 0, 0, 0, 0, 0, false, 0, text);
    }

    public static Event marker(EventKind kind, long timeNs, int pid, long value) {
        return new Event(kind, timeNs, pid, 0, 0, 0, 0, 0, false, value, null);
    }

    /** The file this event's block belongs to, ignoring the fork. */
    public FileKey fileKey() {
        return new FileKey(db, spc, relfilenode);
    }
}
