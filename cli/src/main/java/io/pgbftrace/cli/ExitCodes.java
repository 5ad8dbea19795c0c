package io.pgbftrace.cli;

/** The exit codes of every command, defined once. */
public final class ExitCodes {
    public static final int OK = 0;
    /** The data or the world said no: a missing session, an unreachable server, bpftrace failed. */
    public static final int FAILED = 1;
    /** What was typed is wrong: an unknown option, a bad value, an --out that is in use. */
    public static final int USAGE = 2;

    private ExitCodes() {
    }
}
