package io.pgbftrace.session;

import java.time.Instant;
import java.util.Optional;

/** Names a process by pid and start time, so that a reused pid is never taken for the recorder. */
public final class RecorderProcess {
    private RecorderProcess() {
    }

    /** When a process started (ISO-8601, as the kernel tells it), or null when it is gone. */
    public static String startOf(long pid) {
        return ProcessHandle.of(pid).flatMap(RecorderProcess::start).orElse(null);
    }

    private static Optional<String> start(ProcessHandle h) {
        return h.info().startInstant().map(Instant::toString);
    }

    /** Whether the process recorded in a session is still running (the session may still grow). */
    public static boolean isAlive(SessionMetadata.Recorder r) {
        if (r == null || r.pid == null || r.processStart == null) {
            return false;
        }
        return r.processStart.equals(startOf(r.pid));
    }
}
