package io.pgbftrace.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs pgbftrace in a JVM of its own (as a user would), with the test's classpath and Chronicle flags. */
final class ToolProcess implements AutoCloseable {
    final Process process;
    final Path log;

    private ToolProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static ToolProcess start(Path log, List<String> args) throws IOException {
        return start(log, args, java.util.Map.of());
    }

    /** With these environment variables set (or replaced) for the child. */
    static ToolProcess start(Path log, List<String> args, java.util.Map<String, String> env) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("-Dchronicle")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        return new ToolProcess(p, log);
    }

    /** Starts {@code pgbftrace record} and waits until the session says it is recording. */
    static ToolProcess startRecording(Path session, Path log, List<String> args) throws Exception {
        ToolProcess p = start(log, args);
        long deadline = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(session.resolve("session.json"))
                    && "recording".equals(io.pgbftrace.session.SessionReader.readMetadata(session).state)) {
                return p;
            }
            if (!p.process.isAlive()) {
                throw new AssertionError("record exited early:\n" + p.output());
            }
            Thread.sleep(100);
        }
        p.close();
        throw new AssertionError("record did not start within 90 s:\n" + p.output());
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    /** SIGTERM, then the exit code. */
    int terminate() throws Exception {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("pgbftrace did not stop within 60 s of SIGTERM:\n" + output());
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
