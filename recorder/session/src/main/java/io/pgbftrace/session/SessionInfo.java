package io.pgbftrace.session;


import java.nio.file.Path;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.Map;

/**
 * What {@code pgbftrace info} knows of a session: the metadata, its status, and one row per relation. {@link #json()}
 * is a stable contract, typed here and described in docs/info-json.md: add fields, never rename or remove them.
 * How it is shown to people is the command line's business.
 */
public final class SessionInfo {
    /** Version of the JSON document; bumped only for changes that break readers. */
    public static final int JSON_VERSION = 1;

    private final Path dir;
    private final SessionMetadata m;
    private final SessionSummary summary;
    private final SessionStatus status;
    private final Optional<String> damage;

    private SessionInfo(Path dir, SessionMetadata m, SessionSummary summary, boolean alive, Optional<String> damage) {
        this.dir = dir;
        this.m = m;
        this.summary = summary;
        this.damage = damage;
        this.status = SessionStatus.of(m, summary.ended(), alive, damage);
    }

    public static SessionInfo load(Path dir, boolean includeRecorder) {
        return load(dir, dir, includeRecorder);
    }

    /** @param shown what the session is called where it is shown (a packed session's file, say) */
    public static SessionInfo load(Path dir, Path shown, boolean includeRecorder) {
        try (SessionReader r = SessionReader.open(dir)) {
            SessionSummary summary = SessionSummary.of(r, includeRecorder);
            return new SessionInfo(shown, r.metadata(), summary, r.recorderAlive(), r.damage());
        }
    }

    public Path dir() {
        return dir;
    }

    public SessionMetadata metadata() {
        return m;
    }

    public SessionSummary summary() {
        return summary;
    }

    public SessionStatus status() {
        return status;
    }

    /** What is damaged, when the session could be read only up to a point. */
    public Optional<String> damage() {
        return damage;
    }

    public long lostEvents() {
        return m.lostEvents(summary.lostEvents());
    }

    /** Seconds from the start of the recording to its end (or to its last event when it has no end). */
    public double durationSeconds() {
        long end = m.endMonotonicNs != null && status.complete() ? m.endMonotonicNs : summary.lastTimeNs();
        return seconds(end);
    }

    /** Seconds from the start of the recording (or its first event) to a monotonic time. */
    public double seconds(long timeNs) {
        long start = m.startMonotonicNs != null ? m.startMonotonicNs : summary.firstTimeNs();
        return Math.max(0, timeNs - start) / 1e9;
    }

    /** The info --json document. */
    public record Json(int infoVersion, Session session, List<Row> relations) {
    }

    /** The "session" object of the document. */
    public record Session(String path, String format, String formatVersion, String toolVersion, String title,
                          String description, String lookFor, String source, String status, boolean complete,
                          boolean finishedCleanly, String stopReason, String damage, String hostName,
                          String startWall, String endWall, double durationSeconds, SessionMetadata.Postgres postgres,
                          SessionMetadata.Bpftrace bpftrace, Map<String, Long> eventCounts, long lostEvents,
                          List<Integer> recorderBackendPids, long recorderEventsHidden, List<String> notes,
                          Map<String, Long> writesByProcess, List<Checkpoint> checkpoints) {
    }

    /**
     * A checkpoint in the document: seconds from the session start; {@code doneSeconds} null when it did not end
     * within the session; {@code buffersWritten}: the checkpointer's writes in between.
     */
    public record Checkpoint(int pid, double startSeconds, Double doneSeconds, String why, long buffersWritten) {
    }

    /** One relation of the document. */
    public record Row(String database, int db, String schema, String name, String qualifiedName, String kind,
                      Integer oid, String parent, boolean system, Long sizeBlocks, long accesses, long hits,
                      long misses, @JsonProperty("extends") long extendsCount, long kernelReads, long writes,
                      long distinctBlocks, Set<Long> relfilenodes, Rewrite rewrite) {
        static Row of(RelationStats s) {
            Relation r = s.relation();
            Rewrites.Span w = s.rewrite();
            boolean own = r != null && w == null; // a transient's oid and size are not the relation's
            return new Row(r == null ? null : r.database(), r == null ? s.unresolvedKey().db() : r.db(),
                    r == null ? null : r.schema(), r == null ? null : r.name(), s.displayName(),
                    r == null ? "unknown" : r.kind(), own ? r.oid() : null, r == null ? null : r.parentName(),
                    r != null && r.system(), own ? r.sizeBlocks() : null, s.accesses(), s.hits(), s.misses(),
                    s.extendsCount(), s.kernelReads(), s.writes(), s.distinctBlocks(), s.relfilenodes(),
                    w == null || r == null ? null : new Rewrite(r.oid(), w.command(), w.pid(), w.swapped()));
        }
    }

    /**
     * Set on the row of a rewrite's transient relation: the relation it rewrote (whose row counts the files before
     * and after), the command, its backend, and whether it swapped the new files in.
     */
    public record Rewrite(int oid, String command, int pid, boolean swapped) {
    }

    public Json json() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (EventKind k : EventKind.values()) {
            counts.put(k.name(), summary.count(k));
        }
        counts.put("total", summary.total());
        Session session = new Session(dir.toString(), m.format, m.formatVersion, m.toolVersion, m.title,
                m.description, m.lookFor, m.source, status.text(), status.complete(), m.finishedCleanly, m.stopReason,
                damage.orElse(null), m.hostName, m.startWall, m.endWall, durationSeconds(), m.postgres, m.bpftrace,
                counts, lostEvents(), m.recorder.backendPids, summary.hiddenEvents(), m.notes,
                summary.writesByProcess(), summary.checkpoints().stream().map(c -> new Checkpoint(c.pid(),
                        seconds(c.startNs()), c.doneNs() < 0 ? null : seconds(c.doneNs()),
                        CheckpointFlags.describe(c.flags()), c.buffersWritten())).toList());
        return new Json(JSON_VERSION, session, summary.relations().stream().map(Row::of).toList());
    }

    public String toJson() {
        return SessionWriter.toJson(json());
    }
}
