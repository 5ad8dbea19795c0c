package io.pgbftrace.report;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/** The fill colours a PDF's content streams set ("r g b rg"), as "R,G,B" in 0-255: what a printout paints. */
final class PdfColours {
    private PdfColours() {
    }

    private static final Pattern STREAM = Pattern.compile("stream\\r?\\n");
    private static final Pattern FILL = Pattern.compile("([\\d.]+) ([\\d.]+) ([\\d.]+) (?:rg|sc)\\b");

    static Set<String> fills(byte[] pdf) {
        String latin = new String(pdf, StandardCharsets.ISO_8859_1);
        Set<String> out = new TreeSet<>();
        Matcher m = STREAM.matcher(latin);
        while (m.find()) {
            int end = latin.indexOf("endstream", m.end());
            if (end < 0) {
                break;
            }
            String content = inflate(pdf, m.end(), end);
            Matcher f = FILL.matcher(content);
            while (f.find()) {
                out.add(Math.round(Double.parseDouble(f.group(1)) * 255) + ","
                        + Math.round(Double.parseDouble(f.group(2)) * 255) + ","
                        + Math.round(Double.parseDouble(f.group(3)) * 255));
            }
        }
        return out;
    }

    /** A Flate stream's text, or "" for a stream that is not Flate (images, fonts). */
    private static String inflate(byte[] pdf, int from, int to) {
        Inflater inf = new Inflater();
        try {
            inf.setInput(pdf, from, to - from);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                out.write(buf, 0, n);
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        } catch (DataFormatException e) {
            return "";
        } finally {
            inf.end();
        }
    }
}
