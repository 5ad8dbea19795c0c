package io.pgbftrace.session;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A file a command writes (a report, later an export or a pack), written so that nothing else is ever harmed:
 * only a new or regular file is replaced, never a device, FIFO, folder or the target of a symbolic link, and never
 * a file inside a session folder. The content goes to a temporary file created exclusively (no link followed) in
 * the same folder, and is renamed over the target only when it is complete; a failure leaves the target as it
 * was and no temporary file behind.
 */
public final class OutputFile {
    /** The name that means standard output. */
    public static final String STDOUT = "-";
    private static final Set<PosixFilePermission> NEW_FILE = PosixFilePermissions.fromString("rw-r--r--");

    /** Writes the content to a stream. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private OutputFile() {
    }

    /** Whether the option names standard output. */
    public static boolean isStdout(Path out) {
        return out.toString().equals(STDOUT);
    }

    /**
     * Refuses, as a usage error, an output that must not be written; call it before any long work.
     *
     * @param option how the user named it, e.g. "-o", for the message
     */
    public static void check(Path out, String option) {
        String what = option + " " + out;
        if (Files.isSymbolicLink(out)) {
            throw PgbftraceException.usage(what + " is a symbolic link; pgbftrace writes only regular files: give"
                    + " the real path or another name");
        }
        if (Files.isDirectory(out, LinkOption.NOFOLLOW_LINKS)) {
            throw PgbftraceException.usage(what + " is a folder; give a file name");
        }
        if (Files.exists(out, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(out, LinkOption.NOFOLLOW_LINKS)) {
            throw PgbftraceException.usage(what + " is not a regular file (a device, FIFO or socket); give a file"
                    + " name, or " + option + " " + STDOUT + " for standard output");
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw PgbftraceException.usage(what + ": folder " + parent + " does not exist");
        }
        Path session = enclosingSession(parent);
        if (session != null) {
            throw PgbftraceException.usage(what + " is inside the session folder " + session + "; write it"
                    + " elsewhere (pgbftrace never changes a session it reads)");
        }
    }

    /** The session folder that holds this folder (or is it), or null. */
    static Path enclosingSession(Path folder) {
        Path p;
        try {
            p = folder.toRealPath();
        } catch (IOException e) {
            p = folder.toAbsolutePath().normalize();
        }
        for (; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(SessionFormat.METADATA_FILE))
                    && Files.isDirectory(p.resolve(SessionFormat.QUEUE_DIR))) {
                return p;
            }
        }
        return null;
    }

    /**
     * Writes bytes to {@code stdout} when the output is "-", else to the file as {@link #write} does.
     *
     * @param what what the bytes are, for the error message ("the report")
     */
    public static void write(Path out, String option, byte[] bytes, java.io.OutputStream stdout, String what) {
        if (isStdout(out)) {
            try {
                stdout.write(bytes);
                stdout.flush();
            } catch (IOException e) {
                throw new PgbftraceException("cannot write " + what + " to standard output: " + e.getMessage(), e);
            }
        } else {
            write(out, option, o -> o.write(bytes));
        }
    }

    /**
     * Checks the output, then writes it whole or not at all.
     *
     * @return the number of bytes written
     */
    public static long write(Path out, String option, Content content) {
        check(out, option);
        Path parent = out.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            // exclusive create with a random name: a planted file or link of that name cannot be followed
            tmp = Files.createTempFile(parent, "." + out.getFileName() + ".", ".tmp");
            long bytes;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                 OutputStream os = Channels.newOutputStream(ch)) {
                content.writeTo(os);
                os.flush();
                ch.force(true); // a full disk shows here, before the old file is replaced
                bytes = ch.size();
            }
            Set<PosixFilePermission> perms = Files.isRegularFile(out, LinkOption.NOFOLLOW_LINKS)
                    ? Files.getPosixFilePermissions(out, LinkOption.NOFOLLOW_LINKS) : NEW_FILE;
            Files.setPosixFilePermissions(tmp, perms);
            check(out, option); // the same checks again, just before the rename
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            return bytes;
        } catch (IOException e) {
            throw new PgbftraceException("cannot write " + out + ": " + reason(e, parent) + "; nothing was"
                    + " written", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the first error is the one to report
                }
            }
        }
    }

    /** The cause of an I/O failure in words, with what to do. */
    public static String reason(IOException e, Path folder) {
        if (isDiskFull(e)) {
            return "no space left on the device of " + folder + "; free some space or choose another place";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied in " + folder + "; choose another place";
        }
        String m = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** ENOSPC or EDQUOT, as Java reports them. */
    public static boolean isDiskFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }
}
