package dev.onecycle.lrfind;

/**
 * One iteration of a range test: its learning rate, its loss (the mean over the workers' minibatches of that
 * iteration) and the smoothed loss the stop rule and the suggestions use.
 */
public record RangePoint(int iteration, double lr, double loss, double smoothedLoss) {

    /** The CSV header matching {@link #toCsv()}. */
    public static final String CSV_HEADER = "iteration,lr,loss,smoothed_loss";

    /** One CSV row, doubles in full precision. */
    public String toCsv() {
        return iteration + "," + lr + "," + loss + "," + smoothedLoss;
    }
}
