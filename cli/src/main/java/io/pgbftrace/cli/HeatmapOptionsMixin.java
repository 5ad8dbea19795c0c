package io.pgbftrace.cli;

import io.pgbftrace.report.HtmlReport;
import io.pgbftrace.report.ReportOptions;
import io.pgbftrace.session.PgbftraceException;
import picocli.CommandLine.Option;

/** What relations get heatmaps and how they are drawn: one set of options for {@code report} and {@code compare}. */
public class HeatmapOptionsMixin {
    /** Colour scales of the heatmaps. */
    enum Scale { log, linear }

    @Option(names = "--relations", paramLabel = "GLOB",
            description = "Only relations whose schema.name matches, e.g. 'public.order*'.")
    String relations;

    @Option(names = "--include-system", description = "Heatmaps for system catalogs and TOAST too.")
    boolean includeSystem;

    @Option(names = "--bins", paramLabel = "N", defaultValue = "" + ReportOptions.DEFAULT_BINS,
            description = "Time bins of each heatmap (default: ${DEFAULT-VALUE}; block rows: half as many).")
    int bins;

    @Option(names = "--scale", paramLabel = "log|linear", defaultValue = "log",
            description = "Colour scale of the heatmaps (default: ${DEFAULT-VALUE}).")
    Scale scale;

    /** Usage errors before any reading: bins out of range, a malformed glob. */
    void check() {
        if (bins < 4 || bins > 2000) {
            throw PgbftraceException.usage("--bins must be between 4 and 2000, not " + bins);
        }
        HtmlReport.relationFilter(relations);
    }

    boolean logScale() {
        return scale == Scale.log;
    }
}
