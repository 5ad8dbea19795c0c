package io.pgbftrace.report;

import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SvgTest {
    @Test
    void numbersKeepOneDecimalAsFormatWould() {
        for (double v : new double[]{0, 3, 3.04, 3.05, 3.25, 12.96, -0.5, -2.25, 1234.56, 0.04}) {
            long tenths = Math.round(v * 10);
            String expected = tenths % 10 == 0 ? Long.toString(tenths / 10)
                    : String.format(Locale.ROOT, "%.1f", tenths / 10.0);
            assertEquals(expected, Svg.n(v), Double.toString(v));
        }
    }
}
