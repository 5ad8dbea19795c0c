package io.pgbftrace.cli;

import io.pgbftrace.session.Pack;
import io.pgbftrace.session.Words;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code pgbftrace pack}: a session in one file. */
@Command(name = "pack", sortOptions = false,
        header = "Put a session into one file, for mail and downloads.",
        description = {"Put a session folder into one compressed file (a ZIP archive with a manifest of",
                "checksums). 'pgbftrace unpack' verifies and unpacks it; info, queries, report and replay open it",
                "directly."},
        footerHeading = "%nExamples:%n",
        footer = {"  pgbftrace pack session1                 # writes session1" + Pack.SUFFIX,
                "  pgbftrace pack session1 -o lesson-3" + Pack.SUFFIX,
                "  pgbftrace report lesson-3" + Pack.SUFFIX + " -o lesson-3.html"})
public final class PackCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SESSION", description = "The session folder.")
    Path session;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "The file to write (default: SESSION's name + " + Pack.SUFFIX + " in this folder). Only a"
                    + " new or regular file outside any session is ever replaced.")
    Path output;

    @Mixin
    HelpMixin help;

    @Override
    public Integer call() {
        Path out = output != null ? output
                : Path.of(session.toAbsolutePath().normalize().getFileName() + Pack.SUFFIX);
        Pack.Packed p = Pack.write(session, out);
        long size;
        try {
            size = Files.size(out);
        } catch (java.io.IOException e) {
            size = -1;
        }
        spec.commandLine().getOut().printf(Locale.ROOT, "packed %s (%s, %s) into %s (%s)%n", session,
                Words.count(p.files(), "file"), Words.count(p.sessionBytes(), "byte"), out,
                Words.count(size, "byte"));
        return ExitCodes.OK;
    }
}
