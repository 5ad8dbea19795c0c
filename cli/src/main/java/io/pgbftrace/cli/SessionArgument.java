package io.pgbftrace.cli;

import io.pgbftrace.session.Pack;
import io.pgbftrace.session.PgbftraceException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A SESSION argument: a session folder, used as it is, or a packed session ({@code pgbftrace pack}), unpacked and
 * verified into a temporary folder that is deleted when the command ends (or, for a server, when the JVM does).
 */
final class SessionArgument implements AutoCloseable {
    static final String DESCRIPTION = "The session folder, or a file made by 'pgbftrace pack'.";

    private final Path folder;
    private final Path temporary;

    private SessionArgument(Path folder, Path temporary) {
        this.folder = folder;
        this.temporary = temporary;
    }

    static SessionArgument open(Path argument) {
        if (!Pack.looksLikeZip(argument)) {
            return new SessionArgument(argument, null);
        }
        Path tmp;
        try {
            tmp = Files.createTempDirectory("pgbftrace-unpacked-");
        } catch (IOException e) {
            throw new PgbftraceException("cannot unpack " + argument + ": no temporary folder (" + e.getMessage()
                    + ")", e);
        }
        Path folder = tmp.resolve(sessionName(argument));
        try {
            Pack.unpack(argument, folder);
        } catch (RuntimeException e) {
            Pack.deleteTree(tmp);
            throw e;
        }
        return new SessionArgument(folder, tmp);
    }

    /** The session's name, for default output files: the folder's, or the pack's without its suffix. */
    static String name(Path argument) {
        return Pack.looksLikeZip(argument) ? sessionName(argument)
                : String.valueOf(argument.toAbsolutePath().normalize().getFileName());
    }

    /** The session's name as the pack's file name gives it ("shop.pgbftrace.zip": "shop"). */
    private static String sessionName(Path pack) {
        String name = pack.getFileName().toString();
        for (String suffix : new String[]{Pack.SUFFIX, ".zip"}) {
            if (name.endsWith(suffix) && name.length() > suffix.length()) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return name;
    }

    Path folder() {
        return folder;
    }

    /** Keeps an unpacked folder until the JVM ends (a server that outlives the command's call). */
    SessionArgument keepUntilExit() {
        if (temporary != null) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> Pack.deleteTree(temporary)));
        }
        return this;
    }

    @Override
    public void close() {
        if (temporary != null) {
            Pack.deleteTree(temporary);
        }
    }
}
