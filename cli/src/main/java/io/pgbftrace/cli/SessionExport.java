package io.pgbftrace.cli;

import io.pgbftrace.session.BackendFilter;
import io.pgbftrace.session.Catalog;
import io.pgbftrace.session.Event;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionReader;
import io.pgbftrace.session.SessionVisitor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A session as rows of three tables, streamed in one pass in constant memory (the catalog and the statements
 * running at a time aside): every event with its names resolved as of its time, the catalog records, and the
 * statements. docs/export.md lists the columns.
 */
final class SessionExport {
    /** The tables of an export. */
    enum Table { events, relations, queries }

    /** A column: its name and its SQL type (as DuckDB and Parquet take it). */
    record Column(String name, String type) {
    }

    static final List<Column> EVENTS = List.of(new Column("time_ns", "BIGINT"), new Column("event", "VARCHAR"),
            new Column("pid", "INTEGER"), new Column("database", "VARCHAR"), new Column("schema", "VARCHAR"),
            new Column("relation", "VARCHAR"), new Column("relation_kind", "VARCHAR"), new Column("fork", "VARCHAR"),
            new Column("block", "BIGINT"), new Column("db_oid", "BIGINT"), new Column("relfilenode", "BIGINT"),
            new Column("local", "BOOLEAN"), new Column("query_id", "BIGINT"), new Column("latency_ns", "BIGINT"),
            new Column("value", "BIGINT"));
    static final List<Column> RELATIONS = List.of(new Column("db_oid", "BIGINT"), new Column("database", "VARCHAR"),
            new Column("tablespace_oid", "BIGINT"), new Column("relfilenode", "BIGINT"), new Column("oid", "BIGINT"),
            new Column("schema", "VARCHAR"), new Column("relation", "VARCHAR"), new Column("relation_kind", "VARCHAR"),
            new Column("persistence", "VARCHAR"), new Column("parent_oid", "BIGINT"), new Column("parent", "VARCHAR"),
            new Column("size_blocks", "BIGINT"), new Column("system", "BOOLEAN"), new Column("seen_at_ns", "BIGINT"),
            new Column("source", "VARCHAR"));
    static final List<Column> QUERIES = List.of(new Column("query_id", "BIGINT"), new Column("pid", "INTEGER"),
            new Column("start_ns", "BIGINT"), new Column("end_ns", "BIGINT"), new Column("text", "VARCHAR"));

    private static final String[] FORKS = {"main", "fsm", "vm", "init"};

    /** Receives rows, values in the table's column order (null where a value does not apply). */
    interface Rows {
        void row(Object[] values) throws IOException;
    }

    private SessionExport() {
    }

    static List<Column> columns(Table t) {
        return switch (t) {
            case events -> EVENTS;
            case relations -> RELATIONS;
            case queries -> QUERIES;
        };
    }

    /**
     * Streams one table of a session; returns the rows written.
     *
     * @param includeRecorder keep the events and statements of the recorder's own backends (hidden as in every view)
     */
    static long write(Path session, Table table, boolean includeRecorder, Rows out) {
        try (SessionReader r = SessionReader.open(session)) {
            Pass pass = new Pass(r.metadata(), table, BackendFilter.of(r.metadata(), includeRecorder), out);
            try {
                r.read(pass);
                pass.finish();
            } catch (UncheckedIOException e) {
                throw new PgbftraceException("cannot write the export: " + e.getCause().getMessage(), e.getCause());
            }
            if (r.damage().isPresent()) {
                throw new PgbftraceException(session + " is damaged: " + r.damage().get() + " (the " + pass.rows
                        + " rows before it were written)");
            }
            return pass.rows;
        }
    }

    /** A statement a backend runs: its id in the queries table, its start, its text. */
    private record Running(long id, long startNs, String text) {
    }

    /** The one pass: names as of each event's time, statements by backend (a parallel worker's by its leader). */
    private static final class Pass implements SessionVisitor {
        private final Table table;
        private final Rows out;
        private final BackendFilter filter;
        private final Catalog catalog = new Catalog();
        private final long startNs;
        private boolean startKnown;
        private long start;
        /** The statement each backend runs (its id and start), and the leader of each parallel worker. */
        private final Map<Integer, Running> running = new HashMap<>();
        private final Map<Integer, Integer> leaders = new HashMap<>();
        private long nextQueryId = 1;
        long rows;

        Pass(SessionMetadata m, Table table, BackendFilter filter, Rows out) {
            this.table = table;
            this.out = out;
            this.filter = filter;
            this.startNs = m.startMonotonicNs != null ? m.startMonotonicNs : -1; // imports: the first event
            if (startNs >= 0) {
                start = startNs;
                startKnown = true;
            }
        }

        @Override
        public void relation(Relation r) {
            catalog.add(r);
            if (table == Table.relations) {
                emit(r.db(), r.database(), r.spc(), Integer.toUnsignedLong(r.relfilenode()),
                        Integer.toUnsignedLong(r.oid()), r.schema(), r.name(), r.kind(), r.persistence(),
                        r.parentOid() == null ? null : Integer.toUnsignedLong(r.parentOid()), r.parentName(),
                        r.sizeBlocks(), r.system(), r.seenAtNs() < 0 || !startKnown ? null : r.seenAtNs() - start,
                        r.source());
            }
        }

        private long time(long ns) {
            if (!startKnown) {
                start = startNs >= 0 ? startNs : ns;
                startKnown = true;
            }
            return ns - start;
        }

        @Override
        public void event(Event e) {
            long t = time(e.timeNs());
            if (filter.hides(e.pid())) {
                return;
            }
            switch (e.kind()) {
                case QUERY -> {
                    ended(e.pid(), -1); // without its end mark (older sessions): when it ended is not known
                    running.put(e.pid(), new Running(nextQueryId++, e.timeNs(), e.text()));
                }
                case QUERY_DONE -> {
                    Running q = running.get(e.pid());
                    eventRow(e, t, q == null ? null : q.id());
                    ended(e.pid(), e.timeNs());
                    return;
                }
                case WORKER_START -> leaders.put(e.pid(), (int) e.value());
                case WORKER_DONE -> {
                    eventRow(e, t, queryOf(e.pid()));
                    leaders.remove(e.pid());
                    return;
                }
                default -> {
                }
            }
            eventRow(e, t, queryOf(e.pid()));
        }

        private Long queryOf(int pid) {
            Running q = running.get(leaders.getOrDefault(pid, pid));
            return q == null ? null : q.id();
        }

        private void eventRow(Event e, long t, Long queryId) {
            if (table != Table.events) {
                return;
            }
            EventKind k = e.kind();
            boolean buffer = k.isAccess() || k == EventKind.READ || k == EventKind.WRITE;
            if (!buffer) {
                emit(t, name(k), e.pid(), null, null, null, null, null, null, null, null, null, queryId, null,
                        k == EventKind.QUERY || k == EventKind.QUERY_DONE ? null : e.value());
                return;
            }
            Relation r = catalog.resolve(e.fileKey(), e.timeNs());
            emit(t, name(k), e.pid(), r == null ? null : r.database(), r == null ? null : r.schema(),
                    r == null ? null : r.name(), r == null ? null : r.kind(),
                    e.fork() >= 0 && e.fork() < FORKS.length ? FORKS[e.fork()] : Integer.toString(e.fork()),
                    e.block(), Integer.toUnsignedLong(e.db()), Integer.toUnsignedLong(e.relfilenode()), e.local(),
                    queryId, k == EventKind.READ ? e.value() : null, null);
        }

        /** The statement a backend ran ends (its end mark, its next statement, or the end of the session). */
        private void ended(int pid, long endNs) {
            Running q = running.remove(pid);
            if (q != null && table == Table.queries) {
                emit(q.id(), pid, time(q.startNs()), endNs < 0 ? null : time(endNs), q.text());
            }
        }

        void finish() {
            List<Integer> open = new ArrayList<>(running.keySet());
            open.sort(java.util.Comparator.comparingLong(pid -> running.get(pid).id()));
            for (Integer pid : open) {
                ended(pid, -1);
            }
        }

        private void emit(Object... values) {
            try {
                out.row(values);
                rows++;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static String name(EventKind k) {
            return k.name().toLowerCase(Locale.ROOT);
        }
    }
}
