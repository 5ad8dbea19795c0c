package io.pgbftrace.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbftrace.session.Event;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two golden sessions of one workload with known differences: shared_buffers 16MB vs 128MB, public.orders missing
 * 500 of 1,000 blocks in A and 50 of 1,500 in B (under another oid and relfilenode: matched by name), an index only
 * in B, a table only in A. The HTML's table and the JSON carry the same numbers.
 */
class CompareTest {
    static final int DB = 16384;
    static final long T0 = 1_000_000_000L;

    @TempDir
    Path tmp;

    /** An access by pid 42 at {@code i} ms. */
    static Event access(EventKind kind, int i, int relfilenode, long block) {
        return Event.access(kind, T0 + i * 1_000_000L, 42, DB, 1663, relfilenode, 0, block, false);
    }

    static Relation rel(int oid, int relfilenode, String schema, String name, String kind, Integer parent,
                        long size, boolean system) {
        return new Relation(DB, "shop", 1663, relfilenode, oid, schema, name, kind, "permanent", parent,
                parent == null ? null : "public.orders", size, system, false, 0, "start");
    }

    static Path session(Path dir, boolean after) {
        SessionMetadata m = new SessionMetadata();
        m.title = after ? "after" : "before";
        m.source = "record";
        m.state = "recording";
        m.startMonotonicNs = T0;
        m.postgres.version = "15.20";
        m.postgres.blockSize = 8192;
        m.postgres.sharedBuffers = after ? "128MB" : "16MB";
        m.postgres.sharedBuffersBlocks = after ? 16384L : 2048L;
        try (SessionWriter w = SessionWriter.create(dir, m)) {
            int orders = after ? 300 : 100;
            w.appendRelation(rel(after ? 200 : 100, orders, "public", "orders", "table", null, 1000, false));
            w.appendRelation(rel(after ? 201 : 101, orders + 1, "public", "orders_pkey", "index", after ? 200 : 100,
                    300, false));
            w.appendRelation(rel(1259, 1259, "pg_catalog", "pg_class", "table", null, 14, true));
            int t = 0;
            if (after) {
                w.appendRelation(rel(202, 302, "public", "orders_sku", "index", 200, 60, false));
                for (int i = 0; i < 1500; i++) {
                    w.append(access(i < 50 ? EventKind.MISS : EventKind.HIT, t++, orders, i % 1000));
                }
                for (int i = 0; i < 7; i++) {
                    w.append(Event.write(T0 + t++ * 1_000_000L, 7, DB, 1663, orders, 0, i));
                }
                for (int i = 0; i < 50; i++) {
                    w.append(access(i < 20 ? EventKind.MISS : EventKind.HIT, t++, 302, i));
                }
            } else {
                w.appendRelation(rel(102, 102, "public", "old_orders", "table", null, 5, false));
                for (int i = 0; i < 1000; i++) {
                    w.append(access(i % 2 == 0 ? EventKind.MISS : EventKind.HIT, t++, orders, i));
                }
                for (int i = 0; i < 10; i++) {
                    w.append(access(EventKind.HIT, t++, 102, i % 5));
                }
            }
            for (int i = 0; i < 200; i++) {
                w.append(access(EventKind.HIT, t++, orders + 1, i % 300));
            }
            for (int i = 0; i < 5; i++) {
                w.append(access(EventKind.HIT, t++, 1259, i));
            }
            w.metadata().endMonotonicNs = T0 + (t + 10) * 1_000_000L;
            w.finish("complete", "signal SIGTERM", true);
        }
        return dir;
    }

    static Compare.Options options(Path a, Path b) {
        return new Compare.Options(a, b, "before", "after", null, false, ReportOptions.DEFAULT_BINS, true, null,
                false);
    }

    static Compare golden(Path tmp) {
        return Compare.load(options(session(tmp.resolve("a"), false), session(tmp.resolve("b"), true)), n -> { });
    }

    @Test
    void theJsonMatchesRelationsByNameWithTheirFiguresAndChanges() throws Exception {
        JsonNode doc = new ObjectMapper().readTree(golden(tmp).json());
        assertEquals(1, doc.get("version").asInt());
        assertEquals("16MB", doc.at("/a/sharedBuffers").asText());
        assertEquals("128MB", doc.at("/b/sharedBuffers").asText());
        JsonNode settings = doc.get("settings");
        assertTrue(settings.findValuesAsText("name").contains("shared_buffers"));
        for (JsonNode s : settings) {
            assertEquals(s.get("name").asText().equals("shared_buffers"), s.get("differs").asBoolean(), s.toString());
        }
        JsonNode orders = relation(doc, "public.orders");
        assertEquals(1000, orders.at("/a/accesses").asLong());
        assertEquals(500, orders.at("/a/misses").asLong());
        assertEquals(1500, orders.at("/b/accesses").asLong());
        assertEquals(50, orders.at("/b/misses").asLong());
        assertEquals(7, orders.at("/b/writes").asLong());
        assertEquals(-450, orders.at("/change/misses").asLong());
        assertEquals(500, orders.at("/change/accesses").asLong());
        assertEquals(1000, orders.at("/b/distinctBlocks").asLong());
        assertEquals(0.5, orders.at("/a/hitRatio").asDouble(), 1e-9);
        assertEquals(1450.0 / 1500 - 0.5, orders.at("/change/hitRatio").asDouble(), 1e-9);
        JsonNode sku = relation(doc, "public.orders_sku");
        assertTrue(sku.get("a").isNull(), "only in B");
        assertEquals(20, sku.at("/b/misses").asLong());
        assertTrue(relation(doc, "public.old_orders").get("b").isNull(), "only in A");
        assertEquals(200, relation(doc, "public.orders_pkey").at("/a/accesses").asLong());
        assertEquals(0, relation(doc, "public.orders_pkey").at("/change/accesses").asLong());
        assertTrue(relation(doc, "pg_catalog.pg_class").get("system").asBoolean());
        assertEquals(5, doc.get("relations").size());
        // totals: A 1,000 + 10 + 200 + 5 accesses, 500 misses; B 1,500 + 50 + 200 + 5, 70 misses
        assertEquals(1215, doc.at("/totals/a/accesses").asLong());
        assertEquals(1755, doc.at("/totals/b/accesses").asLong());
        assertEquals(500, doc.at("/totals/a/misses").asLong());
        assertEquals(70, doc.at("/totals/b/misses").asLong());
        assertEquals(-430, doc.at("/totals/change/misses").asLong());
    }

    private static JsonNode relation(JsonNode doc, String name) {
        for (JsonNode r : doc.get("relations")) {
            if (r.get("name").asText().equals(name)) {
                return r;
            }
        }
        throw new AssertionError(name + " not in " + doc.get("relations"));
    }

    @Test
    void theHtmlTableShowsTheSameNumbersAsTheJson() throws Exception {
        Compare c = golden(tmp);
        String html = new String(c.html(), StandardCharsets.UTF_8);
        JsonNode doc = new ObjectMapper().readTree(c.json());
        for (JsonNode r : doc.get("relations")) {
            List<String> cells = cells(html, r.get("name").asText());
            List<String> want = new ArrayList<>();
            for (String f : new String[]{"accesses", "misses", "hitRatio", "distinctBlocks", "writes"}) {
                for (String side : new String[]{"a", "b"}) {
                    JsonNode v = r.get(side).isNull() ? null : r.get(side).get(f);
                    want.add(v == null || v.isNull() ? "-" : f.equals("hitRatio")
                            ? String.format(java.util.Locale.ROOT, "%.1f%%", v.asDouble() * 100)
                            : String.format(java.util.Locale.ROOT, "%,d", v.asLong()));
                }
                JsonNode d = r.get("change").get(f);
                want.add(r.get("a").isNull() ? "only B" : r.get("b").isNull() ? "only A" : f.equals("hitRatio")
                        ? Math.abs(d.asDouble()) < 0.0005 ? "0.0" : String.format(java.util.Locale.ROOT, "%+.1f",
                        d.asDouble() * 100).replace('-', '\u2212')
                        : Compare.signed(d.asLong()));
            }
            assertEquals(want, cells, r.get("name").asText());
        }
        assertEquals(List.of("1,000", "1,500", "+500", "500", "50", "\u2212450", "50.0%", "96.7%", "+46.7",
                "1,000", "1,000", "0", "0", "7", "+7"), cells(html, "public.orders"));
        assertTrue(html.contains("shared_buffers: 16MB (2,048 buffers) in A, 128MB (16,384 buffers) in B."), html);
        assertTrue(html.contains("public.orders: 500 misses in A, 50 in B; hit ratio 50.0% \u2192 96.7%."));
        assertTrue(html.contains("Accessed only in B: public.orders_sku (index)."));
        assertTrue(html.contains("Accessed only in A: public.old_orders (table)."));
        assertFalse(html.contains("http://") && html.contains("<script src"), "self-contained");
    }

    /** The cells of a relation's row, as written (entities decoded). */
    static List<String> cells(String html, String relation) {
        int row = html.indexOf("data-relation=\"" + relation + "\"");
        assertTrue(row > 0, relation + " has a row");
        String tr = html.substring(row, html.indexOf("</tr>", row));
        Matcher m = Pattern.compile("<td class=\"(?:a|b|change[^\"]*)\">([^<]*)</td>").matcher(tr);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1).replace("&minus;", "\u2212"));
        }
        return out;
    }

    /**
     * A relation's two heatmaps share one colour scale: B's hottest cell (the 50 misses in one column) is the
     * hottest colour, and A's equal-count cells get the colour of B's equal-count cells.
     */
    @Test
    void bothHeatmapsOfARelationAreColouredOnOneScale() {
        String html = new String(golden(tmp).html(), StandardCharsets.UTF_8);
        int at = html.indexOf("<h3><span>public.orders</span>");
        assertTrue(at > 0, "public.orders is drawn side by side");
        String section = html.substring(at, html.indexOf("</section>", at));
        List<String> heatmaps = new ArrayList<>();
        Matcher m = Pattern.compile("<svg[^>]*class=\"heatmap\".*?</svg>", Pattern.DOTALL).matcher(section);
        while (m.find()) {
            heatmaps.add(m.group());
        }
        assertEquals(2, heatmaps.size(), "A's and B's");
        String legendMax = section.replaceAll("(?s).*<svg[^>]*class=\"legend\".*?>1</text>.*?>([\\d,]+)</text>.*",
                "$1");
        long max = Math.max(maxCount(heatmaps.get(0)), maxCount(heatmaps.get(1)));
        assertEquals(String.format(java.util.Locale.ROOT, "%,d", max), legendMax, "the legend's top is both sides' max");
        // A's busiest cell is below the shared max and so is not drawn in the hottest colour; B's is
        assertTrue(maxCount(heatmaps.get(0)) < max, "A is the quieter side here");
        assertFalse(heatmaps.get(0).contains("class=\"h9\""), "A's cells are scaled against B's max");
        assertTrue(heatmaps.get(1).contains("class=\"h9\""));
    }

    /** The largest access count in a heatmap's tooltips. */
    static long maxCount(String svg) {
        Matcher m = Pattern.compile("<title>[^<]*?: ([^<]*)</title>").matcher(svg);
        long max = 0;
        while (m.find()) {
            long n = 0;
            Matcher c = Pattern.compile("([\\d,]+) (?:hits?|miss(?:es)?|extends?)").matcher(m.group(1));
            while (c.find()) {
                n += Long.parseLong(c.group(1).replace(",", ""));
            }
            max = Math.max(max, n);
        }
        return max;
    }
}
