package io.pgbftrace.cli;

import io.pgbftrace.report.HtmlReport;
import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.session.Words;
import io.pgbftrace.report.ReportOptions;
import io.pgbftrace.session.OutputFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code pgbftrace report}: one offline HTML file with a heatmap per relation. */
@Command(name = "report", sortOptions = false,
        header = "Render a session as one offline HTML file with a heatmap per relation.",
        description = {"Writes one self-contained HTML file (inline CSS and SVG, nothing fetched): the session's",
                "metadata, a timeline with query and checkpoint markers, a table of relations, and for each a",
                "block-by-time heatmap, a block strip and its read latencies. Reads the session once."},
        footerHeading = "%nExamples:%n",
        footer = {"  pgbftrace report session1 -o report.html",
                "  pgbftrace report session1 -o orders.html --relations 'public.order*' --scale linear",
                "  pgbftrace report session1 -o first10s.html --from 0 --to 10 --bins 200 --include-system"})
public final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SESSION", description = SessionArgument.DESCRIPTION)
    Path session;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "The HTML file to write, or - for standard output (default: SESSION's name + .html in"
                    + " this folder). Only a new or regular file outside any session is ever replaced.")
    Path output;

    @Mixin
    HeatmapOptionsMixin heatmaps;

    @Option(names = "--from", paramLabel = "SECONDS", description = "Start of the time window, from the session start.")
    Double from;

    @Option(names = "--to", paramLabel = "SECONDS", description = "End of the time window, from the session start.")
    Double to;

    @Option(names = "--title", description = "A title for the report (default: the session's).")
    String title;

    @Mixin
    RecorderEventsMixin recorderEvents;

    @Mixin
    HelpMixin help;

    @Override
    public Integer call() {
        heatmaps.check();
        if ((from != null && !(from >= 0 && Double.isFinite(from))) || (to != null && !(to > 0 && Double.isFinite(to)))
                || (from != null && to != null && to <= from)) {
            throw PgbftraceException.usage("--from and --to must be seconds with 0 <= from < to");
        }
        Path out = output != null ? output : Path.of(SessionArgument.name(session) + ".html");
        try (SessionArgument s = SessionArgument.open(session)) {
            return write(s.folder(), out);
        }
    }

    private Integer write(Path folder, Path out) {
        ReportOptions options = new ReportOptions(folder, heatmaps.relations, heatmaps.includeSystem, from, to,
                heatmaps.bins, heatmaps.logScale(), title, recorderEvents.includeRecorder);
        var err = spec.commandLine().getErr();
        long started = System.nanoTime();
        HtmlReport.Result r = HtmlReport.write(options, out, new WriterOutputStream(spec.commandLine().getOut()),
                events -> {
                    if (System.nanoTime() - started > 1_500_000_000L) {
                        err.printf(Locale.ROOT, "pgbftrace report: %,d events read...%n", events);
                        err.flush();
                    }
                });
        // with -o - the HTML owns standard output: the summary goes to standard error
        var summary = OutputFile.isStdout(out) ? err : spec.commandLine().getOut();
        summary.printf(Locale.ROOT, "wrote %s (%s): %s, %s, %s, in %.1f s%n",
                OutputFile.isStdout(out) ? "standard output" : out, Words.count(r.bytes(), "byte"),
                Words.count(r.events(), "event"), Words.count(r.relations(), "relation"),
                Words.count(r.heatmaps(), "heatmap"), (System.nanoTime() - started) / 1e9);
        return ExitCodes.OK;
    }
}
