package io.pgbftrace.session;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Buffer writes by the kind of process that wrote them, as every view counts them: per pid while reading, mapped
 * through the session's process records at the end (they may come a tick after a pid's first event). A pid that
 * started a checkpoint is the checkpointer even without a process record (sessions before format 1.2). Not
 * thread-safe.
 */
public final class WritesByProcess {
    private final Map<Integer, Long> byPid = new HashMap<>();
    private final Map<Integer, String> kinds = new HashMap<>();

    /** Feed every event: writes are counted, and a checkpoint's start names its process. */
    public void event(Event e) {
        switch (e.kind()) {
            case WRITE -> write(e.pid());
            case CHECKPOINT_START -> checkpointStarted(e.pid());
            default -> {
            }
        }
    }

    public void process(ServerProcess p) {
        kinds.put(p.pid(), p.kind());
    }

    public void checkpointStarted(int pid) {
        kinds.putIfAbsent(pid, ServerProcess.CHECKPOINTER);
    }

    public void write(int pid) {
        byPid.merge(pid, 1L, Long::sum);
    }

    /** Writes by kind, in {@link ServerProcess#KINDS} order, kinds without writes left out. */
    public Map<String, Long> totals() {
        Map<String, Long> byKind = new HashMap<>();
        byPid.forEach((pid, n) -> byKind.merge(kinds.getOrDefault(pid, ServerProcess.UNKNOWN), n, Long::sum));
        Map<String, Long> out = new LinkedHashMap<>();
        for (String k : ServerProcess.KINDS) {
            if (byKind.getOrDefault(k, 0L) > 0) {
                out.put(k, byKind.get(k));
            }
        }
        return out;
    }
}
