package io.pgbftrace.session;

import com.fasterxml.jackson.core.JsonProcessingException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code pgbftrace info} shows: the metadata, the session's status, and one row per relation. The JSON form
 * is a stable contract, described in docs/info-json.md; add fields, never rename or remove them.
 */
public final class SessionInfo {
    /** Version of the JSON document; bumped only for changes that break readers. */
    public static final int JSON_VERSION = 1;

    private final Path dir;
    private final SessionMetadata m;
    private final SessionSummary summary;
    private final String status;
    private final boolean complete;

    private SessionInfo(Path dir, SessionMetadata m, SessionSummary summary, boolean alive) {
        this.dir = dir;
        this.m = m;
        this.summary = summary;
        this.complete = "complete".equals(m.state) && summary.ended();
        if (complete) {
            status = "complete";
        } else if ("failed".equals(m.state)) {
            status = "failed: " + m.stopReason;
        } else if (alive) {
            status = "recording: still being written by pid " + m.recorder.pid;
        } else {
            status = "incomplete: the recorder stopped without finishing it (killed?); every event it wrote is"
                    + " readable";
        }
    }

    public static SessionInfo load(Path dir, boolean includeRecorder) {
        try (SessionReader r = SessionReader.open(dir)) {
            return new SessionInfo(dir, r.metadata(), SessionSummary.of(r, includeRecorder), r.recorderAlive());
        }
    }

    public SessionSummary summary() {
        return summary;
    }

    public String status() {
        return status;
    }

    /** Seconds from the start of the recording to its end (or to its last event when it has no end). */
    public double durationSeconds() {
        long start = m.startMonotonicNs != null ? m.startMonotonicNs : summary.firstTimeNs();
        long end = m.endMonotonicNs != null && complete ? m.endMonotonicNs : summary.lastTimeNs();
        return Math.max(0, end - start) / 1e9;
    }

    public String toJson() {
        Map<String, Object> session = new LinkedHashMap<>();
        session.put("path", dir.toString());
        session.put("format", m.format);
        session.put("formatVersion", m.formatVersion);
        session.put("toolVersion", m.toolVersion);
        session.put("title", m.title);
        session.put("description", m.description);
        session.put("source", m.source);
        session.put("status", status);
        session.put("complete", complete);
        session.put("finishedCleanly", m.finishedCleanly);
        session.put("stopReason", m.stopReason);
        session.put("hostName", m.hostName);
        session.put("startWall", m.startWall);
        session.put("endWall", m.endWall);
        session.put("durationSeconds", durationSeconds());
        session.put("postgres", m.postgres);
        session.put("bpftrace", m.bpftrace);
        Map<String, Long> counts = new LinkedHashMap<>();
        for (EventKind k : EventKind.values()) {
            counts.put(k.name(), summary.count(k));
        }
        counts.put("total", summary.total());
        session.put("eventCounts", counts);
        session.put("lostEvents", Math.max(summary.lostEvents(), m.lostEvents));
        session.put("recorderBackendPids", m.recorder.backendPids);
        session.put("recorderEventsHidden", summary.hiddenEvents());
        session.put("notes", m.notes);

        List<Map<String, Object>> rows = new ArrayList<>();
        for (RelationStats s : summary.relations()) {
            Relation r = s.relation();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("database", r == null ? null : r.database());
            row.put("db", r == null ? s.unresolvedKey().db() : r.db());
            row.put("schema", r == null ? null : r.schema());
            row.put("name", r == null ? null : r.name());
            row.put("qualifiedName", s.displayName());
            row.put("kind", r == null ? "unknown" : r.kind());
            row.put("oid", r == null ? null : r.oid());
            row.put("parent", r == null ? null : r.parentName());
            row.put("system", r != null && r.system());
            row.put("sizeBlocks", r == null ? null : r.sizeBlocks());
            row.put("accesses", s.accesses());
            row.put("hits", s.hits());
            row.put("misses", s.misses());
            row.put("extends", s.extendsCount());
            row.put("kernelReads", s.kernelReads());
            row.put("writes", s.writes());
            row.put("distinctBlocks", s.distinctBlocks());
            row.put("relfilenodes", s.relfilenodes());
            rows.add(row);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("infoVersion", JSON_VERSION);
        doc.put("session", session);
        doc.put("relations", rows);
        try {
            return SessionWriter.JSON.writeValueAsString(doc) + "\n";
        } catch (JsonProcessingException e) {
            throw new SessionException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    public String toText(boolean includeSystem) {
        StringBuilder b = new StringBuilder();
        field(b, "session", dir.toString());
        field(b, "title", m.title);
        field(b, "description", m.description);
        field(b, "status", status + (m.stopReason != null && complete ? " (stopped: " + m.stopReason + ")" : ""));
        field(b, "source", m.source);
        if (m.postgres.version != null) {
            field(b, "postgres", String.format(Locale.ROOT, "%s, block size %d, shared_buffers %s (%,d buffers)",
                    m.postgres.version, m.postgres.blockSize, m.postgres.sharedBuffers,
                    m.postgres.sharedBuffersBlocks));
        }
        field(b, "host", m.hostName);
        field(b, "recorded", m.startWall == null ? null
                : m.startWall + (m.endWall == null ? " (no end recorded)" : " to " + m.endWall));
        field(b, "duration", String.format(Locale.ROOT, "%.1f s", durationSeconds()));
        if (m.bpftrace.version != null) {
            field(b, "bpftrace", m.bpftrace.version + ", outcomes by " + m.bpftrace.outcomeMethod + ", writes from "
                    + m.bpftrace.writeProbe);
        }
        StringBuilder counts = new StringBuilder(String.format(Locale.ROOT, "%,d:", summary.total()));
        for (EventKind k : EventKind.values()) {
            counts.append(String.format(Locale.ROOT, " %s %,d", k.name(), summary.count(k)));
        }
        field(b, "events", counts.toString());
        field(b, "lost", String.format(Locale.ROOT, "%,d", Math.max(summary.lostEvents(), m.lostEvents)));
        if (!m.recorder.backendPids.isEmpty()) {
            field(b, "recorder", "backends " + m.recorder.backendPids + String.format(Locale.ROOT,
                    " (%,d of their events hidden; --include-recorder counts them)", summary.hiddenEvents()));
        }
        for (String note : m.notes) {
            field(b, "note", note);
        }
        b.append('\n');

        String[] head = {"DATABASE", "SCHEMA", "NAME", "KIND", "ACCESSES", "HITS", "MISSES", "EXTENDS", "READS",
                "WRITES", "BLOCKS", "SIZE"};
        List<String[]> rows = new ArrayList<>();
        int hidden = 0;
        for (RelationStats s : summary.relations()) {
            Relation r = s.relation();
            if (!includeSystem && r != null && r.system()) {
                hidden++;
                continue;
            }
            rows.add(new String[]{
                    r == null ? "db " + s.unresolvedKey().db() : r.database() == null ? "(shared)" : r.database(),
                    r == null ? "?" : r.schema(),
                    r == null ? "relfilenode " + Integer.toUnsignedString(s.unresolvedKey().relfilenode()) : r.name(),
                    r == null ? "unknown" : r.kind(),
                    num(s.accesses()), num(s.hits()), num(s.misses()), num(s.extendsCount()), num(s.kernelReads()),
                    num(s.writes()), num(s.distinctBlocks()),
                    r == null || r.sizeBlocks() == null ? "-" : num(r.sizeBlocks())});
        }
        if (rows.isEmpty()) {
            b.append(summary.relations().isEmpty() ? "no relation was accessed in this session\n"
                    : "no user relation was accessed in this session\n");
        } else {
            table(b, head, rows);
        }
        if (hidden > 0) {
            b.append(String.format(Locale.ROOT, "(%d system catalog and TOAST relation(s) not shown; --system shows"
                    + " them)%n", hidden));
        }
        return b.toString();
    }

    private static void field(StringBuilder b, String name, String value) {
        if (value != null && !value.isBlank()) {
            b.append(String.format(Locale.ROOT, "%-12s%s%n", name, value));
        }
    }

    private static String num(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static void table(StringBuilder b, String[] head, List<String[]> rows) {
        int[] w = new int[head.length];
        for (int i = 0; i < head.length; i++) {
            w[i] = head[i].length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        List<String[]> all = new ArrayList<>();
        all.add(head);
        all.addAll(rows);
        for (String[] r : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                // text columns left, numbers right
                line.append(i < 4 ? String.format("%-" + w[i] + "s", r[i]) : String.format("%" + w[i] + "s", r[i]));
                line.append(i < r.length - 1 ? "  " : "");
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
    }
}
