package io.pgbftrace.cli;

import io.pgbftrace.session.SessionFormat;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Where the bundled scenarios and samples are: scenarios in the jar, samples in the checkout. */
final class DemoResources {
    private DemoResources() {
    }

    static String text(String scenario) {
        return io.pgbftrace.demo.Demo.bundledText(scenario);
    }

    /**
     * samples/NAME/session of this checkout: PGBFTRACE_HOME (the launcher sets it), else found from where this
     * code runs (cli/target/...).
     */
    static Optional<Path> sample(String name, Map<String, String> env) {
        Path start = env.containsKey("PGBFTRACE_HOME") ? Path.of(env.get("PGBFTRACE_HOME")) : codeLocation();
        for (Path p = start; p != null; p = p.getParent()) {
            Path session = p.resolve("samples").resolve(name).resolve("session");
            if (Files.isRegularFile(session.resolve(SessionFormat.METADATA_FILE))) {
                return Optional.of(session);
            }
        }
        return Optional.empty();
    }

    private static Path codeLocation() {
        try {
            return Path.of(DemoResources.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("").toAbsolutePath();
        }
    }
}
