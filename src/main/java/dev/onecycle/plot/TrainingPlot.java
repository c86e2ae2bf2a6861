package dev.onecycle.plot;

import dev.onecycle.schedule.OneCycleSchedule;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code training.png}: the learning rate and momentum training really applied over the whole cycle (the
 * planned cycle in grey, each slice run so far in its own colour), then the training loss and the test accuracy
 * per epoch. A divided run that follows one cycle shows as coloured pieces lying exactly on the grey line.
 */
public final class TrainingPlot {
    private TrainingPlot() {
    }

    /** One finished epoch's numbers (0-based epoch of the cycle). */
    public record EpochPoint(int epoch, double trainLoss, double testAccuracy) {
    }

    /**
     * @param appliedLr       per cycle iteration the applied learning rate, NaN where none was recorded
     * @param appliedMomentum the same for momentum; null when the updater has none
     * @param spans           the slices run so far, oldest first
     */
    public static byte[] png(String title, OneCycleSchedule planned, double[] appliedLr, double[] appliedMomentum,
            List<SchedulePlot.Span> spans, List<EpochPoint> epochs, int totEpochs) throws IOException {
        List<XYChart> charts = new ArrayList<>(SchedulePlot.charts(title, planned.totalIterations(), planned::lr,
                i -> appliedLr[(int) i], appliedMomentum == null ? null : planned::momentum,
                appliedMomentum == null ? null : i -> appliedMomentum[(int) i], spans));
        charts.add(epochChart("train loss", epochs, EpochPoint::trainLoss, totEpochs, new Color(44, 160, 44)));
        charts.add(epochChart("test accuracy", epochs, EpochPoint::testAccuracy, totEpochs, new Color(148, 103, 189)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(charts, charts.size(), 1, out, BitmapFormat.PNG);
        return out.toByteArray();
    }

    private static XYChart epochChart(String name, List<EpochPoint> epochs,
            java.util.function.ToDoubleFunction<EpochPoint> value, int totEpochs, Color color) {
        XYChart chart = new XYChartBuilder().width(SchedulePlot.WIDTH).height(SchedulePlot.CHART_HEIGHT)
                .xAxisTitle("epochs done").yAxisTitle(name).build();
        SchedulePlot.style(chart.getStyler(), false, true, false, totEpochs);
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisMax((double) totEpochs);
        chart.getStyler().setXAxisTickMarkSpacingHint(60);
        chart.getStyler().setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        double[] x = new double[Math.max(1, epochs.size())];
        double[] y = new double[x.length];
        for (int i = 0; i < epochs.size(); i++) {
            x[i] = epochs.get(i).epoch() + 1;
            y[i] = value.applyAsDouble(epochs.get(i));
        }
        if (epochs.isEmpty()) {
            y[0] = Double.NaN;
        }
        XYSeries s = chart.addSeries(name, x, y);
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setLineStyle(new BasicStroke(2.4f));
        return chart;
    }
}
