package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.session.SessionFormat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The checks that come before tracing, each failing with one line that says what to do. */
public final class Preflight {
    private static final int CAP_SYS_ADMIN = 21;
    private static final int CAP_PERFMON = 38;
    private static final int CAP_BPF = 39;
    static final Path TRACEFS = Path.of("/sys/kernel/tracing");
    private static final Path DEBUGFS_TRACING = Path.of("/sys/kernel/debug/tracing");

    private Preflight() {
    }

    /** --out must be new or empty; --force replaces an earlier session, never a folder of other files. */
    public static void checkOutput(Path out, boolean force) {
        if (!Files.exists(out)) {
            return;
        }
        if (!Files.isDirectory(out)) {
            throw PgbftraceException.usage("--out " + out + " is a file; give a folder name for the session");
        }
        List<Path> entries;
        try (Stream<Path> s = Files.list(out)) {
            entries = s.toList();
        } catch (IOException e) {
            throw new PgbftraceException("cannot read --out " + out + ": " + e.getMessage(), e);
        }
        if (entries.isEmpty()) {
            return;
        }
        boolean isSession = Files.isRegularFile(out.resolve(SessionFormat.METADATA_FILE));
        if (!force) {
            throw PgbftraceException.usage("--out " + out + " exists and is not empty; choose another folder"
                    + (isSession ? " or add --force to replace the session in it" : ""));
        }
        if (!isSession) {
            throw PgbftraceException.usage("--out " + out + " holds files that are not a session; --force only"
                    + " replaces an earlier session, choose another folder");
        }
        for (Path p : entries) {
            deleteRecursively(p);
        }
    }

    private static void deleteRecursively(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(q);
            }
        } catch (IOException e) {
            throw new PgbftraceException("cannot replace the session in " + p.getParent() + ": " + e.getMessage(), e);
        }
    }

    /** Root, or CAP_BPF with CAP_PERFMON, or CAP_SYS_ADMIN. */
    public static void checkPrivileges() {
        Map<String, String> status = procStatus();
        String[] uids = status.getOrDefault("Uid", "").trim().split("\\s+"); // real, effective, saved, fs
        if (uids.length > 1 && uids[1].equals("0")) {
            return;
        }
        long caps = 0;
        try {
            caps = Long.parseUnsignedLong(status.getOrDefault("CapEff", "0").trim(), 16);
        } catch (NumberFormatException ignored) {
            // treated as no capabilities
        }
        boolean bpf = (caps & (1L << CAP_BPF)) != 0 && (caps & (1L << CAP_PERFMON)) != 0;
        boolean admin = (caps & (1L << CAP_SYS_ADMIN)) != 0;
        if (!bpf && !admin) {
            throw new PgbftraceException("tracing needs root (or the CAP_BPF and CAP_PERFMON capabilities);"
                    + " run it as root, e.g. with sudo");
        }
    }

    private static Map<String, String> procStatus() {
        try {
            Map<String, String> out = new java.util.HashMap<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    out.put(line.substring(0, colon), line.substring(colon + 1));
                }
            }
            return out;
        } catch (IOException e) {
            return Map.of();
        }
    }

    /** bpftrace on PATH, or a clear way to install it. */
    public static Path findBpftrace(Map<String, String> env) {
        return findOnPath("bpftrace", env).orElseThrow(() -> new PgbftraceException(
                "bpftrace not found on PATH; install it with: apt-get install bpftrace"));
    }

    /** An executable on PATH. */
    public static Optional<Path> findOnPath(String program, Map<String, String> env) {
        String path = env.getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * bpftrace attaches without tracefs but cannot detach, leaving probes behind: mount it when it is missing
     * (we are root by now), or say how.
     *
     * @return a line to tell the user when it was mounted here, else empty
     */
    public static Optional<String> ensureTracefs() {
        if (Files.exists(TRACEFS.resolve("uprobe_events")) || Files.exists(DEBUGFS_TRACING.resolve("uprobe_events"))) {
            return Optional.empty();
        }
        String how = "mount -t tracefs nodev " + TRACEFS;
        try {
            Process p = new ProcessBuilder("mount", "-t", "tracefs", "nodev", TRACEFS.toString())
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0
                    && Files.exists(TRACEFS.resolve("uprobe_events"))) {
                return Optional.of("mounted tracefs at " + TRACEFS + " (bpftrace needs it to detach its probes)");
            }
            throw new PgbftraceException("tracefs is not mounted and mounting it failed (" + out + "); mount it with: "
                    + how);
        } catch (IOException e) {
            throw new PgbftraceException("tracefs is not mounted; mount it with: " + how, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbftraceException("interrupted while mounting tracefs", e);
        }
    }

    /** "bpftrace v0.17.0" -> "0.17.0"; null when it cannot be run. */
    public static String bpftraceVersion(Path bpftrace) {
        try {
            Process p = new ProcessBuilder(bpftrace.toString(), "--version").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor(10, TimeUnit.SECONDS);
            return out.startsWith("bpftrace v") ? out.substring("bpftrace v".length()) : out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
