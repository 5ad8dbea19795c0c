package io.pgbftrace.cli;

import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.capture.Importer;
import io.pgbftrace.session.Relation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code pgbftrace import}: build a session from saved bpftrace output. */
@Command(name = "import", sortOptions = false,
        header = "Build a session from saved bpftrace output.",
        description = {"Build a session from saved bpftrace text: this tool's own capture output (--format raw,",
                "what capture.bt prints), or the original pgbftrace's %%08x%%08x%%08x lines (--format pgbftrace).",
                "Bad lines are counted and skipped."},
        footerHeading = "%nExamples:%n",
        footer = {"  pgbftrace import trace.txt --out session2",
                "  pgbftrace import old.txt --format pgbftrace --catalog db -h /var/run/postgresql -d shop --out s3",
                "  pgbftrace import old.txt --format pgbftrace --catalog catalog.json --out s4 --spacing 10ms"})
public final class ImportCommand extends EnvAware implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The saved bpftrace output.")
    Path file;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The session folder to create.")
    Path out;

    @Option(names = "--force", description = "Replace an earlier session in --out.")
    boolean force;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "raw",
            description = "raw (this tool's capture output, the default) or pgbftrace (the original tool's).")
    String format;

    @Option(names = "--catalog", paramLabel = "SOURCE",
            description = "Names for the relations: a JSON file of relation records, a session folder, or 'db'"
                    + " to read them from the server given by the connection options.")
    String catalog;

    @Option(names = "--spacing", paramLabel = "TIME", defaultValue = "1ms", converter = Durations.class,
            description = "Time between events of --format pgbftrace, which has no timestamps (default: 1ms).")
    Duration spacing;

    @Option(names = "--title", description = "A title for the session.")
    String title;

    @Option(names = "--description", description = "What the session shows.")
    String description;

    @Mixin
    ConnectionMixin connection;

    @Mixin
    HelpMixin help;

    @Override
    public Integer call() {
        String f = format.toLowerCase(Locale.ROOT);
        if (!f.equals(Importer.FORMAT_RAW) && !f.equals(Importer.FORMAT_PGBFTRACE)) {
            throw PgbftraceException.usage("--format must be raw or pgbftrace, not " + format);
        }
        List<Relation> relations = catalog == null ? List.of()
                : catalog.equals("db") ? Importer.catalogFromDatabase(connection.settings(env))
                : Importer.catalogFromFile(Path.of(catalog));
        Importer.Result r = Importer.run(file, out, force, f, relations, title, description, spacing,
                VersionProvider.version());
        var o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "imported %,d events and %,d relations into %s%n", r.events(), r.relations(), out);
        if (r.badLines() > 0) {
            var e = spec.commandLine().getErr();
            e.printf(Locale.ROOT, "pgbftrace import: skipped %,d bad line(s) of %s%n", r.badLines(), file);
            r.firstBad().forEach(line -> e.println("  " + line));
        }
        o.printf("next: pgbftrace info %s%n", out);
        return ExitCodes.OK;
    }
}
