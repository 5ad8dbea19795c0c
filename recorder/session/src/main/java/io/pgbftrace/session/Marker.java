package io.pgbftrace.session;

/**
 * A moment views mark on their timelines: a QUERY (its text) or a checkpoint (its value).
 *
 * @param timeNs monotonic time
 */
public record Marker(long timeNs, EventKind kind, int pid, String text, long value) {
    public static Marker of(Event e) {
        return new Marker(e.timeNs(), e.kind(), e.pid(), e.text(), e.value());
    }
}
