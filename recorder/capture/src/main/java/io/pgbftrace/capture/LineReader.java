package io.pgbftrace.capture;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads lines of text with a bound on their length, in constant memory: a longer line (binary garbage, a file
 * that is not a trace) is skipped, not buffered, and counted as one overlong line. Bytes that are not UTF-8 are
 * replaced, never fatal. Lines end at '\n'; a '\r' before it is dropped.
 */
final class LineReader {
    /** Longer than any line the capture script prints (a query text is cut to 8 KiB). */
    static final int MAX_LINE_BYTES = 64 << 10;

    private final InputStream in;
    private final int maxBytes;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int end;
    private byte[] line = new byte[256];
    private int length;
    private boolean overlong;
    private long lastTotal;

    LineReader(InputStream in) {
        this(in, MAX_LINE_BYTES);
    }

    LineReader(InputStream in, int maxBytes) {
        this.in = in;
        this.maxBytes = maxBytes;
    }

    /** What {@link #next()} found. */
    sealed interface Line permits Text, Overlong {
    }

    /** A line within the bound. */
    record Text(String text) implements Line {
    }

    /** A line longer than the bound, skipped; {@code start} holds its first bytes. */
    record Overlong(long bytes, String start) implements Line {
    }

    /** The next line, or null at the end of the input. */
    Line next() throws IOException {
        int n = nextRaw();
        if (n < 0) {
            return null;
        }
        String text = new String(line, 0, n, StandardCharsets.UTF_8);
        return overlong ? new Overlong(lastTotal, text) : new Text(text);
    }

    /**
     * The next line without making a String of it: its length in {@link #bytes()} ('\r' before the newline
     * dropped), or -1 at the end of the input. When {@link #overlong()}, the bytes are the line's start only.
     */
    int nextRaw() throws IOException {
        length = 0;
        overlong = false;
        long total = 0;
        while (true) {
            if (pos == end) {
                end = in.read(buf, 0, buf.length);
                pos = 0;
                if (end <= 0) {
                    end = 0;
                    return total == 0 ? -1 : finish(total);
                }
            }
            int start = pos;
            while (pos < end && buf[pos] != '\n') {
                pos++;
            }
            append(start, pos);
            total += pos - start;
            if (pos < end) {
                pos++; // the newline
                return finish(total);
            }
        }
    }

    private void append(int from, int to) {
        int n = to - from;
        if (overlong || length + n > maxBytes) {
            if (!overlong) { // keep what fits, to show the start of the line
                int keep = Math.min(n, Math.max(0, 80 - length));
                grow(length + keep);
                System.arraycopy(buf, from, line, length, keep);
                length += keep;
            }
            overlong = true;
            return;
        }
        grow(length + n);
        System.arraycopy(buf, from, line, length, n);
        length += n;
    }

    private void grow(int size) {
        if (size > line.length) {
            line = Arrays.copyOf(line, Math.max(size, line.length * 2));
        }
    }

    private int finish(long total) {
        lastTotal = total;
        return length > 0 && line[length - 1] == '\r' && !overlong ? length - 1 : length;
    }

    /** The bytes of the line {@link #nextRaw()} returned (valid until the next call). */
    byte[] bytes() {
        return line;
    }

    /** Whether that line was longer than the bound. */
    boolean overlong() {
        return overlong;
    }
}
