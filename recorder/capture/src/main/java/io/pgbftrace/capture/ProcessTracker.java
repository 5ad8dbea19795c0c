package io.pgbftrace.capture;

import io.pgbftrace.session.Event;
import io.pgbftrace.session.ServerProcess;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Says what kind of server process each pid is, from the title PostgreSQL gives it (/proc/PID/cmdline), read the
 * first time an event names the pid: within a tick of the event, so even a short-lived backend is usually still
 * there. Used on the writer's thread only.
 */
final class ProcessTracker {
    private final Set<Integer> seen = new HashSet<>();
    private final List<ServerProcess> found = new ArrayList<>();
    private final Path proc;

    ProcessTracker(Path proc) {
        this.proc = proc;
    }

    ProcessTracker() {
        this(Path.of("/proc"));
    }

    void noteEvent(Event e) {
        if (e.pid() > 0 && seen.add(e.pid())) {
            String title = title(e.pid());
            found.add(new ServerProcess(e.pid(), ServerProcess.kindOf(title), title, System.nanoTime()));
        }
    }

    /** Processes described since the last call, to be written into the session. */
    List<ServerProcess> drain() {
        List<ServerProcess> out = new ArrayList<>(found);
        found.clear();
        return out;
    }

    /** The process title, or null when the process is gone. */
    String title(int pid) {
        try {
            byte[] b = Files.readAllBytes(proc.resolve(Integer.toString(pid)).resolve("cmdline"));
            String t = new String(b, StandardCharsets.UTF_8).replace('\0', ' ').strip();
            return t.isEmpty() ? null : t;
        } catch (IOException e) {
            return null;
        }
    }
}
