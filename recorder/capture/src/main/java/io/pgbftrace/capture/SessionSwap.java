package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Replaces an earlier session (--force) without ever losing it to a start that fails: the old folder is moved
 * aside (renamed, same file system) when the new session is created, deleted once the new one has really
 * started ({@link #commit()}), and moved back if it never did ({@link #rollback()}).
 */
final class SessionSwap {
    private final Path out;
    private final Path aside;

    private SessionSwap(Path out, Path aside) {
        this.out = out;
        this.aside = aside;
    }

    /** Moves an earlier session in {@code out} aside; with nothing there, a swap that does nothing. */
    static SessionSwap begin(Path out) {
        if (!Files.isDirectory(out, LinkOption.NOFOLLOW_LINKS) || isEmpty(out)) {
            return new SessionSwap(out, null);
        }
        Path aside = out.resolveSibling("." + out.getFileName() + ".replaced-" + ProcessHandle.current().pid());
        try {
            Files.move(out, aside);
        } catch (IOException e) {
            throw new PgbftraceException("cannot replace the session in " + out + " (moving it aside failed: "
                    + e.getMessage() + "); it is unchanged", e);
        }
        return new SessionSwap(out, aside);
    }

    /** The new session has started: the old one goes. */
    void commit() {
        if (aside != null) {
            deleteRecursively(aside);
        }
    }

    /** The new session never started: it goes, and the old one comes back. */
    void rollback() {
        if (aside == null) {
            return;
        }
        deleteRecursively(out);
        try {
            Files.move(aside, out);
        } catch (IOException e) {
            throw new PgbftraceException("the earlier session could not be moved back from " + aside + " to " + out
                    + ": " + e.getMessage() + "; move it back by hand", e);
        }
    }

    boolean replacing() {
        return aside != null;
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteRecursively(Path p) {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        } catch (IOException e) {
            throw new PgbftraceException("cannot delete " + p + ": " + e.getMessage(), e);
        }
    }
}
