package io.pgbftrace.report;

/**
 * One checkpoint: its start (with PostgreSQL's flags), its end, and the buffers the checkpointer wrote in between
 * (the session's WRITE events of that process: what pg_stat_bgwriter.buffers_checkpoint counts).
 */
final class CheckpointStats {
    final long startNs;
    final int pid;
    final long flags;
    long doneNs = -1;
    /** Filled at its end by {@link io.pgbftrace.session.CheckpointWrites}. */
    long writes;

    CheckpointStats(long startNs, int pid, long flags) {
        this.startNs = startNs;
        this.pid = pid;
        this.flags = flags;
    }
}
