package dev.onecycle.cli;

import dev.onecycle.job.JobSettings;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.settings.Setting;
import dev.onecycle.settings.SettingType;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.TypeConversionException;

/**
 * Command-line flags made from the declared settings ({@link Settings}, {@link JobSettings}): the flag
 * {@code --lr-max} of the setting {@code lrMax}, its doc and default in the help, its type's parser and its rule
 * as the converter (so a value from a properties file is checked like one on the command line). A setting not
 * given has no value here: its declared default applies where it is read ({@link SettingValues#get}).
 */
final class SettingOptions {
    private SettingOptions() {
    }

    /** The flag of {@code setting}; {@code required} for a command that has no default for it. */
    static OptionSpec option(Setting<?> setting, boolean required) {
        OptionSpec.Builder b = OptionSpec.builder(setting.flag()).required(required)
                .description(required ? setting.doc() : setting.docWithDefault());
        if (setting.type() == SettingType.BOOLEAN) {
            b.type(Boolean.class).arity("0");
        } else {
            b.type(setting.type().javaType()).paramLabel(setting.paramLabel()).arity("1")
                    .converters(text -> convert(setting, text));
        }
        return b.build();
    }

    private static Object convert(Setting<?> setting, String text) {
        Object value;
        try {
            value = setting.type().parse(text);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
        try {
            return validate(setting, value);
        } catch (InvalidParameterException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T validate(Setting<T> setting, Object value) {
        return setting.validate((T) value);
    }

    /** Adds the flags of {@code settings} to {@code spec}. */
    static CommandSpec addAll(CommandSpec spec, List<Setting<?>> settings, List<Setting<?>> required) {
        for (Setting<?> s : settings) {
            spec.addOption(option(s, required.contains(s)));
        }
        return spec;
    }

    /** The values given (on the command line or as {@code spark.onecycle.*} keys) for {@code settings}. */
    static SettingValues values(CommandSpec spec, List<Setting<?>> settings) {
        SettingValues v = SettingValues.empty();
        for (Setting<?> s : settings) {
            v = with(v, s, spec.findOption(s.flag()).getValue());
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private static <T> SettingValues with(SettingValues v, Setting<T> s, Object value) {
        return v.with(s, (T) value);
    }

    /**
     * The flag of each setting's name and of its aliases (the names libraries use in their
     * {@link InvalidParameterException}s), for {@link CliErrors}.
     */
    static Map<String, String> flagsOfParameters() {
        Map<String, String> m = new LinkedHashMap<>();
        for (List<Setting<?>> group : List.of(Settings.all(), JobSettings.TRAIN)) {
            for (Setting<?> s : group) {
                m.put(s.name(), s.flag());
                for (String alias : s.aliases()) {
                    m.put(alias, s.flag());
                }
            }
        }
        return m;
    }

    /** {@code onecycle train}'s settings as flags ({@code @Command(modelTransformer = ...)}). */
    static final class Train implements IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            return addAll(spec, JobSettings.TRAIN, List.of());
        }
    }

    /** {@code onecycle study}'s settings that are train's too: every run's network and peak. */
    static final class Study implements IModelTransformer {
        static final List<Setting<?>> SETTINGS = List.of(Settings.NETWORK, Settings.LR_MAX);

        @Override
        public CommandSpec transform(CommandSpec spec) {
            return addAll(spec, SETTINGS, List.of());
        }
    }

    /** {@code onecycle schedule}'s: the policy and the cycle; it has no default peak or cycle length. */
    static final class Schedule implements IModelTransformer {
        static final List<Setting<?>> SETTINGS = List.of(Settings.LR_MAX, Settings.TOT_EPOCHS, Settings.START_EPOCH,
                Settings.EPOCHS, Settings.DIV_FACTOR, Settings.PCT_START, Settings.FINAL_DIV, Settings.MOMS,
                Settings.STYLE, Settings.ANNEAL, Settings.THREE_PHASE);

        @Override
        public CommandSpec transform(CommandSpec spec) {
            return addAll(spec, SETTINGS, List.of(Settings.LR_MAX, Settings.TOT_EPOCHS));
        }
    }
}
