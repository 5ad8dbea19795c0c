package io.pgbftrace.session;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * What {@code pgbftrace queries} knows: the buffer work of every statement, by execution or summed by normalised
 * statement text. {@link #json()} is a stable contract described in docs/queries.md: add fields, never rename or
 * remove them.
 */
public final class SessionQueries {
    public static final int JSON_VERSION = 1;

    /** How executions are grouped. */
    public enum By { STATEMENT, EXECUTION }

    /** Executions and statements are ranked by shared accesses, then local ones. */
    private static <T extends Statements.Figures> Comparator<T> rank() {
        return Comparator.<T>comparingLong(Statements.Figures::accesses)
                .thenComparingLong(f -> f.localHits() + f.localMisses() + f.localExtends());
    }

    private final Path dir;
    private final By by;
    private final long executions;
    private final int statementCount;
    private final boolean endsMarked;
    private final List<Statements.Statement> statements;
    private final List<Statements.Execution> topExecutions;
    private final Statements.Figures outside;
    private final Catalog catalog;
    private final long startNs;
    private final Optional<String> damage;

    private SessionQueries(Path dir, By by, Pass pass, List<Statements.Statement> statements,
                           List<Statements.Execution> executions, Optional<String> damage) {
        this.dir = dir;
        this.by = by;
        this.executions = pass.executions;
        this.statementCount = pass.byText.size();
        this.endsMarked = pass.statements.endsKnown();
        this.statements = statements;
        this.topExecutions = executions;
        this.outside = pass.statements.outside();
        this.catalog = pass.catalog;
        this.startNs = pass.startNs >= 0 ? pass.startNs : pass.firstEventNs;
        this.damage = damage;
    }

    /**
     * @param top how many statements (or executions) to keep, the most accesses first; 0 keeps all
     */
    public static SessionQueries load(Path dir, By by, int top, boolean includeRecorder) {
        return load(dir, dir, by, top, includeRecorder);
    }

    /** @param shown what the session is called where it is shown (a packed session's file, say) */
    public static SessionQueries load(Path dir, Path shown, By by, int top, boolean includeRecorder) {
        try (SessionReader r = SessionReader.open(dir)) {
            Pass pass = new Pass(BackendFilter.of(r.metadata(), includeRecorder), by == By.EXECUTION ? top : -1);
            SessionMetadata m = r.metadata();
            pass.startNs = m.startMonotonicNs != null ? m.startMonotonicNs : -1; // imports: the first event
            r.read(pass);
            pass.statements.finish();
            List<Statements.Statement> statements = new ArrayList<>(pass.byText.values());
            statements.sort(SessionQueries.<Statements.Statement>rank().reversed()
                    .thenComparing(Statements.Statement::text));
            if (top > 0 && statements.size() > top) {
                statements = statements.subList(0, top);
            }
            List<Statements.Execution> executions = new ArrayList<>(pass.kept);
            executions.sort(SessionQueries.<Statements.Execution>rank().reversed()
                    .thenComparingLong(Statements.Execution::startNs));
            return new SessionQueries(shown, by, pass, statements, executions, r.damage());
        }
    }

    private static final class Pass implements SessionVisitor {
        private final BackendFilter filter;
        private final Catalog catalog = new Catalog();
        private final Map<String, Statements.Statement> byText = new HashMap<>();
        /** The executions kept: the top N by accesses (a heap with the smallest on top), or all. */
        private final PriorityQueue<Statements.Execution> kept = new PriorityQueue<>(rank());
        private final int keep;
        private final Statements statements = new Statements(this::ended);
        private long executions;
        private long startNs;
        private long firstEventNs = Long.MAX_VALUE;

        /** @param keep executions to keep: -1 none, 0 all, else the top N */
        Pass(BackendFilter filter, int keep) {
            this.filter = filter;
            this.keep = keep;
        }

        private void ended(Statements.Execution x) {
            executions++;
            byText.computeIfAbsent(Statements.normalize(x.text()), Statements.Statement::new).add(x);
            if (keep >= 0) {
                kept.add(x);
                if (keep > 0 && kept.size() > keep) {
                    kept.poll();
                }
            }
        }

        @Override
        public void relation(Relation r) {
            catalog.add(r);
        }

        @Override
        public void event(Event e) {
            if (!filter.hides(e.pid())) {
                firstEventNs = Math.min(firstEventNs, e.timeNs());
                statements.event(e);
            }
        }
    }

    /** The queries --json document. */
    public record Json(int queriesVersion, String session, String by, boolean endsMarked, long executions,
                       int statements, List<StatementRow> statementRows, List<ExecutionRow> executionRows,
                       Figures outside) {
    }

    /** The buffer figures of a row, as in docs/queries.md. */
    public record Figures(long accesses, long hits, long misses, @JsonProperty("extends") long extendsCount,
                          long kernelReads, long writes, long localHits, long localReads, long localExtends) {
        static Figures of(Statements.Figures f) {
            return new Figures(f.accesses(), f.hits(), f.misses(), f.extendsCount(), f.kernelReads(), f.writes(),
                    f.localHits(), f.localMisses(), f.localExtends());
        }
    }

    /**
     * One statement: normalised text, calls, total and mean time in ms, figures summed, relations touched (user
     * relations, then system catalogs and TOAST relations apart).
     */
    public record StatementRow(String text, long calls, double totalMs, double meanMs, Figures buffers,
                               List<String> relations, List<String> systemRelations) {
        StatementRow(String text, long calls, double totalMs, double meanMs, Figures buffers, Names names) {
            this(text, calls, totalMs, meanMs, buffers, names.user(), names.system());
        }
    }

    /** One execution: backend, start in seconds from the session start, duration in ms, text as run. */
    public record ExecutionRow(int pid, double startSeconds, double durationMs, boolean ended, String text,
                               Figures buffers, List<String> relations, List<String> systemRelations) {
        ExecutionRow(int pid, double startSeconds, double durationMs, boolean ended, String text, Figures buffers,
                     Names names) {
            this(pid, startSeconds, durationMs, ended, text, buffers, names.user(), names.system());
        }
    }

    public Json json() {
        List<StatementRow> s = by == By.STATEMENT ? statements.stream().map(x -> new StatementRow(x.text(),
                x.calls(), x.totalNs() / 1e6, x.totalNs() / 1e6 / x.calls(), Figures.of(x),
                names(x.files(), Long.MAX_VALUE))).toList() : null;
        List<ExecutionRow> e = by == By.EXECUTION ? topExecutions.stream().map(x -> new ExecutionRow(x.pid(),
                seconds(x.startNs()), x.durationNs() / 1e6, x.endNs() >= 0, x.text(), Figures.of(x),
                names(x.files(), x.startNs()))).toList() : null;
        return new Json(JSON_VERSION, dir.toString(), by.name().toLowerCase(java.util.Locale.ROOT), endsMarked,
                executions, statementCount, s, e, Figures.of(outside));
    }

    public String toJson() {
        return SessionWriter.toJson(json());
    }

    /** Relations touched: user relations (and files no record names), and system catalogs and TOAST apart. */
    record Names(List<String> user, List<String> system) {
    }

    /** Schema-qualified names of the relations these files belonged to, in the order first touched. */
    private Names names(Set<FileKey> files, long atNs) {
        Names out = new Names(new ArrayList<>(), new ArrayList<>());
        for (FileKey k : files) {
            Relation r = catalog.resolve(k, atNs);
            List<String> list = r != null && r.system() ? out.system() : out.user();
            String name = r == null ? "relfilenode " + k : r.qualifiedName();
            if (!list.contains(name)) {
                list.add(name);
            }
        }
        return out;
    }

    public By by() {
        return by;
    }

    public long executions() {
        return executions;
    }

    public int statementCount() {
        return statementCount;
    }

    public Statements.Figures outside() {
        return outside;
    }

    public boolean endsMarked() {
        return endsMarked;
    }

    public Optional<String> damage() {
        return damage;
    }

    private double seconds(long ns) {
        return Math.max(0, ns - startNs) / 1e9;
    }
}
