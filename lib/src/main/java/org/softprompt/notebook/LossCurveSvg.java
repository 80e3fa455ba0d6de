package org.softprompt.notebook;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import java.util.List;
import java.util.Locale;

/**
 * A small line chart as inline SVG, for the live training curve. SVG needs no JavaScript, so the curve shows in
 * untrusted notebooks, in nbconvert exports and on static viewers, and replacing it many times during training costs
 * a few kilobytes each time. Long series are averaged into at most {@link #MAX_POINTS} points.
 */
final class LossCurveSvg {
    static final int WIDTH = 720;
    static final int HEIGHT = 240;
    static final int MAX_POINTS = 500;
    private static final int LEFT = 60;
    private static final int RIGHT = 14;
    private static final int TOP = 10;
    private static final int BOTTOM = 30;
    private static final Escaper ESCAPER = HtmlEscapers.htmlEscaper();

    /** One line: x and y of equal length; NaN and infinite y values are left out. */
    record Series(String name, String color, double width, double opacity, boolean markers, double[] x, double[] y) {}

    private LossCurveSvg() {}

    /**
     * @param xMax the right end of the x axis (the planned number of steps), so the curve grows across the chart
     */
    static String render(List<Series> series, double xMax, String yTitle) {
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double y : s.y()) {
                if (Double.isFinite(y)) {
                    yMin = Math.min(yMin, y);
                    yMax = Math.max(yMax, y);
                }
            }
        }
        StringBuilder svg = new StringBuilder(4096);
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                .append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" style=\"font-family:sans-serif;font-size:11px\">\n");
        svg.append("<rect x=\"").append(LEFT).append("\" y=\"").append(TOP).append("\" width=\"").append(plotWidth())
                .append("\" height=\"").append(plotHeight()).append("\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n");
        if (yMin > yMax) {
            svg.append("<text x=\"").append(LEFT + plotWidth() / 2).append("\" y=\"").append(TOP + plotHeight() / 2)
                    .append("\" text-anchor=\"middle\" fill=\"#888\">waiting for the first step</text>\n</svg>");
            return svg.toString();
        }
        if (yMin == yMax) {
            double pad = yMin == 0 ? 1 : Math.abs(yMin) * 0.1;
            yMin -= pad;
            yMax += pad;
        } else {
            double pad = (yMax - yMin) * 0.05;
            yMin -= pad;
            yMax += pad;
        }
        double xEnd = Math.max(1, xMax);
        Scale xScale = new Scale(0, xEnd, LEFT, LEFT + plotWidth());
        Scale yScale = new Scale(yMin, yMax, TOP + plotHeight(), TOP);

        for (double tick : ticks(yMin, yMax, 4)) {
            double y = yScale.map(tick);
            svg.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(LEFT + plotWidth()).append("\" y1=\"")
                    .append(fmt(y)).append("\" y2=\"").append(fmt(y)).append("\" stroke=\"#e3e3e3\"/>")
                    .append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(fmt(y + 4))
                    .append("\" text-anchor=\"end\" fill=\"#555\">").append(Numbers.format(tick, 4)).append("</text>\n");
        }
        for (double tick : ticks(0, xEnd, 6)) {
            double x = xScale.map(tick);
            svg.append("<text x=\"").append(fmt(x)).append("\" y=\"").append(TOP + plotHeight() + 14)
                    .append("\" text-anchor=\"middle\" fill=\"#555\">").append(Numbers.format(tick, 6))
                    .append("</text>\n");
        }
        svg.append("<text x=\"").append(LEFT + plotWidth() / 2).append("\" y=\"").append(HEIGHT - 3)
                .append("\" text-anchor=\"middle\" fill=\"#333\">step</text>\n");
        svg.append("<text transform=\"translate(12,").append(TOP + plotHeight() / 2)
                .append(") rotate(-90)\" text-anchor=\"middle\" fill=\"#333\">").append(ESCAPER.escape(yTitle))
                .append("</text>\n");

        for (Series s : series) {
            double[][] points = downsample(s.x(), s.y());
            if (points[0].length == 0) {
                continue;
            }
            svg.append("<polyline fill=\"none\" stroke=\"").append(s.color()).append("\" stroke-width=\"")
                    .append(s.width()).append("\" stroke-opacity=\"").append(s.opacity())
                    .append("\" stroke-linejoin=\"round\" points=\"");
            for (int i = 0; i < points[0].length; i++) {
                svg.append(fmt(xScale.map(points[0][i]))).append(',').append(fmt(yScale.map(points[1][i]))).append(' ');
            }
            svg.append("\"/>\n");
            if (s.markers() && points[0].length <= 100) {
                for (int i = 0; i < points[0].length; i++) {
                    svg.append("<circle cx=\"").append(fmt(xScale.map(points[0][i]))).append("\" cy=\"")
                            .append(fmt(yScale.map(points[1][i]))).append("\" r=\"2.5\" fill=\"").append(s.color())
                            .append("\"/>");
                }
                svg.append('\n');
            }
        }
        int legendY = TOP + 14;
        for (Series s : series) {
            int legendX = LEFT + plotWidth() - 150;
            svg.append("<line x1=\"").append(legendX).append("\" x2=\"").append(legendX + 18).append("\" y1=\"")
                    .append(legendY - 4).append("\" y2=\"").append(legendY - 4).append("\" stroke=\"")
                    .append(s.color()).append("\" stroke-width=\"").append(Math.max(2, s.width()))
                    .append("\" stroke-opacity=\"").append(s.opacity()).append("\"/>")
                    .append("<text x=\"").append(legendX + 24).append("\" y=\"").append(legendY)
                    .append("\" fill=\"#333\">").append(ESCAPER.escape(s.name())).append("</text>\n");
            legendY += 15;
        }
        return svg.append("</svg>").toString();
    }

    /** Finite points only, averaged in equal-width step buckets when there are more than {@link #MAX_POINTS}. */
    static double[][] downsample(double[] x, double[] y) {
        int finite = 0;
        for (double v : y) {
            if (Double.isFinite(v)) {
                finite++;
            }
        }
        double[] fx = new double[finite];
        double[] fy = new double[finite];
        for (int i = 0, j = 0; i < y.length; i++) {
            if (Double.isFinite(y[i])) {
                fx[j] = x[i];
                fy[j] = y[i];
                j++;
            }
        }
        if (finite <= MAX_POINTS) {
            return new double[][] {fx, fy};
        }
        double[] bx = new double[MAX_POINTS];
        double[] by = new double[MAX_POINTS];
        int used = 0;
        for (int b = 0; b < MAX_POINTS; b++) {
            int from = (int) ((long) b * finite / MAX_POINTS);
            int to = (int) ((long) (b + 1) * finite / MAX_POINTS);
            if (to <= from) {
                continue;
            }
            double sx = 0;
            double sy = 0;
            for (int i = from; i < to; i++) {
                sx += fx[i];
                sy += fy[i];
            }
            bx[used] = sx / (to - from);
            by[used] = sy / (to - from);
            used++;
        }
        return new double[][] {java.util.Arrays.copyOf(bx, used), java.util.Arrays.copyOf(by, used)};
    }

    /** Round tick values (1, 2 or 5 times a power of ten) covering [min, max], about {@code count} of them. */
    static double[] ticks(double min, double max, int count) {
        double span = max - min;
        if (!(span > 0)) {
            return new double[] {min};
        }
        double raw = span / count;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double fraction = raw / magnitude;
        double step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
        double first = Math.ceil(min / step) * step;
        int n = (int) Math.floor((max - first) / step + 1e-9) + 1;
        double[] ticks = new double[Math.max(0, n)];
        for (int i = 0; i < ticks.length; i++) {
            // Rounded to the step's precision, so that 0.1 * 3 prints as 0.3.
            ticks[i] = Numbers.round(first + i * step, 12);
        }
        return ticks;
    }

    private static int plotWidth() {
        return WIDTH - LEFT - RIGHT;
    }

    private static int plotHeight() {
        return HEIGHT - TOP - BOTTOM;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private record Scale(double from, double to, double outFrom, double outTo) {
        double map(double v) {
            return outFrom + (v - from) / (to - from) * (outTo - outFrom);
        }
    }
}
