package io.pgbftrace.cli;

import io.pgbftrace.session.Pack;
import io.pgbftrace.session.Words;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code pgbftrace unpack}: a packed session back into a folder. */
@Command(name = "unpack", sortOptions = false,
        header = "Unpack a file made by 'pgbftrace pack' into a session folder.",
        description = {"Unpack and verify a packed session: every file's size and SHA-256 must match the pack's",
                "manifest. A damaged, truncated or foreign file is refused and nothing is left behind."},
        footerHeading = "%nExamples:%n",
        footer = {"  pgbftrace unpack lesson-3" + Pack.SUFFIX + " --out lesson-3"})
public final class UnpackCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The packed session.")
    Path file;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "The session folder to create (it must not exist).")
    Path out;

    @Mixin
    HelpMixin help;

    @Override
    public Integer call() {
        Pack.Manifest m = Pack.unpack(file, out);
        var o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "unpacked %s (%s, verified) into %s%n", file, Words.count(m.files.size(), "file"), out);
        o.printf("next: pgbftrace info %s%n", out);
        return ExitCodes.OK;
    }
}
