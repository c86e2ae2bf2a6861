package dev.onecycle.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongToDoubleFunction;

import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import dev.onecycle.schedule.Annealing;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleSchedule;

/**
 * A PNG of a 1cycle schedule: the learning rate above the momentum, both over the whole cycle (a thin grey
 * line) with the marked parts of it (the slice being run, or the slices a training job has run) drawn thick
 * in colour between dashed vertical lines at their boundaries. Long cycles are drawn from at most
 * {@link #MAX_POINTS} points per series, always including every marked boundary. Renders headless.
 *
 * <p>The series are functions of the absolute iteration, so the same method plots a computed schedule
 * ({@code schedule::lr}) or values recorded during training ({@code i -> recorded[(int) i]}).
 */
public final class SchedulePlot {
    /** The most points drawn per series. */
    public static final int MAX_POINTS = 2000;
    public static final int WIDTH = 1100;
    public static final int CHART_HEIGHT = 420;

    private static final Color WHOLE_CYCLE = new Color(165, 165, 165);
    private static final Color[] SPAN_COLORS = {new Color(31, 119, 180), new Color(214, 39, 40),
        new Color(44, 160, 44), new Color(255, 127, 14), new Color(148, 103, 189), new Color(140, 86, 75)};
    private static final String FONT = Font.SANS_SERIF;

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private SchedulePlot() {
    }

    /** Iterations {@code [from, to)} of the cycle to highlight, with their legend label. */
    public record Span(long from, long to, String label) {
        public Span {
            Objects.requireNonNull(label, "label");
            if (from < 0 || to <= from) {
                throw new IllegalArgumentException("a span needs 0 <= from < to, got [" + from + ", " + to + ")");
            }
        }

        /** The iterations of a slice, labelled {@code epochs [start, end)}. */
        public static Span of(CycleSlice slice) {
            return new Span(slice.firstIteration(), slice.endIteration(),
                    "epochs [" + slice.startEpoch() + ", " + slice.endEpoch() + ")");
        }
    }

    /** For example {@code 1cycle fastai lrMax=0.01, epochs [8, 15) of 20 (50 iterations each)}. */
    public static String title(OneCyclePolicy policy, CycleSlice slice) {
        StringBuilder t = new StringBuilder("1cycle ").append(policy.style().id());
        if (policy.threePhase()) {
            t.append(" three-phase");
        }
        if (policy.annealing() != Annealing.COS) {
            t.append(' ').append(policy.annealing().id());
        }
        t.append(" lrMax=").append(policy.lrMax()).append(", epochs [").append(slice.startEpoch()).append(", ")
                .append(slice.endEpoch()).append(") of ").append(slice.totEpochs()).append(" (")
                .append(slice.itersPerEpoch()).append(slice.itersPerEpoch() == 1 ? " iteration" : " iterations")
                .append(" each)");
        return t.toString();
    }

    /** The PNG of {@code schedule}'s whole cycle with {@code slice} highlighted. */
    public static byte[] png(OneCycleSchedule schedule, CycleSlice slice) throws IOException {
        if (slice.totalIterations() != schedule.totalIterations()) {
            throw new IllegalArgumentException("the slice is of a cycle of " + slice.totalIterations()
                    + " steps, the schedule has " + schedule.totalIterations());
        }
        return png(title(schedule.policy(), slice), schedule.totalIterations(), schedule::lr, schedule::momentum,
                List.of(Span.of(slice)));
    }

    /**
     * The PNG of a whole cycle of {@code totalIterations} steps with {@code spans} highlighted (each in its
     * own colour, in order). {@code momentum} may be null (an updater without momentum): then only the
     * learning rate is drawn.
     */
    public static byte[] png(String title, long totalIterations, LongToDoubleFunction lr,
            LongToDoubleFunction momentum, List<Span> spans) throws IOException {
        List<XYChart> charts = charts(title, totalIterations, lr, momentum, spans);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (charts.size() == 1) {
            BitmapEncoder.saveBitmap(charts.get(0), out, BitmapFormat.PNG);
        } else {
            BitmapEncoder.saveBitmap(charts, charts.size(), 1, out, BitmapFormat.PNG);
        }
        return out.toByteArray();
    }

    /** The charts, top to bottom: learning rate, then momentum (when given). */
    static List<XYChart> charts(String title, long totalIterations, LongToDoubleFunction lr,
            LongToDoubleFunction momentum, List<Span> spans) {
        return charts(title, totalIterations, lr, lr, momentum, momentum, spans);
    }

    /**
     * As {@link #charts(String, long, LongToDoubleFunction, LongToDoubleFunction, List)}, with the whole cycle
     * drawn from {@code plannedLr}/{@code plannedMomentum} and the spans from {@code spanLr}/{@code spanMomentum}
     * (for example the values training really applied; NaN where a step has none).
     */
    public static List<XYChart> charts(String title, long totalIterations, LongToDoubleFunction plannedLr,
            LongToDoubleFunction spanLr, LongToDoubleFunction plannedMomentum, LongToDoubleFunction spanMomentum,
            List<Span> spans) {
        LongToDoubleFunction lr = plannedLr;
        LongToDoubleFunction momentum = plannedMomentum;
        if (totalIterations <= 0) {
            throw new IllegalArgumentException("totalIterations must be > 0, got " + totalIterations);
        }
        for (Span s : spans) {
            if (s.to() > totalIterations) {
                throw new IllegalArgumentException("span [" + s.from() + ", " + s.to()
                        + ") is past the end of the cycle (" + totalIterations + " steps)");
            }
        }
        List<XYChart> charts = new ArrayList<>();
        boolean both = momentum != null;
        XYChart lrChart = chart(title, "learning rate", !both, totalIterations, lr, spanLr, spans, true);
        charts.add(lrChart);
        if (both) {
            charts.add(chart(null, "momentum", true, totalIterations, momentum, spanMomentum, spans, false));
        }
        return charts;
    }

    private static XYChart chart(String title, String yTitle, boolean xTitle, long total, LongToDoubleFunction f,
            LongToDoubleFunction spanF, List<Span> spans, boolean legend) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(CHART_HEIGHT).title(title == null ? "" : title)
                .xAxisTitle("iteration").yAxisTitle(yTitle).build();
        style(chart.getStyler(), title != null, xTitle, legend, total);

        long[] boundaries = boundaries(spans, total);
        XYSeries whole = add(chart, "whole cycle (" + total + " iterations)",
                sample(0, total, MAX_POINTS, boundaries), f, WHOLE_CYCLE, 1.6f);
        whole.setShowInLegend(legend);
        for (int k = 0; k < spans.size(); k++) {
            Span s = spans.get(k);
            XYSeries series = add(chart, s.label() + " = iterations [" + s.from() + ", " + s.to() + ")",
                    sample(s.from(), s.to(), MAX_POINTS, boundaries), spanF, SPAN_COLORS[k % SPAN_COLORS.length],
                    3.2f);
            series.setShowInLegend(legend);
        }
        if (total > 1) {
            // XChart puts a tick at every x value when they are equally spaced (knowm/XChart#731): one invisible
            // point between two steps makes it choose round tick values instead.
            XYSeries hidden = chart.addSeries(" ", new double[] {0.5}, new double[] {f.applyAsDouble(0)});
            hidden.setMarker(SeriesMarkers.NONE);
            hidden.setLineStyle(new BasicStroke(0f));
            hidden.setLineColor(new Color(0, 0, 0, 0));
            hidden.setShowInLegend(false);
        }
        spans.stream().flatMap(s -> java.util.stream.Stream.of(s.from(), s.to())).distinct()
                .filter(b -> b > 0 && b < total)
                .forEach(b -> chart.addAnnotation(new AnnotationLine(b, true, false)));
        return chart;
    }

    static void style(XYStyler st, boolean showTitle, boolean xTitle, boolean legend, long total) {
        st.setChartTitleVisible(showTitle);
        st.setChartTitleFont(new Font(FONT, Font.BOLD, 17));
        st.setChartTitleBoxVisible(false);
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotBorderColor(new Color(200, 200, 200));
        st.setPlotGridLinesColor(new Color(232, 232, 232));
        st.setPlotGridLinesStroke(new BasicStroke(1f));
        st.setAxisTitleFont(new Font(FONT, Font.PLAIN, 14));
        st.setAxisTickLabelsFont(new Font(FONT, Font.PLAIN, 12));
        st.setXAxisTitleVisible(xTitle);
        st.setLegendVisible(legend);
        st.setLegendFont(new Font(FONT, Font.PLAIN, 13));
        st.setLegendPosition(LegendPosition.InsideNE);
        st.setLegendBorderColor(new Color(200, 200, 200));
        st.setLegendBackgroundColor(new Color(255, 255, 255, 225));
        st.setChartPadding(12);
        st.setXAxisMin(0.0);
        st.setXAxisMax((double) total);
        st.setXAxisTickMarkSpacingHint(90);
        st.setxAxisTickLabelsFormattingFunction(SchedulePlot::tickLabel);
        st.setyAxisTickLabelsFormattingFunction(SchedulePlot::tickLabel);
        st.setYAxisLeftWidthHint(80);
        st.setYAxisLabelAlignment(AxesChartStyler.TextAlignment.Right);
        st.setAnnotationLineColor(new Color(90, 90, 90));
        st.setAnnotationLineStroke(new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {6f, 4f}, 0f));
        st.setAntiAlias(true);
    }

    private static XYSeries add(XYChart chart, String name, long[] xs, LongToDoubleFunction f, Color color,
            float width) {
        double[] x = new double[xs.length];
        double[] y = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            x[i] = xs[i];
            y[i] = f.applyAsDouble(xs[i]);
        }
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setLineStyle(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        return s;
    }

    /** Short tick labels: {@code 0.005}, {@code 0.95}, {@code 1,000}, {@code 4E-8}. */
    static String tickLabel(Double v) {
        double a = Math.abs(v);
        if (a == 0 || a < 1e-12) {
            return "0";
        }
        if (a >= 1e-3 && a < 1e9) {
            return new DecimalFormat("#,##0.######", DecimalFormatSymbols.getInstance(Locale.ROOT)).format(v);
        }
        return new DecimalFormat("0.###E0", DecimalFormatSymbols.getInstance(Locale.ROOT)).format(v);
    }

    /** Every span's first and last step and the step after it (where that is a step of the cycle). */
    static long[] boundaries(List<Span> spans, long total) {
        long[] b = new long[spans.size() * 3];
        int n = 0;
        for (Span s : spans) {
            b[n++] = s.from();
            b[n++] = s.to() - 1;
            if (s.to() < total) {
                b[n++] = s.to();
            }
        }
        return Arrays.stream(b, 0, n).sorted().distinct().toArray();
    }

    /**
     * At most about {@code maxPoints} steps of {@code [from, to)}, evenly spread, always with the first and
     * last step and every one of {@code mustInclude} that falls inside; ascending, without repeats.
     */
    static long[] sample(long from, long to, int maxPoints, long... mustInclude) {
        long n = to - from;
        int count = (int) Math.min(n, Math.max(2, maxPoints));
        long[] out = new long[count + mustInclude.length];
        int k = 0;
        if (count == n) {
            for (long i = from; i < to; i++) {
                out[k++] = i;
            }
        } else {
            for (int j = 0; j < count; j++) {
                out[k++] = from + Math.round((double) j * (n - 1) / (count - 1));
            }
        }
        for (long m : mustInclude) {
            if (m >= from && m < to) {
                out[k++] = m;
            }
        }
        return Arrays.stream(out, 0, k).sorted().distinct().toArray();
    }
}
