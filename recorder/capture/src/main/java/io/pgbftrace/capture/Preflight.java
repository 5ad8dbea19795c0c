package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.session.RecorderProcess;
import io.pgbftrace.session.SessionFormat;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionReader;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    /**
     * --out must be new or empty; --force may replace an earlier session, never a folder of other files nor a
     * session that a recorder is writing now. Changes nothing: {@link SessionSwap} replaces the old session only
     * once the new one has really started.
     */
    public static void checkOutput(Path out, boolean force) {
        if (!Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(out, LinkOption.NOFOLLOW_LINKS)) {
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
        SessionMetadata old;
        try {
            old = SessionReader.readMetadata(out);
        } catch (PgbftraceException e) {
            return; // a damaged session may be replaced
        }
        if (RecorderProcess.isAlive(old.recorder)) {
            throw PgbftraceException.usage("--out " + out + " is being recorded right now by pid " + old.recorder.pid
                    + "; --force never replaces a live recording: stop that recorder first or choose another folder");
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
        Processes.Result r;
        try {
            r = Processes.run(List.of("mount", "-t", "tracefs", "nodev", TRACEFS.toString()), Duration.ofSeconds(10));
        } catch (PgbftraceException e) {
            throw new PgbftraceException("tracefs is not mounted (" + e.getMessage() + "); mount it with: " + how, e);
        }
        if (r.ok() && Files.exists(TRACEFS.resolve("uprobe_events"))) {
            return Optional.of("mounted tracefs at " + TRACEFS + " (bpftrace needs it to detach its probes)");
        }
        throw new PgbftraceException("tracefs is not mounted and mounting it failed (" + r.lastLine()
                + "); mount it with: " + how);
    }

    /** "bpftrace v0.17.0" -> "0.17.0"; null when it cannot be run. */
    public static String bpftraceVersion(Path bpftrace) {
        try {
            String out = Processes.run(List.of(bpftrace.toString(), "--version"), Duration.ofSeconds(10)).lastLine();
            return out.startsWith("bpftrace v") ? out.substring("bpftrace v".length()) : out;
        } catch (PgbftraceException e) {
            return null;
        }
    }
}
