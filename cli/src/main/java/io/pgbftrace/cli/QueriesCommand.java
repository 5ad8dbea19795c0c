package io.pgbftrace.cli;

import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.session.SessionQueries;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code pgbftrace queries}: the buffer work of each statement, summed by statement or per execution. */
@Command(name = "queries", sortOptions = false,
        header = "Print the buffer work of each statement.",
        description = {"Every access, kernel read and write of a backend belongs to the statement it was running.",
                "By statement (constants replaced by $n, as in pg_stat_statements): calls and sums. By execution:",
                "each run with its backend, start and duration. Shared hits and misses equal EXPLAIN (ANALYZE,",
                "BUFFERS)'s planning + execution figures once the backend's caches are warm (docs/queries.md)."},
        footerHeading = "%nExamples:%n",
        footer = {"  pgbftrace queries session1",
                "  pgbftrace queries session1 --by execution --top 5",
                "  pgbftrace queries session1 --json --top 0 | jq '.statementRows[] | {text, calls, buffers}'"})
public final class QueriesCommand implements Callable<Integer> {
    /** The statement column is cut to this many characters in the table (JSON has the whole text). */
    private static final int TEXT_WIDTH = 70;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SESSION", description = SessionArgument.DESCRIPTION)
    Path session;

    @Option(names = "--by", paramLabel = "statement|execution", defaultValue = "statement",
            description = "Sum executions by normalised statement text (default), or list each execution.")
    SessionQueries.By by;

    @Option(names = "--top", paramLabel = "N", defaultValue = "20",
            description = "Show the N with the most buffer accesses (default: 20; 0 shows all).")
    int top;

    @Option(names = "--json", description = "Print JSON (docs/queries.md).")
    boolean json;

    @Mixin
    RecorderEventsMixin recorderEvents;

    @Mixin
    HelpMixin help;

    @Override
    public Integer call() {
        if (top < 0) {
            throw PgbftraceException.usage("--top must be 0 (all) or more, not " + top);
        }
        SessionQueries q;
        try (SessionArgument s = SessionArgument.open(session)) {
            q = SessionQueries.load(s.folder(), session, by, top, recorderEvents.includeRecorder);
        }
        var out = spec.commandLine().getOut();
        out.print(json ? q.toJson() : text(q));
        out.flush();
        if (q.damage().isPresent()) {
            throw new PgbftraceException(session + " is damaged: " + q.damage().get());
        }
        return ExitCodes.OK;
    }

    private String text(SessionQueries q) {
        SessionQueries.Json j = q.json();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s: %s in %s%s%n", session,
                io.pgbftrace.session.Words.count(j.executions(), "execution"),
                io.pgbftrace.session.Words.count(j.statements(), "statement"),
                j.endsMarked() ? "" : " (this session does not mark statement ends: durations run to the"
                        + " statement's last buffer event)"));
        SessionQueries.Figures o = j.outside();
        if (o.accesses() + o.writes() + o.localHits() + o.localReads() + o.localExtends() > 0) {
            b.append(String.format(Locale.ROOT, "outside any statement (background processes, autovacuum, commits):"
                    + " %s accesses, %s writes%n", InfoText.num(o.accesses()), InfoText.num(o.writes())));
        }
        b.append('\n');
        List<String[]> rows = new ArrayList<>();
        String[] head;
        if (q.by() == SessionQueries.By.STATEMENT) {
            head = new String[]{"CALLS", "TOTAL MS", "ACCESSES", "HITS", "MISSES", "EXTENDS", "READS", "WRITES",
                    "LOCAL", "RELATIONS", "STATEMENT"};
            for (SessionQueries.StatementRow r : j.statementRows()) {
                rows.add(row(new String[]{InfoText.num(r.calls()), ms(r.totalMs())}, r.buffers(), r.relations(),
                        r.systemRelations(), r.text()));
            }
        } else {
            head = new String[]{"PID", "START S", "MS", "ACCESSES", "HITS", "MISSES", "EXTENDS", "READS", "WRITES",
                    "LOCAL", "RELATIONS", "STATEMENT"};
            for (SessionQueries.ExecutionRow r : j.executionRows()) {
                rows.add(row(new String[]{Integer.toString(r.pid()), String.format(Locale.ROOT, "%.3f",
                        r.startSeconds()), ms(r.durationMs()) + (r.ended() ? "" : "+")}, r.buffers(), r.relations(),
                        r.systemRelations(), r.text()));
            }
        }
        if (rows.isEmpty()) {
            b.append("no statement was recorded in this session\n");
        } else {
            InfoText.table(b, head, rows, i -> i >= head.length - 2);
            long shown = rows.size();
            long all = q.by() == SessionQueries.By.STATEMENT ? j.statements() : j.executions();
            if (shown < all) {
                b.append(String.format(Locale.ROOT, "(the %d with the most accesses of %,d; --top 0 shows all)%n",
                        shown, all));
            }
        }
        return b.toString();
    }

    private static String[] row(String[] first, SessionQueries.Figures f, List<String> relations,
                                List<String> system, String text) {
        String touched = String.join(", ", relations) + (system.isEmpty() ? "" : (relations.isEmpty() ? "" : " + ")
                + io.pgbftrace.session.Words.count(system.size(), "system relation"));
        String oneLine = InfoText.safe(text.replaceAll("\\s+", " ").strip());
        if (oneLine.length() > TEXT_WIDTH) {
            oneLine = oneLine.substring(0, TEXT_WIDTH - 3) + "...";
        }
        List<String> cells = new ArrayList<>(List.of(first));
        cells.addAll(List.of(InfoText.num(f.accesses()), InfoText.num(f.hits()), InfoText.num(f.misses()),
                InfoText.num(f.extendsCount()), InfoText.num(f.kernelReads()), InfoText.num(f.writes()),
                InfoText.num(f.localHits() + f.localReads() + f.localExtends()), InfoText.safe(touched), oneLine));
        return cells.toArray(new String[0]);
    }

    private static String ms(double ms) {
        return ms < 10 ? String.format(Locale.ROOT, "%.2f", ms) : String.format(Locale.ROOT, "%,.0f", ms);
    }
}
