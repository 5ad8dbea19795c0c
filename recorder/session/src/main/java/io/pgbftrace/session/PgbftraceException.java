package io.pgbftrace.session;

/**
 * The one failure type every layer throws when it cannot go on: its message is one line for a person, naming the
 * input and what to do. {@link #isUsage()} tells a mistake in what was typed (exit 2) from a failure of the data
 * or the world (exit 1); the command line maps the two to exit codes in one place.
 */
public class PgbftraceException extends RuntimeException {
    private final boolean usage;

    public PgbftraceException(String message) {
        this(message, false, null);
    }

    public PgbftraceException(String message, Throwable cause) {
        this(message, false, cause);
    }

    private PgbftraceException(String message, boolean usage, Throwable cause) {
        super(message, cause);
        this.usage = usage;
    }

    /** A mistake in what the user typed (exit code 2). */
    public static PgbftraceException usage(String message) {
        return new PgbftraceException(message, true, null);
    }

    public boolean isUsage() {
        return usage;
    }
}
