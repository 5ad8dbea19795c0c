package io.pgbftrace.session;

/** A session that cannot be read or written; the message is one line meant for a person. */
public class SessionException extends RuntimeException {
    public SessionException(String message) {
        super(message);
    }

    public SessionException(String message, Throwable cause) {
        super(message, cause);
    }
}
