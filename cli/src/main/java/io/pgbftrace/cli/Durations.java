package io.pgbftrace.cli;

import picocli.CommandLine;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations as people type them: 500ms, 30s, 5m, 2h, or a plain number of seconds. */
public final class Durations implements CommandLine.ITypeConverter<Duration> {
    /** Longer would overflow the nanosecond clock arithmetic; nobody records for longer anyway. */
    static final Duration MAX = Duration.ofDays(365);
    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
        Matcher m = FORM.matcher(value.trim());
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is not a duration; write it like 30s, 5m, 2h or 500ms");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> n;
            case "m" -> n * 60_000;
            case "h" -> n * 3_600_000;
            default -> n * 1000;
        };
        if (millis <= 0) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a positive duration");
        }
        if (millis > MAX.toMillis()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is longer than a year; give at most "
                    + MAX.toHours() + "h");
        }
        return Duration.ofMillis(Math.round(millis));
    }
}
