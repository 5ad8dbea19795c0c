package io.pgbftrace.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The comparison of the two golden sessions as real Chromium shows it, light and dark. */
@ExtendWith(LeakCheck.class)
class CompareBrowserTest {
    @TempDir
    Path tmp;

    @Test
    void aRelationsTwoHeatmapsStandSideBySideLitWithTheirOwnTooltips() throws Exception {
        Browser.require();
        Path out = tmp.resolve("compare.html");
        Files.write(out, CompareTest.golden(tmp).html());
        for (boolean dark : new boolean[]{false, true}) {
            String mode = dark ? "dark" : "light";
            ChromeDriver driver = Browser.start(tmp.resolve("profile-" + mode), 1500, 1400, dark);
            try {
                driver.get(out.toUri().toString());
                String text = (String) driver.executeScript("return document.body.innerText");
                assertTrue(text.contains("shared_buffers: 16MB (2,048 buffers) in A, 128MB (16,384 buffers) in B."),
                        text);
                assertTrue(text.contains("not accessed in A"), "orders_sku has no heatmap in A: " + text);
                driver.executeScript("document.querySelector('section.pair').scrollIntoView()");
                @SuppressWarnings("unchecked")
                List<Map<String, Number>> boxes = (List<Map<String, Number>>) driver.executeScript(
                        "return [...document.querySelector('section.pair').querySelectorAll('svg.heatmap:not(.io)')]"
                        + ".map(s => { const r = s.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width,"
                        + " h: r.height}; })");
                assertEquals(2, boxes.size(), "A's and B's heatmap of the busiest relation");
                Map<String, Number> a = boxes.get(0);
                Map<String, Number> b = boxes.get(1);
                assertTrue(a.get("x").doubleValue() + a.get("w").doubleValue() <= b.get("x").doubleValue(),
                        "side by side: " + boxes);
                assertEquals(a.get("y").doubleValue(), b.get("y").doubleValue(), 2, "on one line: " + boxes);
                assertTrue(a.get("w").doubleValue() > 500, "readable: " + boxes);
                java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
                        driver.getScreenshotAs(OutputType.BYTES)));
                for (Map<String, Number> box : boxes) {
                    assertTrue(lit(img, box) > 100, mode + ": pixels lit in the heatmap at " + box);
                }
                for (Map<String, Number> box : boxes) {
                    // the centre of the heatmap's first cell, as a browser's hover finds it
                    @SuppressWarnings("unchecked")
                    List<Number> c = (List<Number>) driver.executeScript("const svg = [...document.querySelector("
                            + "'section.pair').querySelectorAll('svg.heatmap:not(.io)')][arguments[0]];"
                            + "const r = svg.querySelector('rect[class^=h]').getBoundingClientRect();"
                            + "return [r.x + r.width / 2, r.y + r.height / 2];", box == a ? 0 : 1);
                    new org.openqa.selenium.interactions.Actions(driver).moveToLocation(c.get(0).intValue(),
                            c.get(1).intValue()).perform();
                    String tip = (String) driver.executeScript(ReportBrowserTest.TOOLTIP_AT, c.get(0), c.get(1));
                    assertTrue(tip != null && tip.matches(".* s, blocks? [\\d,-]+: .*(hit|miss).*"), mode + ": " + tip);
                }
                Files.write(Path.of("target", "compare-" + mode + ".png"), driver.getScreenshotAs(OutputType.BYTES));
            } finally {
                driver.quit();
            }
        }
    }

    /** Pixels inside a box that differ from its top-left corner (the panel behind it). */
    private static long lit(java.awt.image.BufferedImage img, Map<String, Number> box) {
        int x0 = box.get("x").intValue();
        int y0 = box.get("y").intValue();
        int panel = img.getRGB(x0 + 2, y0 + 2) & 0xFFFFFF;
        long lit = 0;
        for (int x = x0 + 50; x < Math.min(img.getWidth(), x0 + box.get("w").intValue() - 10); x += 2) {
            for (int y = y0 + 8; y < Math.min(img.getHeight(), y0 + box.get("h").intValue() - 40); y += 2) {
                if ((img.getRGB(x, y) & 0xFFFFFF) != panel) {
                    lit++;
                }
            }
        }
        return lit;
    }
}
