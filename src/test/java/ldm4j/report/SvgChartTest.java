package ldm4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class SvgChartTest {
    static int count(String s, String needle) {
        return s.split(Pattern.quote(needle), -1).length - 1;
    }

    @Test
    void drawsOneLinePerSeriesSkippingUnusablePoints() {
        String svg = SvgChart.render("loss <a&b>", "step", List.of(
                new SvgChart.Series("rec", new double[]{0, 1, 2, 3}, new double[]{1, 0.5, Double.NaN, 0.25}),
                new SvgChart.Series("kl", new double[]{0, 3}, new double[]{0, 2})), true);
        assertTrue(svg.startsWith("<svg") && svg.endsWith("</svg>"));
        assertTrue(svg.contains("loss &lt;a&amp;b&gt;"), "title escaped");
        assertEquals(1, count(svg, "<polyline"), "rec is a line; kl has one positive point on a log axis");
        assertEquals(1, count(svg, "<circle"), "a single usable point is a dot");
        Matcher m = Pattern.compile("points=\"([^\"]*)\"").matcher(svg);
        assertTrue(m.find());
        assertEquals(3, m.group(1).trim().split(" ").length, "NaN skipped");
        assertTrue(svg.contains("(log y)"));
    }

    @Test
    void emptyChartSaysSo() {
        String svg = SvgChart.render("nothing", "step", List.of(new SvgChart.Series("a", new double[0], new double[0])), false);
        assertTrue(svg.contains("no data"));
    }
}
