package io.pgbftrace.report;

import java.util.List;

/**
 * What the comparison template shows, as types: each component of {@link Page} is a variable of
 * {@code templates/compare.html} by the same name. Numbers arrive formatted; SVG fragments are made by {@link Charts}.
 */
final class CompareModel {
    private CompareModel() {
    }

    record Page(String title, String palette, String generator, Card a, Card b, List<Compare.Setting> settings,
                List<String> summary, Row total, List<Row> userRows, List<Row> systemRows, List<Section> sections,
                String omittedNote, String scale, String empty) {
    }

    /** One session: what it is, and its timeline. */
    record Card(String letter, String title, String path, String recorded, String duration, String events,
                String lost, String lostClass, String status, String statusClass, String timeline, String timeNote) {
    }

    /** A figure of the relation table; {@code cls} says which side it is, or whether a change is better or worse. */
    record Cell(String text, String cls) {
    }

    /** A line of the relation table: A, B and change for each figure. */
    record Row(String name, String database, String kind, boolean indexRow, List<Cell> cells) {
    }

    /** One relation's heatmaps side by side ({@code null} where the session did not access it). */
    record Section(String anchor, String name, String about, String summaryA, String summaryB, String heatmapA,
                   String heatmapB, String ioA, String ioB, String legend, String resolution, int bytes) {
    }
}
