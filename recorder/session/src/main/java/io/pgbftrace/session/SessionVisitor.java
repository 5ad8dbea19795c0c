package io.pgbftrace.session;

/** Receives a session's records in the order they were written. */
public interface SessionVisitor {
    /** A catalog record. It arrives before the first batch whose events it resolves was decoded by the recorder. */
    default void relation(Relation relation) {
    }

    /** One event; within a batch in time order. */
    void event(Event event);

    /** What kind of server process a pid is; arrives before the first event that names the pid (format 2.0). */
    default void process(ServerProcess process) {
    }

    /** bpftrace reported this many lost events at this time. */
    default void lost(long timeNs, long count) {
    }

    /** The recorder ended the session (absent when it was killed). */
    default void end(String reason) {
    }
}
