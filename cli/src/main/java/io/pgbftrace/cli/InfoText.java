package io.pgbftrace.cli;

import io.pgbftrace.session.CheckpointFlags;
import io.pgbftrace.session.Checkpoints;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.ServerProcess;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.RelationStats;
import io.pgbftrace.session.Rewrites;
import io.pgbftrace.session.SessionInfo;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionSummary;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code pgbftrace info} for people: fields, then a table of relations. Text from the session is made safe. */
final class InfoText {
    private InfoText() {
    }

    static String render(SessionInfo info, boolean includeSystem) {
        SessionMetadata m = info.metadata();
        SessionSummary summary = info.summary();
        StringBuilder b = new StringBuilder();
        field(b, "session", info.dir().toString());
        field(b, "title", m.title);
        field(b, "description", m.description);
        field(b, "look for", m.lookFor);
        field(b, "status", info.status().text() + (m.stopReason != null && info.status().complete()
                ? " (stopped: " + m.stopReason + ")" : ""));
        field(b, "source", m.source);
        if (m.postgres.version != null) {
            field(b, "postgres", String.format(Locale.ROOT, "%s, block size %s, shared_buffers %s (%s buffers)",
                    m.postgres.version, m.postgres.blockSize, m.postgres.sharedBuffers,
                    m.postgres.sharedBuffersBlocks == null ? "?" : num(m.postgres.sharedBuffersBlocks))
                    + (m.postgres.ioMethod == null ? "" : ", io_method " + m.postgres.ioMethod));
        }
        SessionMetadata.Container container = m.postgres.container;
        if (container != null) {
            field(b, "container", String.format(Locale.ROOT, "its own PID namespace %s (postmaster pid %s inside, %s"
                    + " here), root %s, binary %s inside", container.pidNamespace, container.postmasterPid,
                    m.postgres.postmasterPid, container.root, container.binary));
        }
        field(b, "host", m.hostName);
        field(b, "recorded", m.startWall == null ? null
                : m.startWall + (m.endWall == null ? " (no end recorded)" : " to " + m.endWall));
        field(b, "duration", String.format(Locale.ROOT, "%.1f s", info.durationSeconds()));
        if (m.bpftrace.version != null) {
            field(b, "bpftrace", m.bpftrace.version + ", outcomes by " + m.bpftrace.outcomeMethod + ", writes from "
                    + m.bpftrace.writeProbe);
            String aggregation = m.startMonotonicNs == null ? null : m.aggregation(m.startMonotonicNs);
            if (aggregation != null) {
                field(b, "output", "buffer events " + aggregation + " (--mode " + m.bpftrace.output + ")");
            }
        }
        StringBuilder counts = new StringBuilder(String.format(Locale.ROOT, "%,d:", summary.total()));
        for (EventKind k : EventKind.values()) {
            if (!k.alwaysCounted() && summary.count(k) == 0) {
                continue;
            }
            counts.append(String.format(Locale.ROOT, " %s %,d", k.name(), summary.count(k)));
        }
        field(b, "events", counts.toString());
        field(b, "lost", num(info.lostEvents()));
        if (!summary.writesByProcess().isEmpty()) {
            field(b, "writes", ServerProcess.writers(summary.writesByProcess()));
        }
        for (Checkpoints.Checkpoint c : summary.checkpoints()) {
            field(b, "checkpoint", String.format(Locale.ROOT, "at %.3f s, %s: %s, %s buffers written",
                    info.seconds(c.startNs()), CheckpointFlags.describe(c.flags()),
                    c.doneNs() < 0 ? "not finished in the session" : String.format(Locale.ROOT, "%.0f ms",
                            (c.doneNs() - c.startNs()) / 1e6), num(c.buffersWritten())));
        }
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
                    r == null ? "db " + s.unresolvedKey().db() : r.database() == null ? "(shared)" : safe(r.database()),
                    r == null ? "?" : safe(r.schema()),
                    r == null ? "relfilenode " + Integer.toUnsignedString(s.unresolvedKey().relfilenode())
                            : s.rewrite() == null ? safe(r.name()) : safe(Rewrites.describe(s.rewrite(), r.name())),
                    r == null ? "unknown" : s.rewrite() == null ? r.kind() : r.kind() + ", transient",
                    num(s.accesses()), num(s.hits()), num(s.misses()), num(s.extendsCount()), num(s.kernelReads()),
                    num(s.writes()), num(s.distinctBlocks()),
                    r == null || s.rewrite() != null || r.sizeBlocks() == null ? "-" : num(r.sizeBlocks())});
        }
        if (rows.isEmpty()) {
            b.append(summary.relations().isEmpty() ? "no relation was accessed in this session\n"
                    : "no user relation was accessed in this session\n");
        } else {
            table(b, head, rows, i -> i < 4);
        }
        if (hidden > 0) {
            b.append(String.format(Locale.ROOT, "(%d system catalog and TOAST relation(s) not shown; --system shows"
                    + " them)%n", hidden));
        }
        return b.toString();
    }

    /** Text from a session file reaches a terminal: no escape codes or other control characters. */
    static String safe(String s) {
        return s == null ? null : s.replaceAll("\\p{Cntrl}", "?");
    }

    private static void field(StringBuilder b, String name, String value) {
        if (value != null && !value.isBlank()) {
            b.append(String.format(Locale.ROOT, "%-12s%s%n", name, safe(value)));
        }
    }

    static String num(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** A table with its text columns aligned left, the others (numbers) right. */
    static void table(StringBuilder b, String[] head, List<String[]> rows, java.util.function.IntPredicate text) {
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
                line.append(text.test(i) ? String.format("%-" + w[i] + "s", r[i]) : String.format("%" + w[i] + "s", r[i]));
                line.append(i < r.length - 1 ? "  " : "");
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
    }
}
