package io.pgbftrace.session;

import java.util.HashMap;
import java.util.Map;

/**
 * The buffers each checkpoint wrote, as every view counts them: the checkpointer's WRITE events between its
 * CHECKPOINT_START and CHECKPOINT_DONE (what pg_stat_bgwriter.buffers_checkpoint counts). Not thread-safe.
 */
public final class CheckpointWrites {
    private final Map<Integer, long[]> open = new HashMap<>();

    public void start(int pid) {
        open.put(pid, new long[1]);
    }

    public void write(int pid) {
        long[] n = open.get(pid);
        if (n != null) {
            n[0]++;
        }
    }

    /** The writes of the checkpoint this process ends, or -1 when its start is not in the session. */
    public long done(int pid) {
        long[] n = open.remove(pid);
        return n == null ? -1 : n[0];
    }
}
