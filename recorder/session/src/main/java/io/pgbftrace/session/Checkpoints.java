package io.pgbftrace.session;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The session's checkpoints as every view counts them: each CHECKPOINT_START, its CHECKPOINT_DONE, and the buffers
 * it wrote, the checkpointer's WRITE events in between (what pg_stat_bgwriter.buffers_checkpoint counts; not the
 * checkpoint__done probe's argument, which also counts SLRU pages). Not thread-safe.
 */
public final class Checkpoints {
    /**
     * One checkpoint: its process, when it started and finished (doneNs -1: not within the session), its flags,
     * and the shared buffers it wrote (so far, for one that did not finish).
     */
    public record Checkpoint(int pid, long startNs, long doneNs, long flags, long buffersWritten) {
    }

    private final List<Checkpoint> started = new ArrayList<>();
    /** Per process with a checkpoint running: its index in {@link #started} and its writes so far. */
    private final Map<Integer, long[]> open = new HashMap<>();

    /** Feed every event: checkpoint starts and ends, and the writes in between. */
    public void event(Event e) {
        switch (e.kind()) {
            case WRITE -> write(e.pid());
            case CHECKPOINT_START -> start(e.pid(), e.timeNs(), e.value());
            case CHECKPOINT_DONE -> done(e.pid(), e.timeNs());
            default -> {
            }
        }
    }

    public void start(int pid, long timeNs, long flags) {
        open.put(pid, new long[]{started.size(), 0});
        started.add(new Checkpoint(pid, timeNs, -1, flags, 0));
    }

    public void write(int pid) {
        long[] o = open.get(pid);
        if (o != null) {
            o[1]++;
        }
    }

    /** Ends the checkpoint this process runs: its writes, or -1 when its start is not in the session. */
    public long done(int pid, long timeNs) {
        long[] o = open.remove(pid);
        if (o == null) {
            return -1;
        }
        Checkpoint c = started.get((int) o[0]);
        started.set((int) o[0], new Checkpoint(pid, c.startNs(), timeNs, c.flags(), o[1]));
        return o[1];
    }

    /** Every checkpoint that started, in order; one still running has its writes so far. */
    public List<Checkpoint> list() {
        List<Checkpoint> out = new ArrayList<>(started);
        open.forEach((pid, o) -> {
            Checkpoint c = out.get((int) o[0]);
            out.set((int) o[0], new Checkpoint(pid, c.startNs(), -1, c.flags(), o[1]));
        });
        return List.copyOf(out);
    }
}
