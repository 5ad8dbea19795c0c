package io.pgbftrace.report;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Debian's headless Chromium driven by Debian's chromedriver, both named explicitly so Selenium never tries to
 * download a driver or browser, with the flags that keep it from calling outside hosts.
 */
public final class Browser {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private Browser() {
    }

    /** Fails under CI=true when the browser is missing; skips elsewhere. */
    public static void require() {
        boolean ok = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String why = "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)";
        if ("true".equals(System.getenv("CI"))) {
            Assertions.assertTrue(ok, "CI=true and " + why);
        } else {
            Assumptions.assumeTrue(ok, why);
        }
    }

    public static ChromeDriver start(Path profileDir, int width, int height) throws IOException {
        return start(profileDir, width, height, false);
    }

    /** With {@code dark}, the page sees prefers-color-scheme: dark, as on a system in dark mode. */
    public static ChromeDriver start(Path profileDir, int width, int height, boolean dark) throws IOException {
        // Selenium warns that it has no DevTools bindings for this exact Chromium; WebDriver itself is enough
        java.util.logging.Logger.getLogger("org.openqa.selenium").setLevel(java.util.logging.Level.SEVERE);
        Files.createDirectories(profileDir);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--user-data-dir=" + profileDir.toAbsolutePath(), "--window-size=" + width + "," + height);
        if (dark) {
            options.addArguments("--force-dark-mode", "--blink-settings=preferredColorScheme=0");
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
