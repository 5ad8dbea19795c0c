package io.pgbftrace.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Lets tests in other packages run pgbftrace in a JVM of its own, with an environment of their choosing. */
public final class ToolProcessAccess implements AutoCloseable {
    private final ToolProcess process;

    private ToolProcessAccess(ToolProcess process) {
        this.process = process;
    }

    public static ToolProcessAccess start(Path log, List<String> args, Map<String, String> env) throws IOException {
        return new ToolProcessAccess(ToolProcess.start(log, args, env));
    }

    @Override
    public void close() {
        process.close();
    }
}
