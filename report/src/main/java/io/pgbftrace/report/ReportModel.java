package io.pgbftrace.report;

import java.util.List;

/**
 * What the report template shows, as types: each component of {@link Page} is a variable of
 * {@code templates/report.html} by the same name. Numbers arrive formatted; SVG fragments are trusted markup made by
 * {@link Charts}.
 */
final class ReportModel {
    private ReportModel() {
    }

    record Page(String title, String description, String lookFor, String postgres, String sharedBuffers, String blockSize,
                String recorded, String duration, String window, String source, List<Count> counts, String writers, String lost,
                String lostClass, String status, String statusClass, List<String> notes, String timeline,
                String timeNote, List<Query> queries, String queriesNote, List<Checkpoint> checkpoints,
                String markerNote, List<Row> userRows, List<Row> unknownRows, List<Row> systemRows,
                int systemCount, List<Section> sections, String omittedNote, String empty, String noUser,
                String scale, String latencyCaption, String generator, String palette, String curve,
                String curveNote) {
    }

    /** A statement: when (session seconds), which backend, and the buffer events it caused. */
    record Query(String at, int pid, String text, String duration, String hits, String misses, String extendsCount,
                 String kernelReads, String writes, String relations, String systemCatalogs, boolean quiet) {
    }

    /** A checkpoint: when, why, how long, and the shared buffers the checkpointer wrote. */
    record Checkpoint(String at, int pid, String why, String duration, String buffers) {
    }

    /** Events of one kind. */
    record Count(String kind, String n) {
    }

    /** A line of the relation tables; {@code anchor} links to its heatmap, null when it has none. */
    record Row(String name, String database, boolean indexRow, String kind, String parent, String sizeBlocks,
               String accesses, String reads, String hitRatio, String writes, String distinct, String share,
               String sequential, String anchor) {
    }

    /** A relation's heatmaps and figures; {@code bytes} counts its SVG against the report's size budget. */
    record Section(String anchor, String name, String database, String kind, String parent, String sizeText,
                   String summary, String resolution, String heatmap, String io, String strip, String latency,
                   String legend, int bytes) {
    }
}
