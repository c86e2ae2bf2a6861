package dev.onecycle.ml;

import dev.onecycle.schedule.InvalidParameterException;
import java.io.Serializable;
import java.util.function.Predicate;
import scala.runtime.AbstractFunction1;

/** A Param validator (MLlib's {@code T => Boolean}) from a Java predicate; serializable like the Params. */
final class Rule<T> extends AbstractFunction1<T, Object> implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A predicate that travels with the Params. */
    interface Check<T> extends Predicate<T>, Serializable {
    }

    private final Check<T> check;

    private final String name;
    private final String rule;

    private Rule(String name, String rule, Check<T> check) {
        this.name = name;
        this.rule = rule;
        this.check = check;
    }

    /**
     * A validator that refuses with an {@link InvalidParameterException} naming the param, the rule and the
     * value ({@code "lrMax must be > 0, got -1.0"}), rather than MLlib's bare "given invalid value".
     */
    static <T> Rule<T> of(String name, String rule, Check<T> check) {
        return new Rule<>(name, rule, check);
    }

    @Override
    public Object apply(T value) {
        boolean ok;
        try {
            ok = value != null && check.test(value);
        } catch (RuntimeException e) {
            ok = false;
        }
        if (!ok) {
            throw new InvalidParameterException(name, rule, value);
        }
        return true;
    }
}
