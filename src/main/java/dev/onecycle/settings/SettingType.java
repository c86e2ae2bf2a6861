package dev.onecycle.settings;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * How a setting's value is written as text (a flag's argument, a {@code spark.onecycle.*} value) and as a JSON
 * value (a checkpoint's {@code state.json}), and read back. {@link #parse} and {@link #fromJson} refuse what is
 * not of the type with an {@link IllegalArgumentException} saying what was expected and what was given; the
 * setting's own rule then judges the value.
 */
public final class SettingType<T> implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** A parser or formatter that travels with the settings (ML Params are serializable). */
    public interface Fn<A, B> extends Function<A, B>, java.io.Serializable {
    }

    /** Any double {@link Double#parseDouble} accepts, NaN and Infinity included (the rule judges). */
    public static final SettingType<Double> DOUBLE = new SettingType<>(Double.class, "a number",
            s -> Double.parseDouble(s.trim()), v -> Double.toString(v), v -> v, j -> ((Number) j).doubleValue());
    /** As JSON a whole number in int's range (not 2.5, not 3e9). */
    public static final SettingType<Integer> INT = new SettingType<>(Integer.class, "a whole number",
            s -> Integer.parseInt(s.trim()), String::valueOf, v -> v, j -> Math.toIntExact(wholeNumber(j)));
    public static final SettingType<Long> LONG = new SettingType<>(Long.class, "a whole number",
            s -> Long.parseLong(s.trim()), String::valueOf, v -> v, SettingType::wholeNumber);
    /** On the command line a flag without argument; as text {@code true} or {@code false}; as JSON a boolean. */
    public static final SettingType<Boolean> BOOLEAN = new SettingType<>(Boolean.class, "true or false",
            SettingType::parseBoolean, String::valueOf, v -> v, j -> (Boolean) j);
    public static final SettingType<String> TEXT = of(String.class, "text", s -> s, s -> s);
    /**
     * {@code max,base}: two numbers separated by a comma, as fastai's {@code moms=(0.95, 0.85)}; as JSON the two
     * numbers (a setting recorded in two fields gets one each).
     */
    public static final SettingType<MomentumPair> MOMENTUM_PAIR = new SettingType<>(MomentumPair.class,
            "two numbers separated by a comma (max,base, e.g. 0.95,0.85)", MomentumPair::parse, MomentumPair::toString,
            v -> List.of(v.max(), v.base()), SettingType::momentumPair);

    /**
     * A duration: {@code 0} (off), or a whole number with a unit: {@code 500ms}, {@code 30s}, {@code 10m},
     * {@code 2h}; written back in the largest unit that divides it.
     */
    public static final SettingType<java.time.Duration> DURATION = of(java.time.Duration.class,
            "a duration such as 30s, 10m or 1h (or 0 for off)", SettingType::parseDuration, SettingType::formatDuration);

    private final Class<T> javaType;
    private final String expected;
    private final Fn<String, T> parse;
    private final Fn<T, String> format;
    private final Fn<T, Object> toJson;
    private final Fn<Object, T> fromJson;

    private SettingType(Class<T> javaType, String expected, Fn<String, T> parse, Fn<T, String> format,
            Fn<T, Object> toJson, Fn<Object, T> fromJson) {
        this.javaType = javaType;
        this.expected = expected;
        this.parse = parse;
        this.format = format;
        this.toJson = toJson;
        this.fromJson = fromJson;
    }

    /**
     * Any other type: {@code expected} says what its text looks like ({@code "a number > 0 or auto"}), {@code parse}
     * reads it (throwing for other text), {@code format} writes it. As JSON it is that text.
     */
    public static <T> SettingType<T> of(Class<T> javaType, String expected, Fn<String, T> parse, Fn<T, String> format) {
        return new SettingType<>(javaType, expected, parse, format, format::apply, j -> parse.apply((String) j));
    }

    /**
     * A type of named values ({@code fastai|pytorch}): {@code parse} maps a name to its value (throwing for an
     * unknown one), {@code id} a value back to its name.
     */
    public static <T> SettingType<T> oneOf(Class<T> javaType, String names, Fn<String, T> parse,
            Fn<T, String> id) {
        return of(javaType, "one of " + names, parse, id);
    }

    public Class<T> javaType() {
        return javaType;
    }

    /** What text of this type looks like, for messages ("a whole number"). */
    public String expected() {
        return expected;
    }

    /** The rule of the type alone, for messages naming the setting: {@code "must be a whole number"}. */
    public String rule() {
        return "must be " + expected;
    }

    /** The value {@code text} writes; refuses other text with "expected ..., got '...'". */
    public T parse(String text) {
        return read(parse, text, "'" + text + "'");
    }

    public String format(T value) {
        return format.apply(value);
    }

    /** The value as JSON: a number, a boolean, a string, or for a pair a list of its two numbers. */
    public Object toJson(T value) {
        return toJson.apply(value);
    }

    /** The value {@code json} (as Jackson reads it) stands for; refuses other JSON with "expected ..., got ...". */
    public T fromJson(Object json) {
        return read(fromJson, json, json instanceof String ? "'" + json + "'" : String.valueOf(json));
    }

    /** {@code reader} applied to {@code input}; any failure (or null) is "expected ..., got {@code shown}". */
    private <A> T read(Fn<A, T> reader, A input, String shown) {
        try {
            T value = input == null ? null : reader.apply(input);
            if (value != null) {
                return value;
            }
        } catch (RuntimeException e) {
            // not of this type: said below
        }
        throw new IllegalArgumentException("expected " + expected + ", got " + shown);
    }

    /** A JSON number without a fractional part, as a long (Jackson reads 3 as Integer, 3.0 as Double). */
    private static long wholeNumber(Object json) {
        Number n = (Number) json;
        if (n instanceof Double || n instanceof Float || n instanceof java.math.BigDecimal) {
            double d = n.doubleValue();
            if (d != Math.rint(d) || Math.abs(d) >= 0x1p63) {
                throw new IllegalArgumentException("not whole: " + d);
            }
            return (long) d;
        }
        if (n instanceof java.math.BigInteger) {
            return ((java.math.BigInteger) n).longValueExact();
        }
        return n.longValue();
    }

    private static MomentumPair momentumPair(Object json) {
        List<?> l = (List<?>) json;
        if (l.size() != 2) {
            throw new IllegalArgumentException("not two numbers: " + l);
        }
        return new MomentumPair(((Number) l.get(0)).doubleValue(), ((Number) l.get(1)).doubleValue());
    }

    private static java.time.Duration parseDuration(String s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h)?").matcher(s.trim());
        if (!m.matches() || m.group(2) == null && Long.parseLong(m.group(1)) != 0) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> java.time.Duration.ofMillis(n);
            case "m" -> java.time.Duration.ofMinutes(n);
            case "h" -> java.time.Duration.ofHours(n);
            default -> java.time.Duration.ofSeconds(n);
        };
    }

    private static String formatDuration(java.time.Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0";
        }
        return ms % 3_600_000 == 0 ? ms / 3_600_000 + "h" : ms % 60_000 == 0 ? ms / 60_000 + "m"
                : ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    private static Boolean parseBoolean(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                return null;
        }
    }
}
