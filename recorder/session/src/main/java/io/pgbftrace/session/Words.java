package io.pgbftrace.session;

/** Counts in words for people, shared by every view: "1 access", "2,048 accesses", "1 miss", "3 misses". */
public final class Words {
    private Words() {
    }

    public static String count(long n, String singular) {
        return grouped(n) + " " + (n == 1 ? singular : plural(singular));
    }

    /** {@code n} with thousands separated by commas, as {@code %,d} (without a Formatter: reports call it per cell). */
    public static String grouped(long n) {
        String digits = Long.toString(n);
        int sign = n < 0 ? 1 : 0;
        int length = digits.length() - sign;
        if (length <= 3) {
            return digits;
        }
        StringBuilder b = new StringBuilder(digits.length() + length / 3).append(digits, 0, sign);
        for (int i = 0; i < length; i++) {
            if (i > 0 && (length - i) % 3 == 0) {
                b.append(',');
            }
            b.append(digits.charAt(sign + i));
        }
        return b.toString();
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
