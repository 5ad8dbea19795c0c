package io.pgbftrace.cli;

import io.pgbftrace.whatif.Whatif;
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

/** {@code pgbftrace whatif}: the session's accesses replayed through a model of the buffer pool at other sizes. */
@Command(name = "whatif", sortOptions = false,
        header = "Predict the session's misses at other shared_buffers sizes.",
        description = {"Replays every shared-buffer access of the session, in order, through a model of",
                "PostgreSQL's buffer replacement (clock sweep with usage counts; the rings of bulk reads, bulk",
                "writes and VACUUM) and prints, per size, the predicted misses and hit ratio, in total and per",
                "relation with " + Whatif.BUSY + "+ accesses. The model also runs at the recorded size, and its",
                "misses there are shown beside the recorded ones: that error is how far to trust the others.",
                "Where the model departs from PostgreSQL: docs/whatif.md."},
        footerHeading = "%nExamples:%n",
        footer = {"  pgbftrace whatif session1 --shared-buffers 8MB,16MB,64MB,256MB",
                "  pgbftrace whatif session1.pgbftrace.zip --shared-buffers 1GB --json | jq .sizes"})
public final class WhatifCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SESSION", description = SessionArgument.DESCRIPTION)
    Path session;

    @Option(names = "--shared-buffers", paramLabel = "SIZES", split = ",", required = true,
            description = "Sizes to predict, comma-separated, in PostgreSQL's units: e.g. 8MB,16MB,64MB,1GB.")
    List<String> sizes;

    @Option(names = "--json", description = "Print JSON (docs/whatif.md).")
    boolean json;

    @Mixin
    RecorderEventsMixin recorderEvents;

    @Mixin
    HelpMixin help;

    @Override
    public Integer call() {
        List<Long> bytes = new ArrayList<>();
        for (String s : sizes) {
            bytes.add(Whatif.parseSize(s));
        }
        Whatif w;
        try (SessionArgument s = SessionArgument.open(session)) {
            w = Whatif.run(s.folder(), bytes, recorderEvents.includeRecorder);
        }
        var out = spec.commandLine().getOut();
        if (json) {
            out.print(w.toJson(session.toString()));
            out.flush();
            return ExitCodes.OK;
        }
        out.print(text(w));
        out.flush();
        return ExitCodes.OK;
    }

    private String text(Whatif w) {
        StringBuilder b = new StringBuilder();
        Whatif.Prediction rec = w.atRecorded();
        b.append(String.format(Locale.ROOT, "%s: %,d shared-buffer accesses (hits and misses), %,d misses at"
                + " shared_buffers %s.%n", session, w.accesses(), w.recordedMisses(),
                w.sharedBuffers() == null ? "unknown" : w.sharedBuffers()));
        b.append("Model: clock sweep with usage counts; rings: ").append(w.ringsText()).append(".\n");
        if (rec != null) {
            b.append(String.format(Locale.ROOT, "At the recorded size the model predicts %,d misses (%s of the"
                    + " recorded).%n", rec.totalMisses(), pct(Whatif.error(rec.totalMisses(), w.recordedMisses()))));
        }
        b.append('\n');
        b.append(String.format(Locale.ROOT, "%-16s %10s %14s %10s%n", "shared_buffers", "buffers", "misses",
                "hit ratio"));
        List<Whatif.Prediction> rows = new ArrayList<>(w.predictions());
        if (rec != null) {
            rows.add(rec);
        }
        rows.sort(java.util.Comparator.comparingLong(Whatif.Prediction::bytes));
        for (Whatif.Prediction p : rows) {
            b.append(String.format(Locale.ROOT, "%-16s %,10d %,14d %9.1f%%%s%n", Whatif.formatSize(p.bytes()),
                    p.buffers(), p.totalMisses(), p.hitRatio() * 100, p.recordedSize()
                            ? String.format(Locale.ROOT, "   model at the recorded size (recorded: %,d)",
                            w.recordedMisses()) : ""));
        }
        List<Integer> busy = w.busy();
        if (!busy.isEmpty()) {
            b.append(String.format(Locale.ROOT, "%nMisses per relation with %,d+ accesses:%n", Whatif.BUSY));
            int width = Math.max(8, busy.stream().mapToInt(r -> w.relations().get(r).length()).max().orElse(8));
            b.append(String.format(Locale.ROOT, "%-" + width + "s %10s %10s", "relation", "accesses", "recorded"));
            for (Whatif.Prediction p : rows) {
                b.append(String.format(Locale.ROOT, " %10s", Whatif.formatSize(p.bytes()) + (p.recordedSize() ? "*"
                        : "")));
            }
            b.append('\n');
            for (int r : busy) {
                b.append(String.format(Locale.ROOT, "%-" + width + "s %,10d %,10d", w.relations().get(r),
                        w.accesses(r), w.recordedMisses(r)));
                for (Whatif.Prediction p : rows) {
                    b.append(String.format(Locale.ROOT, " %,10d", p.misses()[r]));
                }
                b.append('\n');
            }
            if (rec != null) {
                b.append("* the model at the recorded size, beside the recorded misses\n");
            }
        }
        return b.toString();
    }

    private static String pct(Double error) {
        return error == null ? "none recorded" : String.format(Locale.ROOT, "%+.1f%%", error * 100);
    }
}
