package io.pgbftrace.report;

import io.pgbftrace.session.Relation;
import io.pgbftrace.session.RelationStats;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionStatus;
import io.pgbftrace.session.Words;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Two sessions side by side ({@code pgbftrace compare}): each relation matched by database and schema-qualified name
 * (its relfilenode differs between clusters and after a rewrite), its figures in each session and their change; the
 * two heatmaps of a relation next to each other on one colour scale; both timelines; the settings that differ. One
 * HTML page under the report's rules ({@code templates/compare.html}), or a JSON document (docs/compare-json.md).
 */
public final class Compare {
    static final String TEMPLATE = "compare";
    static final int JSON_VERSION = 1;
    /** Relations drawn side by side, busiest first; the table lists them all. */
    static final int MAX_PAIRS = 30;

    /**
     * What {@code pgbftrace compare} was asked for.
     *
     * @param a        the first session's folder ("A", usually the before)
     * @param b        the second's ("B")
     * @param shownA   how the user named A (a pack is read from a temporary folder)
     * @param shownB   how the user named B
     * @param relations a glob on schema.name; null for all
     */
    public record Options(Path a, Path b, String shownA, String shownB, String relations, boolean includeSystem,
                          int bins, boolean logScale, String title, boolean includeRecorder) {
        ReportOptions of(Path session) {
            return new ReportOptions(session, null, includeSystem, null, null, bins, logScale, null,
                    includeRecorder);
        }
    }

    /** A relation's (or the sessions') figures in one session. */
    public record Figures(long accesses, long hits, long misses, long extendsCount, long kernelReads, long writes,
                          long distinctBlocks) {
        static final Figures NONE = new Figures(0, 0, 0, 0, 0, 0, 0);

        static Figures of(RelationData d) {
            if (d == null) {
                return NONE;
            }
            RelationStats s = d.stats;
            return new Figures(s.accesses(), s.hits(), s.misses(), s.extendsCount(), s.kernelReads(), s.writes(),
                    s.distinctBlocks());
        }

        Figures plus(Figures o) {
            return new Figures(accesses + o.accesses, hits + o.hits, misses + o.misses, extendsCount + o.extendsCount,
                    kernelReads + o.kernelReads, writes + o.writes, distinctBlocks + o.distinctBlocks);
        }

        /** Hits per access; null without accesses. */
        public Double hitRatio() {
            return accesses == 0 ? null : (double) hits / accesses;
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("accesses", accesses);
            m.put("hits", hits);
            m.put("misses", misses);
            m.put("extends", extendsCount);
            m.put("kernelReads", kernelReads);
            m.put("writes", writes);
            m.put("distinctBlocks", distinctBlocks);
            m.put("hitRatio", hitRatio());
            return m;
        }

        /** {@code b - this}, each figure; the hit ratio's change in fractions (null when either has none). */
        Map<String, Object> change(Figures b) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("accesses", b.accesses - accesses);
            m.put("hits", b.hits - hits);
            m.put("misses", b.misses - misses);
            m.put("extends", b.extendsCount - extendsCount);
            m.put("kernelReads", b.kernelReads - kernelReads);
            m.put("writes", b.writes - writes);
            m.put("distinctBlocks", b.distinctBlocks - distinctBlocks);
            m.put("hitRatio", hitRatio() == null || b.hitRatio() == null ? null : b.hitRatio() - hitRatio());
            return m;
        }
    }

    /** One relation of either session; {@code a} or {@code b} is null where it had no events. */
    record Pair(String name, String database, String kind, boolean system, boolean unknown, boolean indexRow,
                RelationData a, RelationData b) {
        Figures fa() {
            return Figures.of(a);
        }

        Figures fb() {
            return Figures.of(b);
        }

        long weight() {
            return Math.max(fa().accesses(), fb().accesses());
        }
    }

    /** A setting of the two sessions; {@code differs} when they are not the same. */
    record Setting(String name, String a, String b, boolean differs) {
    }

    private static final Comparator<Pair> BUSIEST = Comparator.comparingLong(Pair::weight).reversed()
            .thenComparing(Pair::name).thenComparing(p -> Objects.toString(p.database(), ""));

    private final Options options;
    private final ReportData a;
    private final ReportData b;
    private final List<Pair> pairs;
    private final List<Setting> settings;

    private Compare(Options options, ReportData a, ReportData b) {
        this.options = options;
        this.a = a;
        this.b = b;
        this.pairs = pairs(options, a, b);
        this.settings = settings(a.metadata, b.metadata);
    }

    /** Reads both sessions once each. */
    public static Compare load(Options options, LongConsumer progress) {
        HtmlReport.relationFilter(options.relations()); // a bad glob before any reading
        ReportData a = HtmlReport.load(options.of(options.a()), progress, false);
        ReportData b = HtmlReport.load(options.of(options.b()), progress, false);
        return new Compare(options, a, b);
    }

    /** Relations listed (both sessions, after --relations). */
    public int relations() {
        return pairs.size();
    }

    /** Relations found in both sessions. */
    public int matched() {
        return (int) pairs.stream().filter(p -> p.a() != null && p.b() != null).count();
    }

    /** Matches the relations of the two sessions by database and displayed name. */
    private static List<Pair> pairs(Options options, ReportData a, ReportData b) {
        Map<String, RelationData> inA = byName(a.relations());
        Map<String, RelationData> inB = byName(b.relations());
        PathMatcher glob = HtmlReport.relationFilter(options.relations());
        List<Pair> out = new ArrayList<>();
        Set<String> keys = new LinkedHashSet<>(inA.keySet());
        keys.addAll(inB.keySet());
        for (String key : keys) {
            RelationData da = inA.get(key);
            RelationData db = inB.get(key);
            RelationData any = da != null ? da : db;
            String name = key.substring(key.indexOf('\n') + 1);
            if (glob != null && !glob.matches(Path.of(any.stats.displayName()))) {
                continue;
            }
            Relation r = any.relation();
            boolean transientRel = any.stats.rewrite() != null && r != null;
            out.add(new Pair(name, database(any), r == null ? "unknown" : transientRel ? "transient " + r.kind()
                    : r.kind(), r != null && r.system(), r == null,
                    r != null && (r.kind().equals("index") && r.parentOid() != null || transientRel), da, db));
        }
        out.sort(BUSIEST);
        return out;
    }

    private static String database(RelationData d) {
        Relation r = d.relation();
        return r == null ? "db " + d.stats.unresolvedKey().db() : r.database() == null ? "shared" : r.database();
    }

    /** "database\nname" for each relation; a name met twice (two rewrites by one command) gets " (2)". */
    private static Map<String, RelationData> byName(List<RelationData> relations) {
        Map<String, RelationData> out = new LinkedHashMap<>();
        List<RelationData> ordered = new ArrayList<>(relations);
        ordered.sort(Comparator.comparingLong(d -> d.firstTimeNs));
        for (RelationData d : ordered) {
            String key = database(d) + "\n" + d.stats.displayName();
            String unique = key;
            for (int n = 2; out.containsKey(unique); n++) {
                unique = key + " (" + n + ")";
            }
            out.put(unique, d);
        }
        return out;
    }

    private static List<Setting> settings(SessionMetadata a, SessionMetadata b) {
        List<Setting> out = new ArrayList<>();
        add(out, "PostgreSQL", a.postgres.version, b.postgres.version);
        if (a.postgres.ioMethod != null || b.postgres.ioMethod != null) {
            add(out, "io_method", a.postgres.ioMethod, b.postgres.ioMethod);
        }
        add(out, "shared_buffers", sharedBuffers(a), sharedBuffers(b));
        add(out, "block size", a.postgres.blockSize == null ? null : a.postgres.blockSize + " bytes",
                b.postgres.blockSize == null ? null : b.postgres.blockSize + " bytes");
        add(out, "capture", capture(a), capture(b));
        return out;
    }

    private static void add(List<Setting> out, String name, String a, String b) {
        out.add(new Setting(name, a == null ? "unknown" : a, b == null ? "unknown" : b, !Objects.equals(a, b)));
    }

    private static String sharedBuffers(SessionMetadata m) {
        return m.postgres.sharedBuffers == null ? null : m.postgres.sharedBuffers
                + (m.postgres.sharedBuffersBlocks == null ? ""
                : String.format(Locale.ROOT, " (%,d buffers)", m.postgres.sharedBuffersBlocks));
    }

    private static String capture(SessionMetadata m) {
        return m.source + (m.bpftrace.captureMethod == null ? "" : ", " + m.bpftrace.captureMethod)
                + (m.bpftrace.aggregated == null || m.bpftrace.aggregated.isEmpty() ? "" : ", partly counted");
    }

    private Figures total(boolean sideA) {
        Figures t = Figures.NONE;
        for (Pair p : pairs) {
            t = t.plus(sideA ? p.fa() : p.fb());
        }
        return t;
    }

    // ---------------------------------------------------------------- JSON

    /** The comparison as a JSON document (docs/compare-json.md). */
    public String json() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("version", JSON_VERSION);
        doc.put("a", side(a, options.shownA()));
        doc.put("b", side(b, options.shownB()));
        List<Map<String, Object>> s = new ArrayList<>();
        for (Setting x : settings) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", x.name());
            m.put("a", x.a());
            m.put("b", x.b());
            m.put("differs", x.differs());
            s.add(m);
        }
        doc.put("settings", s);
        Figures ta = total(true);
        Figures tb = total(false);
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("a", ta.json());
        totals.put("b", tb.json());
        totals.put("change", ta.change(tb));
        doc.put("totals", totals);
        List<Map<String, Object>> rels = new ArrayList<>();
        for (Pair p : pairs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("database", p.database());
            m.put("kind", p.kind());
            m.put("system", p.system());
            m.put("a", p.a() == null ? null : p.fa().json());
            m.put("b", p.b() == null ? null : p.fb().json());
            m.put("change", p.fa().change(p.fb()));
            rels.add(m);
        }
        doc.put("relations", rels);
        return io.pgbftrace.session.SessionWriter.toJson(doc);
    }

    private static Map<String, Object> side(ReportData d, String shown) {
        SessionMetadata m = d.metadata;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("session", shown);
        out.put("title", m.title);
        out.put("postgres", m.postgres.version);
        out.put("ioMethod", m.postgres.ioMethod);
        out.put("sharedBuffers", m.postgres.sharedBuffers);
        out.put("sharedBuffersBlocks", m.postgres.sharedBuffersBlocks);
        out.put("blockSize", m.postgres.blockSize);
        out.put("captureMethod", m.bpftrace.captureMethod);
        out.put("durationSeconds", d.spanNs() / 1e9);
        out.put("events", events(d));
        out.put("lostEvents", m.lostEvents(d.lost));
        out.put("complete", status(d).complete());
        return out;
    }

    private static long events(ReportData d) {
        return d.counts.values().stream().mapToLong(Long::longValue).sum();
    }

    private static SessionStatus status(ReportData d) {
        return SessionStatus.of(d.metadata, d.ended, d.recorderAlive, d.damage);
    }

    // ---------------------------------------------------------------- HTML

    /** The comparison as one self-contained HTML page. */
    public byte[] html() {
        Figures ta = total(true);
        Figures tb = total(false);
        List<Pair> user = pairs.stream().filter(p -> !p.system()).toList();
        List<Pair> system = pairs.stream().filter(Pair::system).toList();
        List<Pair> drawn = pairs.stream().filter(p -> options.includeSystem() || !p.system()).toList();
        List<CompareModel.Section> sections = sections(drawn);
        String title = options.title() != null ? options.title() : "Comparing " + label(a, options.shownA())
                + " and " + label(b, options.shownB());
        CompareModel.Page page = new CompareModel.Page(title, Palette.css(),
                "pgbftrace " + (a.metadata.toolVersion == null ? "" : a.metadata.toolVersion),
                card("A", a, options.shownA()), card("B", b, options.shownB()), settings, summary(ta, tb),
                row("all relations", "", "", false, ta, tb, true, true), rows(user), rows(system),
                sections, drawn.size() > sections.size() ? String.format(Locale.ROOT, "%d of %d relations are drawn"
                        + " side by side, the busiest; --relations GLOB selects others.", sections.size(),
                drawn.size()) : null,
                options.logScale() ? "logarithmic" : "linear",
                pairs.isEmpty() ? (options.relations() == null ? "Neither session accessed a relation."
                        : "No relation matches --relations " + options.relations() + ".") : null);
        return HtmlReport.render(TEMPLATE, page).getBytes(StandardCharsets.UTF_8);
    }

    private static String label(ReportData d, String shown) {
        return d.metadata.title != null ? "\u201c" + d.metadata.title + "\u201d" : shown;
    }

    private static CompareModel.Card card(String letter, ReportData d, String shown) {
        SessionMetadata m = d.metadata;
        long lost = m.lostEvents(d.lost);
        SessionStatus status = status(d);
        return new CompareModel.Card(letter, m.title == null ? shown : m.title, shown,
                HtmlReport.recorded(m.startWall), String.format(Locale.ROOT, "%.1f s", d.spanNs() / 1e9),
                HtmlReport.fmt(events(d)), HtmlReport.fmt(lost), lost > 0 ? "bad" : "good",
                status.complete() ? "complete" : status.text(), status.complete() ? "good" : "bad",
                Charts.timeline(d.timeline, d.axis, HtmlReport.timelineMarkers(d.markers), false),
                HtmlReport.timeNote(d));
    }

    /** What a learner should read first: the settings that differ, then what the buffers did differently. */
    private List<String> summary(Figures ta, Figures tb) {
        List<String> out = new ArrayList<>();
        for (Setting s : settings) {
            if (s.differs()) {
                out.add(s.name() + ": " + s.a() + " in A, " + s.b() + " in B.");
            }
        }
        out.add(String.format(Locale.ROOT, "Misses (blocks read in): %,d in A, %,d in B (%s). Hit ratio %s \u2192 %s.",
                ta.misses(), tb.misses(), change(ta.misses(), tb.misses()), ratio(ta), ratio(tb)));
        out.add(String.format(Locale.ROOT, "Accesses: %,d in A, %,d in B (%s); kernel reads %,d and %,d; writes"
                        + " %,d and %,d.", ta.accesses(), tb.accesses(), change(ta.accesses(), tb.accesses()),
                ta.kernelReads(), tb.kernelReads(), ta.writes(), tb.writes()));
        List<Pair> moved = pairs.stream().filter(p -> p.a() != null && p.b() != null && !p.system()
                        && p.fa().misses() != p.fb().misses())
                .sorted(Comparator.comparingLong((Pair p) -> -Math.abs(p.fb().misses() - p.fa().misses()))
                        .thenComparing(Pair::name))
                .limit(3).toList();
        for (Pair p : moved) {
            out.add(String.format(Locale.ROOT, "%s: %,d misses in A, %,d in B; hit ratio %s \u2192 %s.", p.name(),
                    p.fa().misses(), p.fb().misses(), ratio(p.fa()), ratio(p.fb())));
        }
        only(out, "A", pairs.stream().filter(p -> p.b() == null && !p.system()).toList());
        only(out, "B", pairs.stream().filter(p -> p.a() == null && !p.system()).toList());
        return out;
    }

    private static void only(List<String> out, String side, List<Pair> list) {
        if (list.isEmpty()) {
            return;
        }
        List<String> names = list.stream().limit(5).map(p -> p.name() + " (" + p.kind() + ")").toList();
        out.add("Accessed only in " + side + ": " + String.join(", ", names)
                + (list.size() > 5 ? " and " + Words.count(list.size() - 5, "more") : "") + ".");
    }

    /** "-1,450, -96.7%" or "no change". */
    static String change(long a, long b) {
        if (a == b) {
            return "no change";
        }
        String d = signed(b - a);
        return a == 0 ? d : d + String.format(Locale.ROOT, ", %+.1f%%", 100.0 * (b - a) / a).replace('-', '\u2212');
    }

    static String signed(long n) {
        return n == 0 ? "0" : (n > 0 ? "+" : "\u2212") + HtmlReport.fmt(Math.abs(n));
    }

    private static String ratio(Figures f) {
        return f.hitRatio() == null ? "-" : HtmlReport.pct(f.hitRatio());
    }

    private static List<CompareModel.Row> rows(List<Pair> list) {
        List<CompareModel.Row> out = new ArrayList<>();
        for (Pair p : list) {
            out.add(row(p.name(), p.database(), p.kind(), p.indexRow(), p.fa(), p.fb(), p.a() != null,
                    p.b() != null));
        }
        return out;
    }

    /** A line of the table: A, B and the change of accesses, misses, hit ratio, distinct blocks and writes. */
    private static CompareModel.Row row(String name, String database, String kind, boolean indexRow, Figures fa,
                                        Figures fb, boolean inA, boolean inB) {
        List<CompareModel.Cell> cells = new ArrayList<>();
        long[][] figures = {{fa.accesses(), fb.accesses(), 0}, {fa.misses(), fb.misses(), -1},
                {fa.distinctBlocks(), fb.distinctBlocks(), 0}, {fa.writes(), fb.writes(), 0}};
        for (int i = 0; i < figures.length; i++) {
            long x = figures[i][0];
            long y = figures[i][1];
            cells.add(new CompareModel.Cell(inA ? HtmlReport.fmt(x) : "-", "a"));
            cells.add(new CompareModel.Cell(inB ? HtmlReport.fmt(y) : "-", "b"));
            String cls = figures[i][2] == 0 || x == y || !inA || !inB ? "change" : (y - x) * figures[i][2] > 0 ? "change better"
                    : "change worse";
            cells.add(new CompareModel.Cell(!inA ? "only B" : !inB ? "only A" : signed(y - x), cls));
            if (i == 1) { // the hit ratio after the misses
                cells.add(new CompareModel.Cell(ratio(fa), "a"));
                cells.add(new CompareModel.Cell(ratio(fb), "b"));
                Double ra = fa.hitRatio();
                Double rb = fb.hitRatio();
                double points = ra == null || rb == null ? 0 : (rb - ra) * 100;
                String text = !inA ? "only B" : !inB ? "only A" : ra == null || rb == null ? "-"
                        : Math.abs(points) < 0.05 ? "0.0"
                        : String.format(Locale.ROOT, "%+.1f", points).replace('-', '\u2212');
                cells.add(new CompareModel.Cell(text, Math.abs(points) < 0.05 || !inA || !inB ? "change" : points > 0
                        ? "change better" : "change worse"));
            }
        }
        return new CompareModel.Row(name, database, kind, indexRow, cells);
    }

    /** The busiest relations' heatmaps side by side, each pair on one colour scale, within the report's budget. */
    private List<CompareModel.Section> sections(List<Pair> drawn) {
        List<CompareModel.Section> out = new ArrayList<>();
        long budget = HtmlReport.BUDGET_BYTES - 500_000L; // header, two timelines, the table
        int left = Math.min(drawn.size(), MAX_PAIRS);
        for (Pair p : drawn) {
            if (left == 0) {
                break;
            }
            CompareModel.Section s = section(p, budget / left, "pair-" + (out.size() + 1));
            left--;
            if (s != null) {
                budget -= s.bytes();
                out.add(s);
            }
        }
        return out;
    }

    private CompareModel.Section section(Pair p, long share, String anchor) {
        BlockTimeGrid ga = p.a() == null ? null : p.a().grid;
        BlockTimeGrid gb = p.b() == null ? null : p.b().grid;
        long size = Math.max(size(p.a()), size(p.b()));
        boolean log = options.logScale();
        for (int attempt = 0; attempt < 4; attempt++) {
            long rowSize = Math.max(ga == null ? 1 : ga.rowSize(), gb == null ? 1 : gb.rowSize());
            int used = 1;
            for (BlockTimeGrid g : new BlockTimeGrid[]{ga, gb}) {
                if (g != null) {
                    g.coarsenTo(rowSize);
                    used = Math.max(used, g.usedRows(size));
                }
            }
            Charts.Rows rows = new Charts.Rows(rowSize, used);
            long max = Math.max(maxCell(ga, used, Charts.ACCESS), maxCell(gb, used, Charts.ACCESS));
            long maxMiss = Math.max(maxCell(ga, used, Charts.MISS_EXTEND), maxCell(gb, used, Charts.MISS_EXTEND));
            long maxWrite = Math.max(maxCell(ga, used, BlockTimeGrid.WRITE), maxCell(gb, used, BlockTimeGrid.WRITE));
            boolean io = maxMiss + maxWrite > 0;
            String heatA = ga == null ? null : Charts.heatmap(ga, a.axis, rows, log, p.name() + " in A", max);
            String heatB = gb == null ? null : Charts.heatmap(gb, b.axis, rows, log, p.name() + " in B", max);
            String ioA = ga == null || !io ? null : Charts.ioHeatmap(ga, a.axis, rows, log, p.name() + " in A",
                    maxMiss, maxWrite);
            String ioB = gb == null || !io ? null : Charts.ioHeatmap(gb, b.axis, rows, log, p.name() + " in B",
                    maxMiss, maxWrite);
            String legend = Charts.legend("accesses per cell, both sides", max, log);
            long bytes = length(heatA) + length(heatB) + length(ioA) + length(ioB) + legend.length();
            if (bytes <= share) {
                BlockTimeGrid any = ga != null ? ga : gb;
                return new CompareModel.Section(anchor, p.name(), p.kind() + ", " + p.database()
                        + (size == 0 ? "" : ", " + HtmlReport.fmt(size) + " blocks"),
                        sideSummary(p.a(), "A"), sideSummary(p.b(), "B"), heatA, heatB, ioA, ioB, legend,
                        String.format(Locale.ROOT, "%d columns per side, each over its own session's active time;"
                                        + " %s per row; one colour scale for both sides.", any.timeBins(),
                                rowSize == 1 ? "1 block" : HtmlReport.fmt(rowSize) + " blocks"), (int) bytes);
            }
            ga = ga == null ? null : ga.halve();
            gb = gb == null ? null : gb.halve();
        }
        return null;
    }

    private static long size(RelationData d) {
        Relation r = d == null ? null : d.relation();
        return r == null || r.sizeBlocks() == null || d.stats.rewrite() != null ? 0 : r.sizeBlocks();
    }

    private static long maxCell(BlockTimeGrid g, int used, int... channels) {
        return g == null ? 0 : g.maxCell(Math.min(used, g.rows()), channels);
    }

    private static long length(String s) {
        return s == null ? 0 : s.length();
    }

    private static String sideSummary(RelationData d, String side) {
        if (d == null) {
            return "Not accessed in " + side + ".";
        }
        RelationStats s = d.stats;
        return String.format(Locale.ROOT, "%,d accesses: %,d hits, %,d misses, %,d extends; %,d writes; %,d"
                + " distinct blocks", s.accesses(), s.hits(), s.misses(), s.extendsCount(), s.writes(),
                s.distinctBlocks());
    }
}
