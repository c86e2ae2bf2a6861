package dev.onecycle.cli;

import dev.onecycle.schedule.Annealing;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.schedule.OneCycleStyle;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Flag-value parsers whose messages say what was expected and what was given; {@link CliErrors} puts the flag
 * name in front. Range checks are left to the schedule builders, which know the rules.
 */
final class Converters {
    private Converters() {
    }

    /** Any {@code double} {@link Double#parseDouble} accepts, NaN and Infinity included (the builders judge). */
    static final class Number implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            return parse(value);
        }

        static double parse(String value) {
            try {
                return Double.parseDouble(value.trim());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected a number, got '" + value + "'");
            }
        }
    }

    static final class WholeNumber implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected a whole number, got '" + value + "'");
            }
        }
    }

    /** A duration: {@code 0} (off), or a whole number with a unit: {@code 500ms}, {@code 30s}, {@code 10m}, {@code 2h}. */
    static final class Interval implements ITypeConverter<java.time.Duration> {
        @Override
        public java.time.Duration convert(String value) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h)?").matcher(value.trim());
            if (!m.matches() || m.group(2) == null && Long.parseLong(m.group(1)) != 0) {
                throw new TypeConversionException("expected a duration such as 30s, 10m or 1h (or 0 for off), got '"
                        + value + "'");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2) == null ? "s" : m.group(2)) {
                case "ms" -> java.time.Duration.ofMillis(n);
                case "m" -> java.time.Duration.ofMinutes(n);
                case "h" -> java.time.Duration.ofHours(n);
                default -> java.time.Duration.ofSeconds(n);
            };
        }
    }

    /** {@code max,base}: two numbers separated by a comma, as fastai's {@code moms=(0.95, 0.85)}. */
    record MomentumPair(double max, double base) {
    }

    static final class Moms implements ITypeConverter<MomentumPair> {
        @Override
        public MomentumPair convert(String value) {
            String[] parts = value.split(",", -1);
            if (parts.length != 2) {
                throw expected(value);
            }
            try {
                return new MomentumPair(Double.parseDouble(parts[0].trim()), Double.parseDouble(parts[1].trim()));
            } catch (NumberFormatException e) {
                throw expected(value);
            }
        }

        private static TypeConversionException expected(String value) {
            return new TypeConversionException(
                    "expected two numbers separated by a comma (max,base, e.g. 0.95,0.85), got '" + value + "'");
        }
    }

    static final class Style implements ITypeConverter<OneCycleStyle> {
        @Override
        public OneCycleStyle convert(String value) {
            try {
                return OneCycleStyle.parse(value);
            } catch (InvalidParameterException e) {
                throw new TypeConversionException("expected one of fastai, pytorch, got '" + value + "'");
            }
        }
    }

    static final class Anneal implements ITypeConverter<Annealing> {
        @Override
        public Annealing convert(String value) {
            try {
                return Annealing.parse(value);
            } catch (InvalidParameterException e) {
                throw new TypeConversionException("expected one of cos, linear, got '" + value + "'");
            }
        }
    }
}
