package io.pgbftrace.cli;

import io.pgbftrace.report.Compare;
import io.pgbftrace.session.OutputFile;
import io.pgbftrace.session.Words;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code pgbftrace compare A B}: two sessions side by side, as one offline HTML file or JSON. */
@Command(name = "compare", sortOptions = false,
        header = "Put two sessions side by side: per relation, their figures, changes and heatmaps.",
        description = {"Matches the relations of two sessions by database and schema-qualified name and writes one",
                "self-contained HTML file: the settings that differ (shared_buffers, version, io_method), each",
                "relation's accesses, misses, hit ratio, distinct blocks and writes in A and B with the change,",
                "both timelines, and the heatmaps of each relation next to each other on one colour scale.",
                "--json writes the same figures as a JSON document (docs/compare-json.md)."},
        footerHeading = "%nExamples:%n",
        footer = {"  pgbftrace compare sb16mb sb128mb -o shared-buffers.html",
                "  pgbftrace compare before.pgbftrace.zip after.pgbftrace.zip --relations 'public.orders*'",
                "  pgbftrace compare before after --json | jq '.relations[] | {name, change: .change.misses}'"})
public final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "A", description = "The first session (the before): " + SessionArgument.DESCRIPTION)
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "The second session (the after).")
    Path b;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "The file to write, or - for standard output (default: A-vs-B.html in this folder;"
                    + " with --json, standard output). Only a new or regular file outside any session is replaced.")
    Path output;

    @Option(names = "--json", description = "Write JSON instead of HTML (docs/compare-json.md).")
    boolean json;

    @Mixin
    HeatmapOptionsMixin heatmaps;

    @Option(names = "--title", description = "A title for the page (default: both sessions' titles).")
    String title;

    @Mixin
    RecorderEventsMixin recorderEvents;

    @Mixin
    HelpMixin help;

    @Override
    public Integer call() {
        heatmaps.check();
        Path out = output != null ? output : json ? Path.of(OutputFile.STDOUT)
                : Path.of(SessionArgument.name(a) + "-vs-" + SessionArgument.name(b) + ".html");
        if (!OutputFile.isStdout(out)) {
            OutputFile.check(out, "-o"); // before reading two sessions
        }
        long started = System.nanoTime();
        try (SessionArgument sa = SessionArgument.open(a); SessionArgument sb = SessionArgument.open(b)) {
            Compare c = Compare.load(new Compare.Options(sa.folder(), sb.folder(), a.toString(), b.toString(),
                    heatmaps.relations, heatmaps.includeSystem, heatmaps.bins, heatmaps.logScale(), title,
                    recorderEvents.includeRecorder), n -> { });
            byte[] bytes = json ? c.json().getBytes(StandardCharsets.UTF_8) : c.html();
            OutputFile.write(out, "-o", bytes, new WriterOutputStream(spec.commandLine().getOut()),
                    "the comparison");
            if (json && OutputFile.isStdout(out)) {
                return ExitCodes.OK; // the JSON alone on standard output
            }
            var summary = OutputFile.isStdout(out) ? spec.commandLine().getErr() : spec.commandLine().getOut();
            summary.printf(Locale.ROOT, "wrote %s (%s): %s, %d in both sessions, in %.1f s%n",
                    OutputFile.isStdout(out) ? "standard output" : out, Words.count(bytes.length, "byte"),
                    Words.count(c.relations(), "relation"), c.matched(), (System.nanoTime() - started) / 1e9);
            return ExitCodes.OK;
        }
    }
}
