package io.pgbftrace.capture;

/** Capture cannot go on; the message is one line for a person, saying what to do. */
public class CaptureException extends RuntimeException {
    private final boolean usage;

    public CaptureException(String message) {
        this(message, false, null);
    }

    public CaptureException(String message, Throwable cause) {
        this(message, false, cause);
    }

    private CaptureException(String message, boolean usage, Throwable cause) {
        super(message, cause);
        this.usage = usage;
    }

    /** An error in what the user typed (exit code 2) rather than in the world (exit code 1). */
    public static CaptureException usage(String message) {
        return new CaptureException(message, true, null);
    }

    public boolean isUsage() {
        return usage;
    }
}
