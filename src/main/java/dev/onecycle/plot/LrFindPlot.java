package dev.onecycle.plot;

import dev.onecycle.lrfind.RangePoint;
import dev.onecycle.lrfind.RangeTestResult;
import dev.onecycle.lrfind.Suggestion;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The range test's curve as fastai plots it: the smoothed loss against the learning rate on a log axis (the
 * raw per-iteration loss lighter behind it), each suggestion marked on the curve and named with its value.
 */
public final class LrFindPlot {
    private static final Color[] MARKS = {new Color(214, 39, 40), new Color(44, 160, 44), new Color(148, 103, 189)};

    private LrFindPlot() {
    }

    public static byte[] png(String title, RangeTestResult r) throws IOException {
        XYChart chart = new XYChartBuilder().width(SchedulePlot.WIDTH).height(SchedulePlot.CHART_HEIGHT + 80)
                .title(title).xAxisTitle("learning rate (log scale)").yAxisTitle("loss").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.getStyler().setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        chart.getStyler().setXAxisDecimalPattern("0.0E0");
        List<Double> x = new ArrayList<>();
        List<Double> raw = new ArrayList<>();
        List<Double> smooth = new ArrayList<>();
        double top = Double.NEGATIVE_INFINITY;
        double bottom = Double.POSITIVE_INFINITY;
        for (RangePoint p : r.points()) {
            if (Double.isFinite(p.loss()) && Double.isFinite(p.smoothedLoss())) {
                x.add(p.lr());
                raw.add(p.loss());
                smooth.add(p.smoothedLoss());
                bottom = Math.min(bottom, Math.min(p.loss(), p.smoothedLoss()));
                top = Math.max(top, p.smoothedLoss());
            }
        }
        if (x.isEmpty()) { // nothing finite to draw: an empty frame with the title says so
            x.add(r.range().startLr());
            raw.add(0.0);
            smooth.add(0.0);
            bottom = 0;
            top = 1;
        }
        // the raw loss of a diverging step can be huge: the y axis follows the smoothed curve, as fastai's
        if (bottom < top) {
            chart.getStyler().setYAxisMin(bottom);
            chart.getStyler().setYAxisMax(top + 0.05 * (top - bottom));
        }
        XYSeries rawSeries = chart.addSeries("loss", x, raw);
        rawSeries.setMarker(SeriesMarkers.NONE);
        rawSeries.setLineColor(new Color(190, 190, 230));
        XYSeries s = chart.addSeries("smoothed loss", x, smooth);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(new Color(31, 119, 180));
        int k = 0;
        for (Suggestion g : r.suggestions()) {
            XYSeries m = chart.addSeries(String.format(Locale.ROOT, "%s: %.2e", g.name(), g.lr()),
                    new double[] {g.pointLr()}, new double[] {g.smoothedLoss()});
            m.setMarker(SeriesMarkers.CIRCLE);
            m.setMarkerColor(MARKS[k++ % MARKS.length]);
            m.setLineColor(new Color(0, 0, 0, 0));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(chart, out, BitmapFormat.PNG);
        return Png.palette(out.toByteArray());
    }
}
