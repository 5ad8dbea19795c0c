package io.pgbftrace.report;

import java.nio.file.Path;

/**
 * What {@code pgbftrace report} was asked for.
 *
 * @param session        the session folder
 * @param relations      a glob on schema.name (e.g. {@code public.order*}); null for all
 * @param includeSystem  system catalogs and TOAST get heatmaps too (they are always in the table)
 * @param fromSeconds    start of the time window, seconds from the session start; null for the start
 * @param toSeconds      end of the window; null for the end
 * @param bins           time bins of the heatmaps (block rows are half as many, at least 16)
 * @param logScale       colour by log(1 + count) rather than count
 * @param title          replaces the session's title
 * @param includeRecorder count the recorder's own backends
 */
public record ReportOptions(Path session, String relations, boolean includeSystem, Double fromSeconds,
                            Double toSeconds, int bins, boolean logScale, String title, boolean includeRecorder) {
    public static final int DEFAULT_BINS = 120;

    public int blockRows() {
        return Math.max(16, bins / 2);
    }
}
