package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * bpftrace running the capture script: started in a session of its own (the terminal's Ctrl-C reaches only the
 * recorder, which stops it in order) with a parent-death signal (it never outlives the recorder). Its stderr is
 * drained all the time (a full pipe would block it): "Lost N events" lines are counted, the rest kept as a tail
 * for diagnosis.
 */
final class BpftraceProcess {
    private static final int TAIL_LINES = 20;

    private final Process process;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final AtomicLong lostOnStderr = new AtomicLong();
    private final Thread stderrReader;

    private BpftraceProcess(Process process) {
        this.process = process;
        this.stderrReader = new Thread(this::drainStderr, "pgbftrace-bpftrace-stderr");
        this.stderrReader.setDaemon(true);
        this.stderrReader.start();
    }

    /**
     * @param mapKeys room for this many keys in each map (aggregated output), or 0 for bpftrace's default
     * @param say     where to tell the user that bpftrace cannot be tied to the recorder
     */
    static BpftraceProcess start(Path bpftrace, Path script, int bufferPages, int mapKeys, Map<String, String> env,
                                 java.util.function.Consumer<String> say) {
        List<String> cmd = new ArrayList<>();
        // the parent-death signal stops bpftrace if we die; setsid keeps the terminal's Ctrl-C for us alone
        Preflight.findOnPath("setpriv", env).ifPresent(p -> cmd.addAll(List.of(p.toString(),
                "--pdeathsig", "TERM", "--")));
        Preflight.findOnPath("setsid", env).ifPresent(p -> cmd.add(p.toString()));
        if (cmd.isEmpty()) {
            say.accept("setpriv and setsid (util-linux) not found: bpftrace may outlive the recorder if it is killed");
        }
        cmd.add(bpftrace.toString());
        cmd.add(script.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("BPFTRACE_STRLEN", "200");
        pb.environment().put("BPFTRACE_PERF_RB_PAGES", Integer.toString(bufferPages));
        if (mapKeys > 0) {
            pb.environment().put("BPFTRACE_MAP_KEYS_MAX", Integer.toString(mapKeys));
        }
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            return new BpftraceProcess(p);
        } catch (IOException e) {
            throw new PgbftraceException("cannot start " + bpftrace + ": " + e.getMessage(), e);
        }
    }

    InputStream stdout() {
        return process.getInputStream();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Events bpftrace said on stderr that it lost since the last call. */
    long takeLostOnStderr() {
        return lostOnStderr.getAndSet(0);
    }

    /** Asks bpftrace to stop (SIGTERM: it detaches its probes and exits); kills it after the timeout. */
    void stop(long timeoutMs, java.util.function.Consumer<String> say) {
        process.destroy();
        try {
            if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
                say.accept("bpftrace did not stop within " + timeoutMs / 1000 + " s; killing it");
                process.destroyForcibly();
                process.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
            }
            stderrReader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** Why bpftrace failed or ended, in one line: a signal someone sent, or what it said last. */
    String problem() {
        try {
            process.waitFor(2, TimeUnit.SECONDS);
            stderrReader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!process.isAlive() && process.exitValue() > 128 && process.exitValue() <= 128 + 64) {
            // killed: whatever it printed before (warnings) is not the reason (bpftrace's own errors exit with 255)
            return "bpftrace was killed by signal " + (process.exitValue() - 128) + " (not by pgbftrace)";
        }
        synchronized (stderrTail) {
            String error = stderrTail.stream().filter(l -> l.contains("ERROR")).findFirst()
                    .orElse(stderrTail.isEmpty() ? "no message" : stderrTail.getLast());
            String code = process.isAlive() ? "" : " (exit code " + process.exitValue() + ")";
            return error.trim() + code;
        }
    }

    private void drainStderr() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.contains("RLIMIT_MEMLOCK") || line.isBlank()) {
                    continue; // harmless on kernels that account BPF memory to cgroups
                }
                if (line.startsWith("Lost ") && line.endsWith(" events")) {
                    try {
                        lostOnStderr.addAndGet(Long.parseLong(line.substring(5, line.length() - 7).trim()));
                        continue;
                    } catch (NumberFormatException e) {
                        // not the line it looked like: keep it with the others
                    }
                }
                synchronized (stderrTail) {
                    stderrTail.addLast(line);
                    if (stderrTail.size() > TAIL_LINES) {
                        stderrTail.removeFirst();
                    }
                }
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }
}
