package io.pgbftrace.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opens a report from file:// in real headless Chromium and looks at what it renders. */
@ExtendWith(LeakCheck.class)
class ReportBrowserTest {
    @TempDir
    Path tmp;

    @Test
    void theReportRendersInChromium() throws Exception {
        Browser.require();
        Path out = tmp.resolve("report.html");
        HtmlReport.write(HtmlReportTest.options(GoldenSession.write(tmp.resolve("golden"), true)), out, n -> { });
        ChromeDriver driver = Browser.start(tmp.resolve("profile"), 1280, 1600);
        try {
            driver.get(out.toUri().toString());
            long height = ((Number) driver.executeScript("return document.documentElement.scrollHeight")).longValue();
            assertTrue(height > 1500, "page height " + height);
            long svgs = ((Number) driver.executeScript("return document.querySelectorAll('svg').length")).longValue();
            long sections = ((Number) driver.executeScript(
                    "return document.querySelectorAll('section.relation').length")).longValue();
            assertEquals(3, sections);
            assertTrue(svgs >= 1 + 3 * 3, "timeline + heatmap, strip and legend per section: " + svgs);
            long drawn = ((Number) driver.executeScript("return [...document.querySelectorAll('svg.heatmap')]"
                    + ".filter(s => s.getBoundingClientRect().width > 300 && s.getBoundingClientRect().height > 100)"
                    + ".length")).longValue();
            assertTrue(drawn >= 3, "heatmaps laid out at a readable size: " + drawn);
            byte[] png = driver.getScreenshotAs(OutputType.BYTES);
            Path shot = Path.of("target", "report-screenshot.png");
            Files.createDirectories(shot.getParent());
            Files.write(shot, png);
            assertTrue(png.length > 20_000, "a blank page would be tiny: " + png.length);
            Files.copy(out, Path.of("target", "report-golden.html"), StandardCopyOption.REPLACE_EXISTING);
        } finally {
            driver.quit();
        }
    }

    /**
     * In every sample's report, no two text labels of one chart overlap as laid out by the browser (tick labels,
     * idle-break labels, legends). The tour's two idle seconds close together once printed "1.0 s i1.0 s idle".
     */
    @Test
    void noTwoLabelsOfAChartOverlapInTheSampleReports() throws Exception {
        Browser.require();
        List<Path> reports;
        try (var s = Files.list(Path.of("..", "samples"))) {
            reports = s.map(d -> d.resolve("report.html")).filter(Files::exists).sorted().toList();
        }
        assertTrue(reports.size() >= 9, "the samples' reports: " + reports);
        ChromeDriver driver = Browser.start(tmp.resolve("profile"), 1000, 1200);
        try {
            for (Path report : reports) {
                driver.get(report.toAbsolutePath().toUri().toString());
                Object overlaps = driver.executeScript("""
                        const out = [];
                        for (const svg of document.querySelectorAll('svg')) {
                          const boxes = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect()])
                            .filter(([, r]) => r.width > 0);
                          for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
                            const [a, ra] = boxes[i], [b, rb] = boxes[j];
                            if (ra.left < rb.right - 0.5 && rb.left < ra.right - 0.5 && ra.top < rb.bottom - 0.5
                                && rb.top < ra.bottom - 0.5) out.push(a + ' / ' + b);
                          }
                        }
                        return out;""");
                assertEquals(List.of(), overlaps, report + ": labels drawn over each other");
            }
        } finally {
            driver.quit();
        }
    }

    /**
     * The PostgreSQL 18 sample: its header names the io_method, and its latency chart, drawn with bars, says that
     * an asynchronous read's latency includes its wait for an I/O worker; a PostgreSQL 15 sample's says page cache.
     */
    @Test
    void anAsynchronousReadsLatencyIsExplainedAsSuch() throws Exception {
        Browser.require();
        ChromeDriver driver = Browser.start(tmp.resolve("profile"), 1280, 1200);
        try {
            driver.get(Path.of("..", "samples", "seqscan-async", "report.html").toAbsolutePath().toUri().toString());
            String text = (String) driver.executeScript("return document.body.innerText");
            assertTrue(text.contains("18.6 (Debian 18.6-3), io_method worker"), text);
            assertTrue(text.contains("Read latency (kernel reads, from the backend's issue to their completion: the"
                    + " time a read waited for an I/O worker is included"), text);
            long bars = ((Number) driver.executeScript("return [...document.querySelectorAll('svg.latency rect')]"
                    + ".filter(r => r.getBoundingClientRect().height > 2).length")).longValue();
            assertTrue(bars >= 3, "latency bars drawn: " + bars);
            driver.get(Path.of("..", "samples", "seqscan-small", "report.html").toAbsolutePath().toUri().toString());
            text = (String) driver.executeScript("return document.body.innerText");
            assertTrue(text.contains("Read latency (kernel reads; page-cache hits take microseconds"), text);
            assertTrue(!text.contains("io_method"), "15 has no io_method");
        } finally {
            driver.quit();
        }
    }

    /**
     * What a browser shows on hover: the {@code <title>} child of the element under the pointer or of its nearest
     * ancestor that has one (SVG's rule). Two different cells must give two different tooltips, each naming its
     * own blocks; a title written beside its shape would make every cell show the chart's first title.
     */
    static final String TOOLTIP_AT = """
            const [x, y] = arguments;
            let e = document.elementFromPoint(x, y);
            for (; e; e = e.parentElement) {
              const t = [...e.children].find(c => c.tagName.toLowerCase() === 'title');
              if (t) return t.textContent;
            }
            return null;""";

    @Test
    void hoveringTwoCellsGivesTheirOwnTooltips() throws Exception {
        Browser.require();
        Path out = tmp.resolve("report.html");
        HtmlReport.write(HtmlReportTest.options(GoldenSession.write(tmp.resolve("golden"), true)), out, n -> { });
        ChromeDriver driver = Browser.start(tmp.resolve("profile"), 1000, 1600);
        try {
            driver.get(out.toUri().toString());
            java.util.List<String> tips = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                // the first and the last cell of the first heatmap, scrolled into view, at their centres
                @SuppressWarnings("unchecked")
                java.util.List<Number> c = (java.util.List<Number>) driver.executeScript(
                        "const cells = document.querySelector('svg.heatmap').querySelectorAll('rect[class^=h]');"
                        + "const cell = cells[" + (i == 0 ? "0" : "cells.length - 1") + "];"
                        + "cell.scrollIntoView({block: 'center'}); const r = cell.getBoundingClientRect();"
                        + "return [r.x + r.width / 2, r.y + r.height / 2];");
                new org.openqa.selenium.interactions.Actions(driver).moveToLocation(c.get(0).intValue(),
                        c.get(1).intValue()).perform();
                tips.add((String) driver.executeScript(TOOLTIP_AT, c.get(0), c.get(1)));
            }
            assertTrue(tips.get(0) != null && tips.get(1) != null, tips.toString());
            assertTrue(!tips.get(0).equals(tips.get(1)), "two cells, two tooltips: " + tips);
            assertTrue(tips.get(0).matches(".* s, blocks? [\\d,-]+: .*hits?.*"), tips.get(0));
        } finally {
            driver.quit();
        }
    }

    /**
     * Printed, the report says nothing about hovering, and its colour keys keep their colours: backgrounds are
     * dropped by browsers when printing unless the page asks otherwise, and a legend of white squares explains
     * nothing. Checked under print media emulation, then by printing to PDF: the page's heat colours are in it.
     */
    @Test
    void printedTheReportKeepsItsColourKeysAndDropsHoverHints() throws Exception {
        Browser.require();
        Path out = tmp.resolve("report.html");
        HtmlReport.write(HtmlReportTest.options(GoldenSession.write(tmp.resolve("golden"), true)), out, n -> { });
        ChromeDriver driver = Browser.start(tmp.resolve("profile"), 1000, 1400);
        try {
            driver.get(out.toUri().toString());
            long hints = ((Number) driver.executeScript("return [...document.querySelectorAll('.hover-hint')]"
                    + ".filter(e => e.getClientRects().length > 0).length")).longValue();
            assertTrue(hints > 0, "on screen the page says what hovering shows");
            driver.executeCdpCommand("Emulation.setEmulatedMedia", java.util.Map.of("media", "print"));
            assertEquals(true, driver.executeScript("return matchMedia('print').matches"));
            assertEquals(0L, driver.executeScript("return [...document.querySelectorAll('.hover-hint')]"
                    + ".filter(e => e.getClientRects().length > 0).length"), "printed, no 'hover' hint is shown");
            @SuppressWarnings("unchecked")
            List<String> adjust = (List<String>) driver.executeScript("return [...document.querySelectorAll("
                    + "'.swatch, svg')].map(e => getComputedStyle(e).webkitPrintColorAdjust || getComputedStyle(e)"
                    + ".printColorAdjust)");
            assertTrue(!adjust.isEmpty() && adjust.stream().allMatch("exact"::equals),
                    "colour keys and charts print their colours: " + adjust);
            driver.executeCdpCommand("Emulation.setEmulatedMedia", java.util.Map.of("media", ""));
            String hottest = (String) driver.executeScript("const r = document.createElementNS("
                    + "'http://www.w3.org/2000/svg', 'rect'); r.setAttribute('class', 'h9');"
                    + " document.querySelector('svg.heatmap').appendChild(r); const f = getComputedStyle(r).fill;"
                    + " r.remove(); return f;");
            @SuppressWarnings("unchecked")
            java.util.Map<String, Object> pdf = driver.executeCdpCommand("Page.printToPDF",
                    java.util.Map.of("printBackground", false));
            byte[] bytes = java.util.Base64.getDecoder().decode((String) pdf.get("data"));
            Files.write(Path.of("target", "report-printed.pdf"), bytes);
            java.util.Set<String> fills = PdfColours.fills(bytes);
            String[] rgb = hottest.replaceAll("[^\\d,]", "").split(",");
            String want = String.join(",", rgb);
            assertTrue(fills.contains(want), "the printed PDF draws the hottest colour " + hottest + ": " + fills);
        } finally {
            driver.quit();
        }
    }

    /** WCAG contrast ratio of two CSS colours "rgb(r, g, b)". */
    static double contrast(String a, String b) {
        double la = luminance(a);
        double lb = luminance(b);
        return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
    }

    static double luminance(String css) {
        String[] p = css.replaceAll("[^\\d,.]", "").split(",");
        double[] c = new double[3];
        for (int i = 0; i < 3; i++) {
            double v = Double.parseDouble(p[i]) / 255;
            c[i] = v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
        }
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    }

    /** In light and in dark mode the hottest colour stands out from its panel (3:1 at least) and cells are lit. */
    @Test
    void theHottestColourStandsOutInLightAndDarkMode() throws Exception {
        Browser.require();
        Path out = tmp.resolve("report.html");
        HtmlReport.write(HtmlReportTest.options(GoldenSession.write(tmp.resolve("golden"), true)), out, n -> { });
        for (boolean dark : new boolean[]{false, true}) {
            ChromeDriver driver = Browser.start(tmp.resolve("profile-" + dark), 1000, 1400, dark);
            try {
                driver.get(out.toUri().toString());
                assertEquals(dark, driver.executeScript("return matchMedia('(prefers-color-scheme: dark)').matches"));
                String panel = (String) driver.executeScript(
                        "return getComputedStyle(document.querySelector('section.relation')).backgroundColor");
                String hottest = (String) driver.executeScript("const r = document.createElementNS("
                        + "'http://www.w3.org/2000/svg', 'rect'); r.setAttribute('class', 'h9');"
                        + " document.querySelector('svg.heatmap').appendChild(r); return getComputedStyle(r).fill;");
                double ratio = contrast(hottest, panel);
                assertTrue(ratio >= 3, (dark ? "dark" : "light") + ": " + hottest + " on " + panel + " is " + ratio);
                // what the screen shows: the first heatmap has cells that are neither panel nor page colour
                driver.executeScript("document.querySelector('svg.heatmap').scrollIntoView()");
                java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
                        driver.getScreenshotAs(OutputType.BYTES)));
                @SuppressWarnings("unchecked")
                java.util.Map<String, Number> box = (java.util.Map<String, Number>) driver.executeScript(
                        "const r = document.querySelector('svg.heatmap').getBoundingClientRect();"
                        + "return {x: r.x, y: r.y, w: r.width, h: r.height};");
                int panelRgb = img.getRGB(box.get("x").intValue() + 2, box.get("y").intValue() + 2) & 0xFFFFFF;
                long lit = 0;
                for (int x = box.get("x").intValue() + 70; x < box.get("x").intValue() + box.get("w").intValue() - 10; x += 2) {
                    for (int y = box.get("y").intValue() + 10; y < box.get("y").intValue() + 220; y += 2) {
                        if (x < img.getWidth() && y < img.getHeight() && (img.getRGB(x, y) & 0xFFFFFF) != panelRgb) {
                            lit++;
                        }
                    }
                }
                assertTrue(lit > 200, (dark ? "dark" : "light") + ": pixels lit in the heatmap: " + lit);
                Files.write(Path.of("target", "report-" + (dark ? "dark" : "light") + ".png"),
                        driver.getScreenshotAs(OutputType.BYTES));
            } finally {
                driver.quit();
            }
        }
    }

    /**
     * The miss-ratio curve of the seqscan-ring sample, light and dark: drawn (pixels lit in its plot), its points
     * hoverable with their sizes and predicted misses, the recorded ratio marked; at 16MB the model misses almost
     * every access (the ring), at 64MB about half (the second scan hits).
     */
    @Test
    void theMissRatioCurveIsDrawnAndItsPointsSayTheirSizes() throws Exception {
        Browser.require();
        Path out = tmp.resolve("ring.html");
        HtmlReport.write(HtmlReportTest.options(Path.of("..", "samples", "seqscan-ring", "session")), out, n -> { });
        for (boolean dark : new boolean[]{false, true}) {
            String mode = dark ? "dark" : "light";
            ChromeDriver driver = Browser.start(tmp.resolve("profile-curve-" + mode), 1000, 900, dark);
            try {
                driver.get(out.toUri() + "#whatif");
                driver.executeScript("document.getElementById('whatif').scrollIntoView()");
                @SuppressWarnings("unchecked")
                List<String> tips = (List<String>) driver.executeScript(
                        "return [...document.querySelectorAll('svg.curve-chart g.point')].map(g => {"
                        + " const c = g.querySelector('circle.curve-dot').getBoundingClientRect();"
                        + " const x = c.x + c.width / 2, y = c.y + c.height / 2;"
                        + " let e = document.elementFromPoint(x, y);"
                        + " for (; e; e = e.parentElement) { const t = [...e.children].find(k => k.tagName"
                        + ".toLowerCase() === 'title'); if (t) return t.textContent; } return null; })");
                assertEquals(7, tips.size(), "2MB to 128MB: " + tips);
                assertTrue(tips.get(3).startsWith("shared_buffers 16MB (2,048 buffers): 3,973 of"), tips.get(3));
                assertTrue(tips.get(3).endsWith("the model at the recorded size"), tips.get(3));
                assertTrue(tips.get(5).startsWith("shared_buffers 64MB (8,192 buffers): 2,005 of"), tips.get(5));
                long recorded = ((Number) driver.executeScript(
                        "return document.querySelectorAll('svg.curve-chart circle.recorded-dot').length")).longValue();
                assertEquals(2, recorded, "the recorded ratio and its key");
                java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
                        driver.getScreenshotAs(OutputType.BYTES)));
                @SuppressWarnings("unchecked")
                java.util.Map<String, Number> box = (java.util.Map<String, Number>) driver.executeScript(
                        "const r = document.querySelector('svg.curve-chart').getBoundingClientRect();"
                        + "return {x: r.x, y: r.y, w: r.width, h: r.height};");
                String curve = (String) driver.executeScript("return getComputedStyle(document.querySelector("
                        + "'svg.curve-chart line.curve')).stroke");
                String[] rgb = curve.replaceAll("[^\\d,]", "").split(",");
                int want = (Integer.parseInt(rgb[0]) << 16) | (Integer.parseInt(rgb[1]) << 8) | Integer.parseInt(rgb[2]);
                long lit = 0;
                for (int x = box.get("x").intValue(); x < box.get("x").intValue() + box.get("w").intValue(); x++) {
                    for (int y = box.get("y").intValue(); y < box.get("y").intValue() + box.get("h").intValue(); y++) {
                        if (x < img.getWidth() && y < img.getHeight() && (img.getRGB(x, y) & 0xFFFFFF) == want) {
                            lit++;
                        }
                    }
                }
                assertTrue(lit > 300, mode + ": pixels of the curve's colour " + curve + ": " + lit);
                Files.write(Path.of("target", "curve-" + mode + ".png"), driver.getScreenshotAs(OutputType.BYTES));
            } finally {
                driver.quit();
            }
        }
    }
}
