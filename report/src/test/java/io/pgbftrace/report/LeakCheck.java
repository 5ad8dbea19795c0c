package io.pgbftrace.report;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * After a test class: no thread of ours (replay server, background pass) still runs and no session file is still
 * open, as Chronicle's own tests check after each test. Reads the JVM's open files from /proc/self/fd.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
    private Set<String> filesBefore;

    @Override
    public void beforeAll(ExtensionContext context) {
        filesBefore = sessionFiles();
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        List<String> threads = new ArrayList<>();
        List<String> files = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 5_000; // closing is asynchronous in the JDK's HTTP server
        do {
            threads = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                    .filter(n -> n.startsWith("pgbftrace-") || n.toLowerCase().contains("chronicle")).sorted()
                    .toList();
            files = sessionFiles().stream().filter(f -> !filesBefore.contains(f)).sorted().toList();
            if (threads.isEmpty() && files.isEmpty()) {
                return;
            }
            Thread.sleep(50);
        } while (System.currentTimeMillis() < deadline);
        assertEquals(List.of(), threads, "threads left running after " + context.getDisplayName());
        assertEquals(List.of(), files, "session files left open after " + context.getDisplayName());
    }

    /** Open files of this JVM that belong to sessions (event logs and metadata). */
    static Set<String> sessionFiles() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    return ""; // closed while listing
                }
            }).filter(f -> f.endsWith(".cq4") || f.endsWith(".cq4t") || f.endsWith("session.json"))
                    .collect(Collectors.toSet());
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd", e);
        }
    }
}
