package io.pgbftrace.report;

import io.pgbftrace.session.PgbftraceException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The colours: palette/palette.css (one file for the report and the replay page) names them; charts use its
 * classes. Here only the scale position of a count and the stylesheet's text.
 */
public final class Palette {
    private Palette() {
    }

    /** Position of a count on the scale, 0..1. */
    static double level(long count, long max, boolean log) {
        if (count <= 0 || max <= 0) {
            return 0;
        }
        return log ? Math.log1p(count) / Math.log1p(max) : (double) count / max;
    }

    /** The stylesheet, from the build. */
    public static String css() {
        try (InputStream in = Palette.class.getResourceAsStream("/palette/palette.css")) {
            if (in == null) {
                throw new PgbftraceException("palette/palette.css is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PgbftraceException("cannot read palette/palette.css: " + e.getMessage(), e);
        }
    }
}
