package io.pgbftrace.report;

import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.session.Event;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(LeakCheck.class)
class HtmlReportTest {
    @TempDir
    Path tmp;

    static ReportOptions options(Path session) {
        return new ReportOptions(session, null, false, null, null, ReportOptions.DEFAULT_BINS, true, null, false);
    }

    /** Parses the report with a strict XML parser: it fails on anything not well-formed. */
    static Document parse(Path html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(html.toFile());
    }

    static List<Element> byTag(Document d, String tag) {
        NodeList nodes = d.getElementsByTagName(tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add((Element) nodes.item(i));
        }
        return out;
    }

    /** Relation table rows: name -> cells. */
    static Map<String, List<String>> rows(Document d) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Element tr : byTag(d, "tr")) {
            if (!((Element) tr.getParentNode().getParentNode()).getAttribute("class").isEmpty()) {
                continue; // the statements and checkpoints tables
            }
            List<Element> tds = new ArrayList<>();
            NodeList cells = tr.getElementsByTagName("td");
            for (int i = 0; i < cells.getLength(); i++) {
                tds.add((Element) cells.item(i));
            }
            if (!tds.isEmpty()) {
                out.put(tds.get(0).getTextContent().trim(), tds.stream().map(e -> e.getTextContent().trim()).toList());
            }
        }
        return out;
    }

    static Element section(Document d, String name) {
        for (Element s : byTag(d, "section")) {
            if (s.getElementsByTagName("h3").item(0).getTextContent().trim().split("\\s+")[0].equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** A heatmap cell's tooltip counts hits, misses and extends: together, its accesses. */
    static final String ACCESS = "hits?|misse?s?|extends?";

    /** Sums the numbers before a word (a regex) over the <title>s of the section's svg of the given class. */
    static long sumTitles(Element section, String svgClass, String word) {
        long sum = 0;
        Pattern p = Pattern.compile("([\\d,]+) (?:" + word + ")\\b");
        NodeList svgs = section.getElementsByTagName("svg");
        for (int i = 0; i < svgs.getLength(); i++) {
            Element svg = (Element) svgs.item(i);
            if (!svg.getAttribute("class").equals(svgClass)) {
                continue;
            }
            NodeList titles = svg.getElementsByTagName("title");
            for (int j = 0; j < titles.getLength(); j++) {
                Matcher m = p.matcher(titles.item(j).getTextContent());
                while (m.find()) {
                    sum += Long.parseLong(m.group(1).replace(",", ""));
                }
            }
        }
        return sum;
    }

    @Test
    void theRelationTableHasTheSessionsNumbers() throws Exception {
        Path session = GoldenSession.write(tmp.resolve("golden"), true);
        Path out = tmp.resolve("report.html");
        HtmlReport.Result r = HtmlReport.write(options(session), out, n -> { });
        Document d = parse(out);
        Map<String, List<String>> rows = rows(d);
        // relation, database, kind, size, accesses, reads, hit ratio, writes, blocks, share, sequential
        assertEquals(List.of("public.orders", "shop", "table", "1,000", "1,060", "50", "94.3%", "20", "1,060",
                "84.0%", "100.0%"), rows.get("public.orders"));
        assertEquals("200", rows.get("public.orders_pkey").get(4));
        assertEquals("unknown", rows.get("relfilenode 16384/1663/77777").get(2));
        assertEquals("pg_catalog.pg_class", new ArrayList<>(rows.keySet()).get(3), "system catalogs come last");
        List<String> names = new ArrayList<>(rows.keySet());
        assertEquals(names.indexOf("public.orders") + 1, names.indexOf("public.orders_pkey"),
                "an index follows its table");
        assertEquals(3, r.heatmaps(), "orders, its index and the unknown file; system catalogs only on request");
        assertTrue(Files.readString(out).contains("golden &lt;session&gt; &amp; co"));
    }

    @Test
    void eventsCountedPerSliceSayNothingAboutSequentialReading() throws Exception {
        Path session = GoldenSession.write(tmp.resolve("golden"), true);
        HtmlReport.write(options(session), tmp.resolve("before.html"), n -> { });
        assertEquals("100.0%", rows(parse(tmp.resolve("before.html"))).get("public.orders").get(10));
        // the same events, as if they had been counted per slice (laid evenly over each slice in the drain's order)
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode m = (com.fasterxml.jackson.databind.node.ObjectNode)
                json.readTree(session.resolve("session.json").toFile());
        com.fasterxml.jackson.databind.node.ObjectNode b = m.with("bpftrace");
        b.put("output", "aggregate").put("sliceMs", 100);
        b.putArray("aggregated").addObject().put("fromNs", GoldenSession.T0).put("toNs",
                GoldenSession.T0 + 10 * GoldenSession.SECOND);
        json.writeValue(session.resolve("session.json").toFile(), m);
        HtmlReport.write(options(session), tmp.resolve("all.html"), n -> { });
        assertEquals("-", rows(parse(tmp.resolve("all.html"))).get("public.orders").get(10));
    }

    @Test
    void heatmapCellsSumToTheRelationsEvents() throws Exception {
        Path session = GoldenSession.write(tmp.resolve("golden"), true);
        for (int bins : new int[]{8, 120, 500}) {
            Path out = tmp.resolve("report-" + bins + ".html");
            HtmlReport.write(new ReportOptions(session, null, false, null, null, bins, true, null, false), out,
                    n -> { });
            Document d = parse(out);
            Element orders = section(d, "public.orders");
            assertEquals(1060, sumTitles(orders, "heatmap", ACCESS), "bins " + bins);
            assertEquals(50, sumTitles(orders, "heatmap io", "misse?s?"));
            assertEquals(10, sumTitles(orders, "heatmap io", "extends?"));
            assertEquals(20, sumTitles(orders, "heatmap io", "writes?"));
            assertEquals(1060, sumTitles(orders, "strip", "access(?:es)?"));
            assertEquals(50, sumTitles(orders, "latency", "reads?"));
            assertEquals(200, sumTitles(section(d, "public.orders_pkey"), "heatmap", ACCESS));
        }
    }

    @Test
    void theReportFetchesNothing() throws Exception {
        Path out = tmp.resolve("report.html");
        HtmlReport.write(options(GoldenSession.write(tmp.resolve("golden"), true)), out, n -> { });
        String html = Files.readString(out);
        Matcher refs = Pattern.compile("(?i)(?:src|href|xlink:href)\\s*=\\s*\"([^\"]*)\"").matcher(html);
        int checked = 0;
        while (refs.find()) {
            String url = refs.group(1).trim().toLowerCase();
            assertFalse(url.startsWith("http:") || url.startsWith("https:") || url.startsWith("//"), url);
            checked++;
        }
        assertTrue(checked > 0, "the anchors were looked at");
        Matcher css = Pattern.compile("(?i)url\\(\\s*['\"]?([^)'\"]*)").matcher(html);
        while (css.find()) {
            String url = css.group(1).toLowerCase();
            assertFalse(url.startsWith("http:") || url.startsWith("https:") || url.startsWith("//"), url);
        }
        assertFalse(html.contains("<script"), "no scripts at all");
        assertFalse(html.contains("<link "), "no linked stylesheets");
    }

    @Test
    void timelineMarkersCarryTheSqlText() throws Exception {
        Path out = tmp.resolve("report.html");
        HtmlReport.write(options(GoldenSession.write(tmp.resolve("golden"), true)), out, n -> { });
        Document d = parse(out);
        List<String> titles = new ArrayList<>();
        for (Element svg : byTag(d, "svg")) {
            if (svg.getAttribute("class").equals("timeline")) {
                NodeList t = svg.getElementsByTagName("title");
                for (int i = 0; i < t.getLength(); i++) {
                    titles.add(t.item(i).getTextContent());
                }
            }
        }
        assertTrue(titles.contains("0.000 s, pid 42: SELECT count(*) FROM orders WHERE note <> '<&>'"), titles.toString());
        assertTrue(titles.stream().anyMatch(t -> t.endsWith("checkpoint done")), titles.toString());
        // readable without hovering: the statements and checkpoints are listed with their numbers
        String html = Files.readString(out);
        assertTrue(html.contains("SELECT count(*) FROM orders WHERE note &lt;&gt; &#39;&lt;&amp;&gt;&#39;"), html);
        Element checkpoints = byTag(d, "table").stream().filter(t -> t.getAttribute("class").equals("checkpoints"))
                .findFirst().orElseThrow();
        NodeList cells = checkpoints.getElementsByTagName("td");
        assertEquals("20", cells.item(cells.getLength() - 1).getTextContent(), "the checkpointer's 20 writes");
    }

    @Test
    void aTimeWindowAndAGlobSelect() throws Exception {
        Path session = GoldenSession.write(tmp.resolve("golden"), true);
        Path out = tmp.resolve("window.html");
        HtmlReport.write(new ReportOptions(session, "public.orders", false, 2.5, 4.5, 60, false, "window", false), out,
                n -> { });
        Document d = parse(out);
        Map<String, List<String>> rows = rows(d);
        assertEquals(List.of("public.orders"), new ArrayList<>(rows.keySet()));
        assertEquals("60", rows.get("public.orders").get(4), "50 misses and 10 extends fall in 2.5-4.5 s");
        assertTrue(Files.readString(out).contains("<title>window</title>"));
    }

    @Test
    void emptyAndIncompleteSessionsStillGiveAReportThatSaysSo() throws Exception {
        Path empty = tmp.resolve("empty");
        try (SessionWriter w = SessionWriter.create(empty, new SessionMetadata())) {
            w.finish("complete", "imported", true);
        }
        Path out = tmp.resolve("empty.html");
        HtmlReport.write(options(empty), out, n -> { });
        parse(out);
        assertTrue(Files.readString(out).contains("No relation was accessed in this window."));

        Path incomplete = GoldenSession.write(tmp.resolve("killed"), false);
        Path out2 = tmp.resolve("killed.html");
        HtmlReport.write(options(incomplete), out2, n -> { });
        String html = Files.readString(out2);
        assertTrue(html.contains("incomplete: the recorder stopped without finishing it"), html);
        assertTrue(rows(parse(out2)).containsKey("public.orders"));
    }

    @Test
    void aBadOutputIsOneLine() {
        Path session = GoldenSession.write(tmp.resolve("golden"), true);
        PgbftraceException e = assertThrows(PgbftraceException.class,
                () -> HtmlReport.write(options(session), tmp.resolve("no/such/dir/r.html"), n -> { }));
        assertTrue(e.isUsage());
        assertEquals("-o " + tmp.resolve("no/such/dir/r.html") + ": folder " + tmp.resolve("no/such/dir")
                + " does not exist", e.getMessage());
        e = assertThrows(PgbftraceException.class, () -> HtmlReport.write(options(session), tmp, n -> { }));
        assertTrue(e.getMessage().endsWith("is a folder; give a file name"), e.getMessage());
    }

    @Test
    void anyReportStaysUnderFiveMegabytes() throws Exception {
        Path big = tmp.resolve("big");
        Random rnd = new Random(3);
        int relations = 150;
        try (SessionWriter w = SessionWriter.create(big, new SessionMetadata())) {
            for (int r = 0; r < relations; r++) {
                w.appendRelation(new Relation(1, "db", 1663, 20000 + r, 20000 + r, "public", "t" + r, "table",
                        "permanent", null, null, 100_000L, false, false, 0, "start"));
            }
            for (int i = 0; i < 2_000_000; i++) {
                int r = rnd.nextInt(relations);
                EventKind k = rnd.nextInt(10) == 0 ? EventKind.MISS : EventKind.HIT;
                w.append(Event.access(k, 1_000L * i, 100 + rnd.nextInt(20), 1, 1663, 20000 + r, 0,
                        rnd.nextInt(100_000), false));
                if (i % 1000 == 0) {
                    w.append(Event.query(1_000L * i, 100, "SELECT " + i));
                }
            }
            w.finish("complete", "test", true);
        }
        Path out = tmp.resolve("big.html");
        HtmlReport.Result r = HtmlReport.write(new ReportOptions(big, null, false, null, null, 500, true, null,
                false), out, n -> { });
        long size = Files.size(out);
        assertTrue(size < 5_000_000, "report of 2M random events over 150 relations is " + size + " bytes");
        assertTrue(r.heatmaps() > 0);
        parse(out);
    }
}
