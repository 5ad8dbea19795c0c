package io.pgbftrace.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Identifies a process by pid and /proc start time, so a reused pid is not mistaken for the recorder. */
public final class RecorderProcess {
    private RecorderProcess() {
    }

    /** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or null. */
    public static Long startTicks(long pid) {
        String field = statField(pid, 22);
        return field == null ? null : Long.parseLong(field);
    }

    /** Parent pid (field 4 of /proc/PID/stat), or -1. */
    public static int parentPid(long pid) {
        String field = statField(pid, 4);
        return field == null ? -1 : Integer.parseInt(field);
    }

    /** Field n (1-based, as in proc(5)) of /proc/PID/stat, or null when there is no such process. */
    private static String statField(long pid, int n) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) may hold spaces: count fields after its closing parenthesis
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return rest[n - 3];
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static boolean isAlive(SessionMetadata.Recorder r) {
        if (r == null || r.pid == null || r.processStartTicks == null) {
            return false;
        }
        Long now = startTicks(r.pid);
        return r.processStartTicks.equals(now);
    }
}
