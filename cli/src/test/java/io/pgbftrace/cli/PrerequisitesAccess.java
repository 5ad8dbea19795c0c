package io.pgbftrace.cli;

/** Lets tests in other packages use {@link Prerequisites}. */
public final class PrerequisitesAccess {
    private PrerequisitesAccess() {
    }

    public static void requireTracing() {
        Prerequisites.requireTracing();
    }

    public static java.nio.file.Path embeddedPostgres(int major) {
        return Prerequisites.embeddedPostgres(major);
    }
}
