package io.pgbftrace.session;

import java.util.Arrays;

/**
 * Which backends' events views leave out: the recorder's own (its catalog look-ups), unless asked for. The one
 * place that rule lives.
 */
public final class BackendFilter {
    private final int[] hidden;

    private BackendFilter(int[] hidden) {
        this.hidden = hidden;
    }

    public static BackendFilter of(SessionMetadata m, boolean includeRecorder) {
        return new BackendFilter(includeRecorder ? new int[0]
                : m.recorder.backendPids.stream().mapToInt(Integer::intValue).sorted().distinct().toArray());
    }

    /** Whether the events of this backend are left out. */
    public boolean hides(int pid) {
        return hidden.length > 0 && Arrays.binarySearch(hidden, pid) >= 0;
    }
}
