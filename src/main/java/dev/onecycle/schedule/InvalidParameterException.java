package dev.onecycle.schedule;

/**
 * A setting was rejected. The message names the parameter, the rule it breaks and the value given, in the
 * manner of Spark's {@code Param.validate}: {@code "lrMax must be finite and > 0, got NaN"}.
 */
public class InvalidParameterException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String parameter;

    public InvalidParameterException(String parameter, String rule, Object value) {
        super(parameter + " " + rule + ", got " + value);
        this.parameter = parameter;
    }

    /** The name of the rejected parameter, as the builder spells it (for example {@code lrMax}). */
    public String parameter() {
        return parameter;
    }
}
