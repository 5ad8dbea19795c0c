package io.pgbftrace.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** Runs a command line in this JVM and keeps what it printed. */
record Cli(int code, String out, String err) {
    static Cli run(String... args) {
        return run(Map.of("PATH", System.getenv("PATH")), args);
    }

    static Cli run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true), env);
        return new Cli(code, out.toString(), err.toString());
    }

    /** The first line of stderr, with its newline (a usage error adds the usage line after it). */
    String firstErr() {
        int nl = err.indexOf('\n');
        return nl < 0 ? err : err.substring(0, nl + 1);
    }

    /** stderr is exactly one line (after a usage error, the usage line follows it). */
    boolean oneLineError() {
        return err.strip().lines().filter(l -> !l.startsWith("Usage: ")).count() == 1;
    }
}
