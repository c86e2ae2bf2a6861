package dev.onecycle.ml;

/**
 * A DataFrame column the estimator or model cannot use: missing, of the wrong type, or holding values that are
 * not features or class indices. The message names the column, the problem and how to fix it.
 */
public final class InvalidColumnException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String column;

    public InvalidColumnException(String param, String column, String problem) {
        super(param + " '" + column + "': " + problem);
        this.column = column;
    }

    /** The column's name. */
    public String column() {
        return column;
    }
}
