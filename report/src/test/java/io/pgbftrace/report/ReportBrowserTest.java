package io.pgbftrace.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
