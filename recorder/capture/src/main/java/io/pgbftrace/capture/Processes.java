package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short-lived program with a timeout that always fires: its output goes to a temporary file, not a pipe we
 * would have to drain first, so a child that keeps its output open (a server it started, say) cannot hang us.
 */
public final class Processes {
    private Processes() {
    }

    /** What a program printed (stdout and stderr together) and how it ended. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** The last non-blank line of the output, or "" (most programs say what went wrong there). */
        public String lastLine() {
            List<String> lines = output.strip().lines().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1).strip();
        }
    }

    /**
     * Runs {@code cmd} and waits at most {@code timeout}; on time-out the program and its children are killed
     * and a {@link PgbftraceException} says so.
     */
    public static Result run(List<String> cmd, Duration timeout, Map<String, String> env) {
        Path out = null;
        try {
            out = Files.createTempFile("pgbftrace-run-", ".out");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new PgbftraceException(String.join(" ", cmd.subList(0, Math.min(cmd.size(), 6)))
                        + " did not finish within " + timeout.toSeconds() + " s; it was stopped");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PgbftraceException("cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbftraceException("interrupted while running " + cmd.get(0), e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }

    public static Result run(List<String> cmd, Duration timeout) {
        return run(cmd, timeout, Map.of());
    }
}
