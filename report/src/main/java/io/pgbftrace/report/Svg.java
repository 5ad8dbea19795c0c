package io.pgbftrace.report;


/**
 * Writes one inline {@code <svg>} element. Shapes take a CSS class, so the page's palette (light, dark, print)
 * colours them; a tooltip is the shape's own {@code <title>} child, which is what browsers show on hover.
 * Coordinates are rounded to 0.1 px to keep reports small. Text is escaped.
 */
final class Svg {
    private final StringBuilder b = new StringBuilder(4096);

    Svg(String cssClass, int width, int height, String label) {
        b.append("<svg class=\"").append(cssClass).append("\" role=\"img\" viewBox=\"0 0 ").append(width).append(' ')
                .append(height).append("\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" aria-label=\"").append(escape(label)).append("\">");
    }

    Svg rect(double x, double y, double w, double h, String cssClass, String title) {
        b.append("<rect x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" width=\"").append(n(w))
                .append("\" height=\"").append(n(h)).append("\" class=\"").append(cssClass).append('"');
        return close("rect", title);
    }

    Svg line(double x1, double y1, double x2, double y2, String cssClass, String title) {
        b.append("<line x1=\"").append(n(x1)).append("\" y1=\"").append(n(y1)).append("\" x2=\"").append(n(x2))
                .append("\" y2=\"").append(n(y2)).append("\" class=\"").append(cssClass).append('"');
        return close("line", title);
    }

    Svg circle(double cx, double cy, double r, String cssClass, String title) {
        b.append("<circle cx=\"").append(n(cx)).append("\" cy=\"").append(n(cy)).append("\" r=\"").append(n(r))
                .append("\" class=\"").append(cssClass).append('"');
        return close("circle", title);
    }

    /** Text; {@code anchor} is start, middle or end. */
    Svg text(double x, double y, String text, String anchor, String cssClass) {
        b.append("<text x=\"").append(n(x)).append("\" y=\"").append(n(y)).append('"');
        if (!anchor.equals("start")) {
            b.append(" text-anchor=\"").append(anchor).append('"');
        }
        if (cssClass != null) {
            b.append(" class=\"").append(cssClass).append('"');
        }
        b.append('>').append(escape(text)).append("</text>");
        return this;
    }

    /** Opens a group (its title is the tooltip of everything in it); close it with {@link #end()}. */
    Svg group(String cssClass, String title) {
        b.append("<g");
        if (cssClass != null) {
            b.append(" class=\"").append(cssClass).append('"');
        }
        b.append('>');
        if (title != null) {
            b.append("<title>").append(escape(title)).append("</title>");
        }
        return this;
    }

    Svg end() {
        b.append("</g>");
        return this;
    }

    private Svg close(String tag, String title) {
        if (title == null) {
            b.append("/>");
        } else {
            b.append("><title>").append(escape(title)).append("</title></").append(tag).append('>');
        }
        return this;
    }

    @Override
    public String toString() {
        return b + "</svg>";
    }

    static String n(double v) {
        long tenths = Math.round(v * 10);
        if (tenths % 10 == 0) {
            return Long.toString(tenths / 10);
        }
        long a = Math.abs(tenths); // as %.1f, without a Formatter (called for every cell of every heatmap)
        return (tenths < 0 ? "-" : "") + a / 10 + "." + a % 10;
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                default -> {
                    if (c < 0x20 && c != '\n' && c != '\t') {
                        out.append(' ');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
