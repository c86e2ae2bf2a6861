package dev.onecycle.ml;

import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.settings.Setting;
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
        this.setting = null;
    }

    /**
     * A validator that refuses with an {@link InvalidParameterException} naming the param, the rule and the
     * value ({@code "lrMax must be > 0, got -1.0"}), rather than MLlib's bare "given invalid value".
     */
    static <T> Rule<T> of(String name, String rule, Check<T> check) {
        return new Rule<>(name, rule, check);
    }

    /**
     * The validator of a declared setting's Param: the Param's value as the setting's, checked by the setting's
     * type and rule (whose {@link InvalidParameterException} names the setting, the rule and the value).
     */
    static <T> Rule<T> of(Setting<?> setting) {
        return new Rule<>(setting);
    }

    private final Setting<?> setting;

    /**
     * A validator whose check throws the {@link InvalidParameterException} itself (a message that says more
     * than one fixed rule: why a JSON network cannot be read). Anything else it throws is refused as the value.
     */
    static <T> Rule<T> checked(String name, Setting.Rule<T> check) {
        return new Rule<>(name, "is not valid", v -> {
            check.check(v);
            return true;
        });
    }

    private Rule(Setting<?> setting) {
        this.name = setting.name();
        this.rule = null;
        this.check = null;
        this.setting = setting;
    }

    @SuppressWarnings("unchecked")
    private static <S> void validate(Setting<S> s, Object value) {
        s.validate((S) value);
    }

    @Override
    public Object apply(T value) {
        if (setting != null) {
            Object v;
            try {
                v = SettingParams.fromParam(setting, value);
            } catch (InvalidParameterException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new InvalidParameterException(name, setting.type().rule(), "'" + value + "'");
            }
            validate(setting, v);
            return true;
        }
        boolean ok;
        try {
            ok = value != null && check.test(value);
        } catch (InvalidParameterException e) {
            throw e;
        } catch (RuntimeException e) {
            ok = false;
        }
        if (!ok) {
            throw new InvalidParameterException(name, rule, value);
        }
        return true;
    }
}
