package io.pgbftrace.session;

import java.util.Locale;

/** Counts in words for people, shared by every view: "1 access", "2,048 accesses", "1 miss", "3 misses". */
public final class Words {
    private Words() {
    }

    public static String count(long n, String singular) {
        return String.format(Locale.ROOT, "%,d %s", n, n == 1 ? singular : plural(singular));
    }

    static String plural(String singular) {
        if (singular.endsWith("ss") || singular.endsWith("x") || singular.endsWith("ch")) {
            return singular.endsWith("ex") ? singular.substring(0, singular.length() - 2) + "exes" : singular + "es";
        }
        if (singular.endsWith("y") && !singular.endsWith("ay") && !singular.endsWith("ey")) {
            return singular.substring(0, singular.length() - 1) + "ies";
        }
        return singular + "s";
    }
}
