package ldm4j.report;

import java.util.List;
import java.util.Locale;

/**
 * A line chart as inline SVG (no scripts, no external files): several series over a shared x axis,
 * linear or log10 y axis, tick labels and a legend.
 */
public final class SvgChart {
    /** One line: name, points (x[i], y[i]); non-finite or (on a log axis) non-positive y are skipped. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series " + name + ": " + x.length + " x values for " + y.length + " y values");
            }
        }
    }

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
    private static final int W = 560;
    private static final int H = 300;
    private static final int L = 70;
    private static final int R = 15;
    private static final int T = 30;
    private static final int B = 45;

    private SvgChart() {
    }

    public static String render(String title, String xLabel, List<Series> series, boolean logY) {
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (usable(s.y()[i], logY)) {
                    double y = logY ? Math.log10(s.y()[i]) : s.y()[i];
                    x0 = Math.min(x0, s.x()[i]);
                    x1 = Math.max(x1, s.x()[i]);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">", W, H, W, H, Html.escape(title)));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s</text>", L,
                Html.escape(title)));
        if (x0 > x1) {
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\">no data</text></svg>", L, H / 2));
            return svg.toString();
        }
        if (x1 == x0) {
            x1 = x0 + 1;
        }
        if (y1 == y0) {
            y1 = y0 + (logY ? 0.5 : Math.max(1e-9, Math.abs(y0) * 0.1));
            y0 = y0 - (logY ? 0.5 : Math.max(1e-9, Math.abs(y0) * 0.1));
        }
        double pw = W - L - R;
        double ph = H - T - B;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#999\"/>",
                L, T, pw, ph));
        for (int k = 0; k <= 4; k++) {
            double fy = y0 + (y1 - y0) * k / 4;
            double py = T + ph - ph * k / 4;
            String label = logY ? fmt(Math.pow(10, fy)) : fmt(fy);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>", L, L + pw, py, py, L - 5, py + 4, label));
            double fx = x0 + (x1 - x0) * k / 4;
            double px = L + pw * k / 4;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%s</text>",
                    px, T + ph + 16, fmt(fx)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s%s</text>",
                L + pw / 2, H - 8, Html.escape(xLabel), logY ? " (log y)" : ""));
        for (int si = 0; si < series.size(); si++) {
            Series s = series.get(si);
            String color = COLORS[si % COLORS.length];
            StringBuilder pts = new StringBuilder();
            int count = 0;
            for (int i = 0; i < s.x().length; i++) {
                if (!usable(s.y()[i], logY)) {
                    continue;
                }
                double y = logY ? Math.log10(s.y()[i]) : s.y()[i];
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", L + pw * (s.x()[i] - x0) / (x1 - x0),
                        T + ph - ph * (y - y0) / (y1 - y0)));
                count++;
            }
            if (count == 1) {
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%s\" cy=\"%s\" r=\"3\" fill=\"%s\"/>",
                        pts.toString().trim().split(",")[0], pts.toString().trim().split(",")[1], color));
            } else if (count > 1) {
                svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>",
                        color, pts.toString().trim()));
            }
            svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%s</text>", L + pw - 150, T + 8 + 15 * si, color,
                    L + pw - 136, T + 17 + 15 * si, Html.escape(s.name())));
        }
        return svg.append("</svg>").toString();
    }

    private static boolean usable(double y, boolean logY) {
        return Double.isFinite(y) && (!logY || y > 0);
    }

    static String fmt(double v) {
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e5)) {
            return String.format(Locale.ROOT, "%.1e", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
