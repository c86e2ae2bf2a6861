package dev.onecycle.lrfind;

/** Why a range test ended. */
public enum StopReason {
    /** All {@code numIt} iterations ran. */
    COMPLETE("ran all iterations"),
    /** The smoothed loss rose above 4 times the best smoothed loss so far. */
    DIVERGED("the smoothed loss passed 4 x its best"),
    /** The loss (or the smoothed loss) was NaN or infinite. */
    NOT_FINITE("the loss was not finite");

    private final String description;

    StopReason(String description) {
        this.description = description;
    }

    /** Why, in words. */
    public String description() {
        return description;
    }
}
