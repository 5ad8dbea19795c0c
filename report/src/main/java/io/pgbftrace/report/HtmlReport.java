package io.pgbftrace.report;

import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.session.Checkpoints;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.Marker;
import io.pgbftrace.session.SessionStatus;
import io.pgbftrace.session.OutputFile;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.Rewrites;
import io.pgbftrace.session.Statements;
import io.pgbftrace.session.ServerProcess;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionReader;
import org.thymeleaf.TemplateEngine;
import org.thymeleaf.context.Context;
import org.thymeleaf.exceptions.TemplateInputException;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.FileSystems;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongConsumer;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Renders a session into one self-contained HTML file: inline CSS and SVG, nothing fetched. The page comes from
 * {@code templates/report.html}, a Thymeleaf natural template that also opens as plain HTML.
 */
public final class HtmlReport {
    static final String TEMPLATE = "report";
    /** The whole report stays under 5 MB; heatmaps are coarsened, then left out, to stay within this. */
    static final int BUDGET_BYTES = 4_500_000;
    static final int MAX_HEATMAPS = 60;
    static final int MAX_TIMELINE_QUERIES = 400;

    /** Busiest first; ties broken by name and identity so that the same session gives the same report. */
    private static final Comparator<RelationData> BY_ACCESSES = Comparator
            .comparingLong((RelationData d) -> d.stats.accesses()).reversed()
            .thenComparing(d -> d.stats.displayName())
            .thenComparing(HtmlReport::anchor);

    private HtmlReport() {
    }

    /** What was written. */
    public record Result(Path output, long bytes, int relations, int heatmaps, long events) {
    }

    /**
     * Reads the session once and writes the report to a file ({@link OutputFile}: whole or not at all, never
     * anything but a regular file outside any session), or to {@code stdout} when the output is "-".
     */
    public static Result write(ReportOptions options, Path output, OutputStream stdout, LongConsumer progress) {
        if (!OutputFile.isStdout(output)) {
            OutputFile.check(output, "-o"); // before reading a large session
        }
        ReportData data = load(options, progress, true);
        Model model = model(options, data, data.relations());
        byte[] html = render(model.page).getBytes(StandardCharsets.UTF_8);
        OutputFile.write(output, "-o", html, stdout, "the report");
        long events = data.counts.values().stream().mapToLong(Long::longValue).sum();
        return new Result(output, html.length, model.rows, model.heatmaps, events);
    }

    /** Reads a session once into what the report (and a comparison) draws from. */
    static ReportData load(ReportOptions options, LongConsumer progress, boolean curve) {
        try (SessionReader reader = SessionReader.open(options.session())) {
            ReportData data = new ReportData(reader, options, progress, curve);
            reader.read(data);
            data.finished(reader);
            return data;
        }
    }

    /** Writes the report to a file. */
    public static Result write(ReportOptions options, Path output, LongConsumer progress) {
        return write(options, output, OutputStream.nullOutputStream(), progress);
    }

    /** The --relations glob on schema.name, or null for all; a malformed glob is a usage error. */
    public static PathMatcher relationFilter(String glob) {
        if (glob == null) {
            return null;
        }
        try {
            return FileSystems.getDefault().getPathMatcher("glob:" + glob);
        } catch (IllegalArgumentException e) { // PatternSyntaxException among them
            throw PgbftraceException.usage("--relations " + glob + " is not a valid glob (" + e.getMessage()
                    .lines().findFirst().orElse("") + "); e.g. 'public.order*'");
        }
    }

    /** Renders the page; each component of {@code page} is a variable of the template, by its name. */
    static String render(ReportModel.Page page) {
        return render(TEMPLATE, page);
    }

    /** Renders a template with the components of a record as its variables. */
    static String render(String template, Record page) {
        ClassLoaderTemplateResolver resolver = new ClassLoaderTemplateResolver(HtmlReport.class.getClassLoader());
        resolver.setPrefix("templates/");
        resolver.setSuffix(".html");
        resolver.setTemplateMode(TemplateMode.HTML);
        resolver.setCharacterEncoding("UTF-8");
        TemplateEngine engine = new TemplateEngine();
        engine.setTemplateResolver(resolver);
        Context ctx = new Context(Locale.ROOT);
        for (RecordComponent c : page.getClass().getRecordComponents()) {
            try {
                ctx.setVariable(c.getName(), c.getAccessor().invoke(page));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            return engine.process(template, ctx);
        } catch (TemplateInputException e) {
            throw new PgbftraceException("the template templates/" + template + ".html is missing from the"
                    + " build: " + e.getMessage());
        }
    }

    private record Model(ReportModel.Page page, int rows, int heatmaps) {
    }

    private static Model model(ReportOptions options, ReportData data, List<RelationData> all) {
        SessionMetadata m = data.metadata;
        String title = options.title() != null ? options.title() : m.title != null ? m.title
                : "pgbftrace session " + options.session().getFileName();
        String window = options.fromSeconds() == null && options.toSeconds() == null ? null
                : String.format(Locale.ROOT, "showing %.1f s to %.1f s of the session",
                options.fromSeconds() == null ? 0 : options.fromSeconds(), options.fromSeconds() == null
                        ? data.spanNs() / 1e9 : options.fromSeconds() + data.spanNs() / 1e9);
        List<ReportModel.Count> counts = new ArrayList<>();
        for (Map.Entry<EventKind, Long> e : data.counts.entrySet()) {
            counts.add(new ReportModel.Count(e.getKey().name(), fmt(e.getValue())));
        }
        long lost = m.lostEvents(data.lost);
        SessionStatus status = SessionStatus.of(m, data.ended, data.recorderAlive, data.damage);
        List<String> notes = new ArrayList<>(m.notes);
        if (data.hidden > 0) {
            notes.add(String.format(Locale.ROOT, "Events of the recorder's own backends (catalog look-ups), not"
                    + " shown: %,d.", data.hidden));
        }
        if (data.outsideWindow > 0) {
            notes.add(String.format(Locale.ROOT, "Events outside the time window, not shown: %,d.",
                    data.outsideWindow));
        }

        List<Marker> markers = timelineMarkers(data.markers);
        long queries = data.markers.stream().filter(x -> x.kind() == EventKind.QUERY).count() + data.markersDropped;
        long shownQueries = markers.stream().filter(x -> x.kind() == EventKind.QUERY).count();

        PathMatcher glob = relationFilter(options.relations());
        List<RelationData> shown = all.stream()
                .filter(d -> glob == null || glob.matches(Path.of(d.stats.displayName())))
                .sorted(BY_ACCESSES)
                .toList();
        long totalAccesses = shown.stream().mapToLong(d -> d.stats.accesses()).sum();

        List<RelationData> user = new ArrayList<>();
        List<RelationData> system = new ArrayList<>();
        List<RelationData> unknown = new ArrayList<>();
        for (RelationData d : shown) {
            Relation r = d.relation();
            (r == null ? unknown : r.system() ? system : user).add(d);
        }
        List<RelationData> heatmapOrder = new ArrayList<>(user);
        heatmapOrder.addAll(unknown);
        if (options.includeSystem()) {
            heatmapOrder.addAll(system);
        }
        heatmapOrder.sort(BY_ACCESSES);
        Map<RelationData, ReportModel.Section> sections = sections(heatmapOrder, data, options);
        Curve curve = curve(data, options);
        int omitted = (int) heatmapOrder.stream().filter(d -> !sections.containsKey(d)).count();

        ReportModel.Page page = new ReportModel.Page(
                title,
                m.description,
                m.lookFor,
                (m.postgres.version == null ? "unknown" : m.postgres.version)
                        + (m.postgres.ioMethod == null ? "" : ", io_method " + m.postgres.ioMethod),
                m.postgres.sharedBuffers == null ? "unknown" : m.postgres.sharedBuffers
                        + String.format(Locale.ROOT, " (%,d buffers)", m.postgres.sharedBuffersBlocks),
                m.postgres.blockSize == null ? "unknown" : m.postgres.blockSize + " bytes",
                recorded(m.startWall),
                String.format(Locale.ROOT, "%.1f s", data.spanNs() / 1e9),
                window,
                m.source + (m.bpftrace.outcomeMethod == null ? "" : ", outcomes by " + m.bpftrace.outcomeMethod),
                counts,
                data.writers.totals().isEmpty() ? null : ServerProcess.writers(data.writers.totals()),
                fmt(lost),
                lost > 0 ? "bad" : "good",
                status.complete() ? "complete (stopped: " + m.stopReason + ")" : status.text(),
                status.complete() ? "good" : "bad",
                notes,
                Charts.timeline(data.timeline, data.axis, markers, options.logScale()),
                timeNote(data),
                queries(data, all),
                data.queriesDropped == 0 ? null : String.format(Locale.ROOT, "The first %,d of %,d statements are"
                        + " listed.", data.queries.size(), data.queries.size() + data.queriesDropped),
                checkpoints(data),
                shownQueries < queries ? String.format(Locale.ROOT,
                        "%,d of %,d queries are marked on the timeline.", shownQueries, queries) : null,
                grouped(user, totalAccesses, sections),
                rows(unknown, totalAccesses, sections, false),
                grouped(system, totalAccesses, sections),
                system.size(),
                new ArrayList<>(sections.values()),
                omitted == 0 ? null : String.format(Locale.ROOT, "%d relation(s) with fewer accesses have no"
                        + " heatmap, to keep this report small; --relations GLOB selects them.", omitted),
                shown.isEmpty() ? (all.isEmpty() ? "No relation was accessed in this window."
                        : "No relation matches --relations " + options.relations() + ".") : null,
                !shown.isEmpty() && user.isEmpty() && unknown.isEmpty()
                        ? "No user relation was accessed; system catalogs are listed below." : null,
                options.logScale() ? "logarithmic" : "linear",
                m.postgres.ioMethod == null || m.postgres.ioMethod.equals("sync")
                        ? "Read latency (kernel reads; page-cache hits take microseconds, disk reads milliseconds):"
                        : "Read latency (kernel reads, from the backend's issue to their completion: the time a read"
                        + " waited for an I/O worker is included, and the backend went on meanwhile):",
                "pgbftrace " + (m.toolVersion == null ? "" : m.toolVersion),
                Palette.css(), curve.chart(), curve.note());
        return new Model(page, shown.size(), sections.size());
    }

    /** The miss-ratio curve and what it says; both null when there is none (the note may say why). */
    private record Curve(String chart, String note) {
    }

    /** Steps of the curve: the recorded size halved and doubled this many times. */
    static final int CURVE_STEPS = 3;

    /**
     * The session's accesses replayed through the what-if model at the recorded shared_buffers halved and doubled
     * three times, with the recorded miss ratio beside the model's at its size.
     */
    private static Curve curve(ReportData data, ReportOptions options) {
        SessionMetadata m = data.metadata;
        if (data.whatif == null || m.postgres.sharedBuffersBlocks == null || m.postgres.blockSize == null) {
            return new Curve(null, null);
        }
        if (data.whatif.overflowed()) {
            return new Curve(null, String.format(Locale.ROOT, "This session has more than %,d buffer accesses, too"
                    + " many to model here: pgbftrace whatif predicts its misses at other sizes.",
                    ReportData.MAX_MODELLED_ACCESSES));
        }
        long recordedBytes = m.postgres.sharedBuffersBlocks * m.postgres.blockSize;
        List<Long> sizes = new ArrayList<>();
        for (int k = -CURVE_STEPS; k <= CURVE_STEPS; k++) {
            long bytes = k < 0 ? recordedBytes >> -k : recordedBytes << k;
            if (k != 0 && bytes / m.postgres.blockSize >= 16) {
                sizes.add(bytes);
            }
        }
        io.pgbftrace.whatif.Whatif w = io.pgbftrace.whatif.Whatif.of(data.whatif, sizes);
        if (w.accesses() == 0 || w.atRecorded() == null) {
            return new Curve(null, null);
        }
        List<io.pgbftrace.whatif.Whatif.Prediction> all = new ArrayList<>(w.predictions());
        all.add(w.atRecorded());
        all.sort(Comparator.comparingLong(io.pgbftrace.whatif.Whatif.Prediction::bytes));
        List<Charts.CurvePoint> points = new ArrayList<>();
        for (io.pgbftrace.whatif.Whatif.Prediction p : all) {
            String size = io.pgbftrace.whatif.Whatif.formatSize(p.bytes());
            points.add(new Charts.CurvePoint(p.bytes(), size, 1 - p.hitRatio(), String.format(Locale.ROOT,
                    "shared_buffers %s (%,d buffers): %,d of %,d accesses predicted to miss (%.1f%%)%s", size,
                    p.buffers(), p.totalMisses(), p.totalAccesses(), 100 * (1 - p.hitRatio()),
                    p.recordedSize() ? ", the model at the recorded size" : "")));
        }
        long recorded = w.recordedMisses();
        Charts.CurvePoint actual = new Charts.CurvePoint(recordedBytes, null, (double) recorded / w.accesses(),
                String.format(Locale.ROOT, "recorded at shared_buffers %s: %,d of %,d accesses missed (%.1f%%)",
                        io.pgbftrace.whatif.Whatif.formatSize(recordedBytes), recorded, w.accesses(),
                        100.0 * recorded / w.accesses()));
        Double error = io.pgbftrace.whatif.Whatif.error(w.atRecorded().totalMisses(), recorded);
        String note = String.format(Locale.ROOT, "Predicted by replaying the session's %,d buffer accesses, in"
                        + " order, through a model of PostgreSQL's buffer replacement (clock sweep with usage counts,"
                        + " and the rings of bulk reads, bulk writes and VACUUM). At the recorded %s the model predicts"
                        + " %,d misses and the session recorded %,d (%s): the ring marks the recorded miss ratio."
                        + " pgbftrace whatif gives other sizes, and each relation.", w.accesses(),
                io.pgbftrace.whatif.Whatif.formatSize(recordedBytes), w.atRecorded().totalMisses(), recorded,
                error == null ? "none recorded" : String.format(Locale.ROOT, "%+.1f%%", error * 100))
                + (options.fromSeconds() != null || options.toSeconds() != null
                ? " The curve covers the whole session, not only the window shown." : "");
        return new Curve(Charts.missCurve(points, actual), note);
    }

    /** Says what the time axis leaves out, when it squeezes idle gaps. */
    static String timeNote(ReportData data) {
        TimeAxis axis = data.axis;
        if (axis.breaks().isEmpty()) {
            return null;
        }
        long idle = axis.breaks().stream().mapToLong(TimeAxis.Break::idleNs).sum();
        return String.format(Locale.ROOT, "The time axis shows the %s when something happened, from %s s to %s s;"
                        + " %s of idle time %s squeezed into the shaded %s.", TimeAxis.duration(axis.shownNs()),
                axis.seconds(axis.startNs(), 3), axis.seconds(axis.endNs(), 3), TimeAxis.duration(idle),
                axis.breaks().size() == 1 ? "is" : "are", axis.breaks().size() == 1 ? "break" : "breaks");
    }

    /** The statements, in order, each with its buffer events and the relations it touched. */
    private static List<ReportModel.Query> queries(ReportData data, List<RelationData> relations) {
        Map<io.pgbftrace.session.FileKey, RelationData> owners = new java.util.HashMap<>();
        for (RelationData d : relations) {
            for (io.pgbftrace.session.FileKey k : d.files) {
                if (d.stats.rewrite() == null || !owners.containsKey(k)) {
                    owners.put(k, d); // a rewrite's new file is listed under the relation it became
                }
            }
        }
        List<ReportModel.Query> out = new ArrayList<>();
        for (Statements.Execution q : data.queries) {
            java.util.LinkedHashSet<String> user = new java.util.LinkedHashSet<>();
            java.util.LinkedHashSet<String> system = new java.util.LinkedHashSet<>();
            for (io.pgbftrace.session.FileKey k : q.files()) {
                RelationData d = owners.get(k);
                Relation r = d == null ? null : d.relation();
                (r != null && r.system() ? system : user).add(d == null ? "relfilenode " + k : d.stats.displayName());
            }
            // the planner's catalog look-ups are not what a statement is about: counted, not listed
            String touched = String.join(", ", user) + (system.isEmpty() ? "" : (user.isEmpty() ? "" : " + ")
                    + io.pgbftrace.session.Words.count(system.size(), "system catalog"));
            out.add(new ReportModel.Query(data.axis.seconds(q.startNs(), 3), q.pid(), q.text(),
                    TimeAxis.duration(q.durationNs()), fmt(q.hits()), fmt(q.misses()), fmt(q.extendsCount()),
                    fmt(q.kernelReads()), fmt(q.writes()), touched, String.join(", ", system), q.accesses() == 0));
        }
        return out;
    }

    private static List<ReportModel.Checkpoint> checkpoints(ReportData data) {
        List<ReportModel.Checkpoint> out = new ArrayList<>();
        for (Checkpoints.Checkpoint c : data.checkpoints.list()) {
            out.add(new ReportModel.Checkpoint(data.axis.seconds(c.startNs(), 3), c.pid(),
                    io.pgbftrace.session.CheckpointFlags.describe(c.flags()),
                    c.doneNs() < 0 ? "not finished in the session" : TimeAxis.duration(c.doneNs() - c.startNs()),
                    fmt(c.buffersWritten())));
        }
        return out;
    }

    private static final DateTimeFormatter RECORDED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'",
            Locale.ROOT).withZone(ZoneOffset.UTC);

    /** When the recording started, to the second in UTC; imported sessions have no wall-clock start. */
    static String recorded(String startWall) {
        if (startWall == null) {
            return "unknown (imported)";
        }
        try {
            return RECORDED.format(Instant.parse(startWall));
        } catch (DateTimeParseException e) {
            return startWall;
        }
    }

    /** Queries evenly thinned to at most {@link #MAX_TIMELINE_QUERIES}; checkpoints all kept. */
    static List<Marker> timelineMarkers(List<Marker> markers) {
        List<Marker> queries = markers.stream().filter(x -> x.kind() == EventKind.QUERY).toList();
        List<Marker> out = new ArrayList<>(markers.stream().filter(x -> x.kind() != EventKind.QUERY)
                .toList());
        double step = Math.max(1.0, (double) queries.size() / MAX_TIMELINE_QUERIES);
        for (double i = 0; i < queries.size(); i += step) {
            out.add(queries.get((int) i));
        }
        return out;
    }

    /** Heatmap sections within the size budget: coarsened when a relation's share would overflow, else left out. */
    /** "120 columns of 0.5 ms (of active time); 1 block per row", and whether the grid was coarsened. */
    private static String resolution(TimeAxis axis, BlockTimeGrid grid, BlockTimeGrid original) {
        long column = axis.shownNs() / grid.timeBins();
        return String.format(Locale.ROOT, "%d columns of %s%s; %s per row%s", grid.timeBins(),
                TimeAxis.duration(Math.max(1, column)), axis.breaks().isEmpty() ? "" : " of active time",
                grid.rowSize() == 1 ? "1 block" : fmt(grid.rowSize()) + " blocks",
                grid != original ? " (coarsened to keep the report small)" : "");
    }

    private static Map<RelationData, ReportModel.Section> sections(List<RelationData> order, ReportData data,
                                                                   ReportOptions options) {
        Map<RelationData, ReportModel.Section> out = new LinkedHashMap<>();
        long budget = BUDGET_BYTES - 400_000L; // header, timeline, tables
        int left = Math.min(order.size(), MAX_HEATMAPS);
        for (RelationData d : order) {
            if (left == 0) {
                break;
            }
            long share = budget / left;
            ReportModel.Section s = section(d, data, options, share);
            left--;
            if (s != null) {
                budget -= s.bytes();
                out.put(d, s);
            }
        }
        return out;
    }

    private static ReportModel.Section section(RelationData d, ReportData data, ReportOptions options, long share) {
        Relation r = d.relation();
        long size = r == null || r.sizeBlocks() == null ? 0 : r.sizeBlocks();
        BlockTimeGrid grid = d.grid;
        for (int attempt = 0; attempt < 4; attempt++) {
            Charts.Rows rows = new Charts.Rows(grid.rowSize(), grid.usedRows(size));
            String name = d.stats.displayName();
            String heat = Charts.heatmap(grid, data.axis, rows, options.logScale(), name);
            String io = grid.total(BlockTimeGrid.MISS) + grid.total(BlockTimeGrid.EXTEND)
                    + grid.total(BlockTimeGrid.WRITE) == 0 ? null : Charts.ioHeatmap(grid, data.axis, rows,
                    options.logScale(), name);
            String strip = Charts.blockStrip(d.strip, size, options.logScale());
            String latency = d.reads() == 0 ? null : Charts.latency(d.latency);
            String legend = Charts.legend("accesses per cell", grid.maxCell(rows.used(), Charts.ACCESS),
                    options.logScale());
            long bytes = heat.length() + (io == null ? 0 : io.length()) + strip.length()
                    + (latency == null ? 0 : latency.length()) + legend.length();
            if (bytes <= share) {
                boolean transientRel = d.stats.rewrite() != null && r != null;
                return new ReportModel.Section(anchor(d), d.stats.displayName(), r == null ? null : r.database(),
                        r == null ? "unknown" : transientRel ? "transient " + r.kind() : r.kind(),
                        r == null || transientRel ? null : r.parentName(),
                        size == 0 ? "unknown size" : fmt(size) + " blocks",
                        (transientRel ? "The rewrite's new files, filled through a transient relation until the"
                                + " swap handed them to " + r.qualifiedName() + " (PostgreSQL counts these accesses"
                                + " on the transient, which is then dropped). " : "")
                        + String.format(Locale.ROOT, "%,d accesses: %,d hits, %,d misses, %,d extends; %,d kernel"
                                        + " reads; %,d writes; %,d distinct blocks", d.stats.accesses(),
                                d.stats.hits(), d.stats.misses(), d.stats.extendsCount(), d.stats.kernelReads(),
                                d.stats.writes(), d.stats.distinctBlocks()),
                        resolution(data.axis, grid, d.grid),
                        heat, io, strip, latency, legend, (int) bytes);
            }
            grid = grid.halve();
        }
        return null;
    }

    private static List<ReportModel.Row> grouped(List<RelationData> list, long total,
                                                 Map<RelationData, ReportModel.Section> sections) {
        List<RelationData> ordered = new ArrayList<>();
        List<RelationData> placed = new ArrayList<>();
        for (RelationData table : list) {
            Relation r = table.relation();
            if (r.kind().equals("index") || table.stats.rewrite() != null) {
                continue;
            }
            ordered.add(table);
            placed.add(table);
            for (RelationData copy : list) { // its rewrites' transient relations, then its indexes
                Relation cr = copy.relation();
                if (copy.stats.rewrite() != null && cr.db() == r.db() && cr.oid() == r.oid()) {
                    ordered.add(copy);
                    placed.add(copy);
                }
            }
            for (RelationData idx : list) {
                Relation ir = idx.relation();
                if (ir.kind().equals("index") && idx.stats.rewrite() == null && ir.db() == r.db()
                        && ir.parentOid() != null && ir.parentOid() == r.oid()) {
                    ordered.add(idx);
                    placed.add(idx);
                }
            }
        }
        for (RelationData d : list) {
            if (!placed.contains(d)) {
                ordered.add(d); // an index whose table had no events
            }
        }
        return rows(ordered, total, sections, true);
    }

    private static List<ReportModel.Row> rows(List<RelationData> list, long total,
                                              Map<RelationData, ReportModel.Section> sections, boolean indent) {
        List<ReportModel.Row> out = new ArrayList<>();
        for (RelationData d : list) {
            Relation r = d.relation();
            long acc = d.stats.accesses();
            Double seq = d.sequentialShare();
            out.add(new ReportModel.Row(d.stats.displayName(), r == null ? "db " + d.stats.unresolvedKey().db()
                    : r.database() == null ? "shared" : r.database(),
                    indent && r != null && (r.kind().equals("index") && r.parentOid() != null
                            || d.stats.rewrite() != null),
                    r == null ? "unknown" : d.stats.rewrite() != null ? "transient " + r.kind() : r.kind(), r == null || r.parentName() == null ? "" : r.parentName(),
                    r == null || r.sizeBlocks() == null || d.stats.rewrite() != null ? "-" : fmt(r.sizeBlocks()),
                    fmt(acc),
                    fmt(d.stats.misses()), acc == 0 ? "-" : pct((double) d.stats.hits() / acc),
                    fmt(d.stats.writes()), fmt(d.stats.distinctBlocks()),
                    total == 0 ? "-" : pct((double) acc / total), seq == null ? "-" : pct(seq),
                    sections.containsKey(d) ? "#" + anchor(d) : null));
        }
        return out;
    }

    private static String anchor(RelationData d) {
        Relation r = d.relation();
        if (r == null) {
            return "file-" + d.stats.unresolvedKey().toString().replace('/', '-');
        }
        Rewrites.Span w = d.stats.rewrite();
        return w == null ? "rel-" + r.db() + "-" + r.oid()
                : "rewrite-" + r.db() + "-" + r.oid() + "-" + w.pid() + "-" + w.startNs();
    }

    static String fmt(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String pct(double share) {
        return String.format(Locale.ROOT, "%.1f%%", share * 100);
    }
}
