package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where the server of a connection runs, as this machine sees it: the backend serving the connection, its
 * postmaster, and the binary they run. A server in a container has its own PID namespace: {@code pg_backend_pid()}
 * is the pid inside it, and another process here may have that same pid. So the backend is found by its pid in
 * its innermost namespace ({@code NSpid} in /proc/PID/status) and confirmed through the connection: it was started
 * while this machine opened the connection (the postmaster forks a backend per connection). Its binary is read
 * through the postmaster's root (/proc/PID/root), which in a container is the container's file system.
 *
 * @param backendPid    the backend's pid here
 * @param postmasterPid the postmaster's pid here
 * @param binary        the postgres binary, as a path of this machine
 * @param container     what differs inside a container, or null when the server shares this machine's namespaces
 */
public record ServerLocation(int backendPid, int postmasterPid, Path binary, Container container) {
    /** How much a process's start time, in clock ticks, may lie outside the window the connection was opened in. */
    private static final double START_SLACK_SECONDS = 0.05;
    /** Linux reports process start times in these units (USER_HZ). */
    private static final double CLOCK_TICKS = 100;

    /**
     * A server in namespaces of its own.
     *
     * @param backendPidInside    the backend's pid in its PID namespace ({@code pg_backend_pid()})
     * @param postmasterPidInside the postmaster's
     * @param pidNamespace        the namespace, as /proc/PID/ns/pid names it ({@code pid:[4026532849]})
     * @param binaryInside        the binary's path as the server sees it
     * @param root                the server's root seen from here (its container's file system)
     */
    public record Container(int backendPidInside, int postmasterPidInside, String pidNamespace, String binaryInside,
                            String root) {
    }

    /** When this machine opened the connection, in seconds since boot ({@link #uptime()}). */
    public record Window(double from, double to) {
    }

    /** Seconds since boot, as process start times count them (/proc/uptime). */
    public static double uptime() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/uptime")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * Finds the server of the connection whose backend has pid {@code backendPidInside} in its PID namespace and
     * was opened within {@code window}.
     *
     * @param givenPostmaster the postmaster's pid here, given by the user ({@code --pid}), or null
     */
    public static ServerLocation find(int backendPidInside, Window window, Integer givenPostmaster) {
        return find(Path.of("/proc"), backendPidInside, window, givenPostmaster);
    }

    static ServerLocation find(Path proc, int backendPidInside, Window window, Integer givenPostmaster) {
        List<Integer> candidates = new ArrayList<>();
        try (Stream<Path> s = Files.list(proc)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                int pid = Integer.parseInt(name);
                List<Integer> ns = nsPids(proc, pid);
                if (ns.isEmpty() || ns.get(ns.size() - 1) != backendPidInside) {
                    continue;
                }
                int parent = parent(proc, pid);
                if (givenPostmaster != null ? parent != givenPostmaster : !startedWithin(proc, pid, window)) {
                    continue;
                }
                Path exe = executable(proc, pid);
                if (exe != null && exe.equals(executable(proc, parent))) {
                    candidates.add(pid);
                }
            }
        } catch (IOException e) {
            throw new PgbftraceException("cannot list the processes of this machine in " + proc + ": "
                    + e.getMessage(), e);
        }
        if (candidates.isEmpty()) {
            throw new PgbftraceException(givenPostmaster != null ? "pid " + givenPostmaster + " has no child"
                    + " serving this connection (its backend is pid " + backendPidInside + " in the server's PID"
                    + " namespace); give --pid the postmaster's pid as this machine sees it"
                    : "the server's backend (pid " + backendPidInside + " in its PID namespace) is not a process"
                    + " of this machine; run pgbftrace record on the database host, or give --pid the"
                    + " postmaster's pid as this machine sees it");
        }
        if (candidates.size() > 1) {
            throw new PgbftraceException("several processes could be the server's backend (pid " + backendPidInside
                    + " in their PID namespaces, started while the connection was opened: " + candidates
                    + "); give --pid the postmaster's pid as this machine sees it");
        }
        int backend = candidates.get(0);
        int postmaster = parent(proc, backend);
        Path pm = proc.resolve(Integer.toString(postmaster));
        Path exe = executable(proc, postmaster);
        Path binary = binary(pm, exe);
        List<Integer> backendNs = nsPids(proc, backend);
        Container container = null;
        if (backendNs.size() > 1) {
            List<Integer> pmNs = nsPids(proc, postmaster);
            container = new Container(backendPidInside, pmNs.get(pmNs.size() - 1), link(pm.resolve("ns/pid")),
                    inside(pm, exe), pm.resolve("root").toString());
        }
        return new ServerLocation(backend, postmaster, binary, container);
    }

    /** The pid here of a child of the postmaster that has pid {@code pidInside} in the server's namespace. */
    public Optional<Integer> hostPid(int pidInside) {
        if (container == null) {
            return Optional.of(pidInside);
        }
        return ProcessHandle.of(postmasterPid).stream().flatMap(ProcessHandle::children)
                .map(h -> (int) h.pid()).filter(pid -> {
                    List<Integer> ns = nsPids(pid);
                    return !ns.isEmpty() && ns.get(ns.size() - 1) == pidInside;
                }).findFirst();
    }

    /**
     * The binary as a path of this machine: the executable's own path where that is the same file (the server
     * shares this machine's mounts, or runs in a chroot of it), else that path under the server's root.
     */
    private static Path binary(Path pm, Path exe) {
        if (exe == null) {
            throw new PgbftraceException("cannot read the binary of postmaster " + pm + " (replaced on disk since"
                    + " the server started?); pass --postgres-bin");
        }
        for (Path candidate : List.of(exe, Path.of(pm.resolve("root") + exe.toString()))) {
            try {
                if (Files.isRegularFile(candidate) && Files.isSameFile(candidate, pm.resolve("exe"))) {
                    return candidate;
                }
            } catch (IOException | SecurityException ignored) {
                // the next candidate
            }
        }
        throw new PgbftraceException("cannot reach the binary " + exe + " of postmaster " + pm.getFileName()
                + " from this machine; pass --postgres-bin");
    }

    /**
     * The binary's path as the server sees it: the executable's path names it from this machine's root where it
     * can (a chroot inside it), else from the server's own.
     */
    private static String inside(Path pm, Path exe) {
        String root = link(pm.resolve("root"));
        if (root == null || root.equals("/") || !exe.startsWith(root)) {
            return exe.toString();
        }
        return "/" + Path.of(root).relativize(exe);
    }

    /** The process's pids from this machine's PID namespace to its innermost (NSpid), empty when it is gone. */
    public static List<Integer> nsPids(int pid) {
        return nsPids(Path.of("/proc"), pid);
    }

    static List<Integer> nsPids(Path proc, int pid) {
        try {
            for (String line : Files.readAllLines(proc.resolve(pid + "/status"))) {
                if (line.startsWith("NSpid:")) {
                    List<Integer> out = new ArrayList<>();
                    for (String f : line.substring("NSpid:".length()).trim().split("\\s+")) {
                        out.add(Integer.parseInt(f));
                    }
                    return out;
                }
            }
            return List.of(pid); // kernels before 4.1 say nothing of namespaces
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static int parent(Path proc, int pid) {
        String[] f = statFields(proc, pid);
        return f.length > 1 ? Integer.parseInt(f[1]) : -1;
    }

    private static boolean startedWithin(Path proc, int pid, Window window) {
        String[] f = statFields(proc, pid);
        if (f.length <= 19 || Double.isNaN(window.from()) || Double.isNaN(window.to())) {
            return false;
        }
        double started = Long.parseLong(f[19]) / CLOCK_TICKS;
        return started >= window.from() - START_SLACK_SECONDS && started <= window.to() + START_SLACK_SECONDS;
    }

    /** The fields of /proc/PID/stat after the command name: [0] is the state, [1] the parent, [19] the start. */
    private static String[] statFields(Path proc, int pid) {
        try {
            String stat = Files.readString(proc.resolve(pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        } catch (IOException | RuntimeException e) {
            return new String[0];
        }
    }

    private static Path executable(Path proc, int pid) {
        try {
            Path exe = Files.readSymbolicLink(proc.resolve(pid + "/exe"));
            return exe.toString().endsWith(" (deleted)") ? null : exe;
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static String link(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException e) {
            return null;
        }
    }
}
