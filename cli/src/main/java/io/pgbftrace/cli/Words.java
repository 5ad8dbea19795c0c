package io.pgbftrace.cli;

import java.util.Locale;

/** Counts in words for people: "1 event", "2,048 events". */
final class Words {
    private Words() {
    }

    static String count(long n, String singular) {
        return String.format(Locale.ROOT, "%,d %s", n, n == 1 ? singular : singular + "s");
    }
}
