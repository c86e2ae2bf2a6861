package dev.onecycle.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Flag-value parsers of the few flags that are not declared settings ({@link SettingOptions} makes those);
 * their messages say what was expected and what was given, and {@link CliErrors} puts the flag name in front.
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
}
