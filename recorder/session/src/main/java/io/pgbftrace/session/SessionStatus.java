package io.pgbftrace.session;

import java.util.Optional;

/**
 * What state a session is in, worded once for every view: complete, still recording, failed, cut off (the
 * recorder died), or damaged (read up to the damage).
 *
 * @param state what it is
 * @param text  one line for people, e.g. "failed: bpftrace exited unexpectedly"
 */
public record SessionStatus(State state, String text) {
    /** The states, from best to worst. */
    public enum State { COMPLETE, RECORDING, INCOMPLETE, FAILED, DAMAGED }

    /**
     * @param ended  the log holds its end record
     * @param alive  the recorder named in session.json still runs
     * @param damage what is damaged, if anything
     */
    public static SessionStatus of(SessionMetadata m, boolean ended, boolean alive, Optional<String> damage) {
        if (damage.isPresent()) {
            return new SessionStatus(State.DAMAGED, "damaged: " + damage.get());
        }
        if ("failed".equals(m.state)) {
            return new SessionStatus(State.FAILED, "failed: " + m.stopReason + "; every event written before"
                    + " is readable");
        }
        if ("complete".equals(m.state) && ended) {
            return new SessionStatus(State.COMPLETE, "complete");
        }
        if (alive) {
            return new SessionStatus(State.RECORDING, "recording: still being written by pid " + m.recorder.pid);
        }
        return new SessionStatus(State.INCOMPLETE, "incomplete: the recorder stopped without finishing it"
                + " (killed?); every event it wrote is readable");
    }

    public boolean complete() {
        return state == State.COMPLETE;
    }
}
