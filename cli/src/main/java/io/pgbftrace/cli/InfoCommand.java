package io.pgbftrace.cli;

import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.session.SessionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code pgbftrace info}: a session's metadata and one row per relation. */
@Command(name = "info", sortOptions = false,
        header = "Print a session's metadata and per-relation statistics.",
        description = {"Print a session's metadata and one row per relation: accesses, hits, misses, extends,",
                "kernel reads, writes, distinct blocks and size. --json prints the same as a documented,",
                "stable JSON document (docs/info-json.md)."},
        footerHeading = "%nExamples:%n",
        footer = {"  pgbftrace info session1",
                "  pgbftrace info session1 --system",
                "  pgbftrace info session1 --json | jq '.relations[] | select(.misses > 0) | .qualifiedName'"})
public final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SESSION", description = SessionArgument.DESCRIPTION)
    Path session;

    @Option(names = "--json", description = "Print JSON (every relation, system ones included, flagged).")
    boolean json;

    @Option(names = "--system", description = "Also list system catalogs and TOAST relations in the table.")
    boolean system;

    @Mixin
    RecorderEventsMixin recorderEvents;

    @Mixin
    HelpMixin help;

    @Override
    public Integer call() {
        SessionInfo info;
        try (SessionArgument s = SessionArgument.open(session)) {
            info = SessionInfo.load(s.folder(), session, recorderEvents.includeRecorder);
        }
        var out = spec.commandLine().getOut();
        out.print(json ? info.toJson() : InfoText.render(info, system));
        out.flush();
        if (info.damage().isPresent()) {
            // everything before the damage was shown; the exit code says the session is not whole
            throw new PgbftraceException(session + " is damaged: " + info.damage().get());
        }
        return ExitCodes.OK;
    }
}
