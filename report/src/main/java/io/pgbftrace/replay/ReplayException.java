package io.pgbftrace.replay;

/** The replay cannot start or go on; one line for a person. */
public class ReplayException extends RuntimeException {
    public ReplayException(String message, Throwable cause) {
        super(message, cause);
    }
}
