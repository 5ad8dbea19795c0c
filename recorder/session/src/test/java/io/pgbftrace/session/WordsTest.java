package io.pgbftrace.session;

import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WordsTest {
    @Test
    void groupedReadsAsTheFormattersCommaFlag() {
        for (long n : new long[]{0, 7, 999, 1000, -1000, 12_345, -999_999, 1_000_000, 20_000_000, Long.MAX_VALUE,
                Long.MIN_VALUE}) {
            assertEquals(String.format(Locale.ROOT, "%,d", n), Words.grouped(n), Long.toString(n));
        }
    }

    @Test
    void countsInWords() {
        assertEquals("1 miss", Words.count(1, "miss"));
        assertEquals("2,048 accesses", Words.count(2048, "access"));
    }
}
