package io.pgbftrace.report;

/** The report cannot be written; the message is one line for a person. */
public class ReportException extends RuntimeException {
    private final boolean usage;

    public ReportException(String message, boolean usage) {
        super(message);
        this.usage = usage;
    }

    /** An error in what was typed (exit 2), else in the world (exit 1). */
    public boolean isUsage() {
        return usage;
    }
}
