package dev.onecycle.ml;

import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.settings.MomentumPair;
import dev.onecycle.settings.Setting;
import dev.onecycle.settings.SettingType;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;

/**
 * The MLlib Param of a declared setting: name, doc (with the default) and rule from the declaration. Numbers
 * and booleans are MLlib's typed Params ({@code DoubleParam}, {@code IntParam}, ...), the momentum pair a
 * {@code DoubleArrayParam} {@code [max, base]}, named values ({@code style}) and text a {@code Param<String>};
 * the validator is the setting's rule, refusing with its message.
 */
final class SettingParams {
    private SettingParams() {
    }

    static Param<?> create(org.apache.spark.ml.param.Params parent, Setting<?> s) {
        // MLlib shows a default value itself; a default that is no value ("to the end of the cycle") is said here
        String doc = s.defaultValue() == null && s.defaultDoc() != null ? s.doc() + " Unset: " + s.defaultDoc() + "."
                : s.doc();
        SettingType<?> t = s.type();
        if (t == SettingType.DOUBLE) {
            return new DoubleParam(parent, s.name(), doc, Rule.of(s));
        }
        if (t == SettingType.INT) {
            return new IntParam(parent, s.name(), doc, Rule.of(s));
        }
        if (t == SettingType.LONG) {
            return new LongParam(parent, s.name(), doc, Rule.of(s));
        }
        if (t == SettingType.BOOLEAN) {
            return new BooleanParam(parent, s.name(), doc);
        }
        if (t == SettingType.MOMENTUM_PAIR) {
            return new DoubleArrayParam(parent, s.name(), doc, Rule.of(s));
        }
        return new Param<String>(parent, s.name(), doc, Rule.of(s));
    }

    /** A setting's value as its Param holds it. */
    static Object toParam(Setting<?> s, Object value) {
        SettingType<?> t = s.type();
        if (t == SettingType.DOUBLE || t == SettingType.INT || t == SettingType.LONG || t == SettingType.BOOLEAN) {
            return value;
        }
        if (t == SettingType.MOMENTUM_PAIR) {
            MomentumPair m = (MomentumPair) value;
            return new double[] {m.max(), m.base()};
        }
        return format(s, value);
    }

    /** A Param's value as the setting's (names parsed: {@code "pytorch"} is {@code OneCycleStyle.PYTORCH}). */
    static Object fromParam(Setting<?> s, Object value) {
        SettingType<?> t = s.type();
        if (t == SettingType.DOUBLE || t == SettingType.INT || t == SettingType.LONG || t == SettingType.BOOLEAN) {
            return value;
        }
        if (t == SettingType.MOMENTUM_PAIR) {
            double[] m = (double[]) value;
            if (m.length != 2) {
                throw new InvalidParameterException(s.name(), "must be two numbers [max, base]",
                        java.util.Arrays.toString(m));
            }
            return new MomentumPair(m[0], m[1]);
        }
        return t.parse((String) value);
    }

    @SuppressWarnings("unchecked")
    private static <T> String format(Setting<T> s, Object value) {
        return s.format((T) value);
    }
}
