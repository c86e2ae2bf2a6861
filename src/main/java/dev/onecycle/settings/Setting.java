package dev.onecycle.settings;

import dev.onecycle.schedule.InvalidParameterException;
import java.util.List;
import java.util.Objects;

/**
 * One setting, declared once: its name ({@code lrMax}: the estimator's param, the {@code spark.onecycle.lrMax}
 * key, the name in messages and in a resumed checkpoint's "what differs"), its doc, type, default and rule.
 * The command-line flag ({@code --lr-max}), the properties key and the estimator's Param are derived from it,
 * and, for a setting a checkpoint records ({@link Builder#recorded}), its field in {@code state.json}.
 *
 * <p>The rule throws an {@link InvalidParameterException} naming the setting, the rule and the value; rules of
 * the policy and the cycle are the builders' own ({@code OneCyclePolicy.Builder}), called on the single value.
 */
public final class Setting<T> implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** Throws an {@link InvalidParameterException} for a value the setting refuses. */
    @FunctionalInterface
    public interface Rule<T> extends java.io.Serializable {
        void check(T value);
    }

    private final String name;
    private final SettingType<T> type;
    private final String doc;
    private final T defaultValue;
    private final String defaultDoc;
    private final String paramLabel;
    private final Rule<T> rule;
    private final List<String> aliases;
    private final List<String> statePaths;
    private final T absentFromState;

    private Setting(Builder<T> b) {
        this.name = b.name;
        this.type = b.type;
        this.doc = b.doc;
        this.defaultValue = b.defaultValue;
        this.defaultDoc = b.defaultDoc != null ? b.defaultDoc : b.defaultValue == null ? null : b.type.format(b.defaultValue);
        this.paramLabel = b.paramLabel;
        this.rule = b.rule;
        this.aliases = List.copyOf(b.aliases);
        this.statePaths = List.copyOf(b.statePaths);
        this.absentFromState = b.absentFromState;
    }

    public static <T> Builder<T> builder(String name, SettingType<T> type) {
        return new Builder<>(name, type);
    }

    /** The camelCase name: {@code lrMax}. */
    public String name() {
        return name;
    }

    public SettingType<T> type() {
        return type;
    }

    /** One sentence without the default. */
    public String doc() {
        return doc;
    }

    /** The value when none is given, or null when there is none (the setting is then optional or required). */
    public T defaultValue() {
        return defaultValue;
    }

    /** The default as the help says it ({@code 25}, {@code to the end of the cycle}), or null. */
    public String defaultDoc() {
        return defaultDoc;
    }

    /** {@link #doc()} with the default: what help texts show. */
    public String docWithDefault() {
        return defaultDoc == null ? doc : doc + " (default: " + defaultDoc + ")";
    }

    /** The command-line flag: {@code --} and the name in kebab case ({@code --lr-max}). */
    public String flag() {
        StringBuilder b = new StringBuilder("--");
        for (char c : name.toCharArray()) {
            if (Character.isUpperCase(c)) {
                b.append('-').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The Spark configuration key: {@code spark.onecycle.<name>}. */
    public String key() {
        return "spark.onecycle." + name;
    }

    /** The argument's label in help texts ({@code X}, {@code DIR}). */
    public String paramLabel() {
        return paramLabel;
    }

    /** Other names libraries give this setting in their errors ({@code batchSizePerWorker} for batchSize). */
    public List<String> aliases() {
        return aliases;
    }

    /**
     * Where a checkpoint's {@code state.json} records the value ({@code policy.lrMax}: field {@code lrMax} of the
     * object {@code policy}); two paths for a pair, one number each. Empty for a setting checkpoints do not record.
     */
    public List<String> statePaths() {
        return statePaths;
    }

    /**
     * The value a checkpoint that does not record this setting stands for (one written before the setting was
     * recorded), or null: then such a checkpoint is incomplete.
     */
    public T absentFromState() {
        return absentFromState;
    }

    /** True when checkpoints record this setting and a resume must find it unchanged ({@link Settings#RECORDED}). */
    public boolean isRecorded() {
        return !statePaths.isEmpty();
    }

    /** The rule alone (serializable: estimator Params carry it to the executors). */
    public Rule<T> rule() {
        return rule;
    }

    /** Returns {@code value} when the rule accepts it; throws an {@link InvalidParameterException} otherwise. */
    public T validate(T value) {
        if (value == null) {
            throw new InvalidParameterException(name, "needs a value", "nothing");
        }
        rule.check(value);
        return value;
    }

    /** Reads and validates {@code text}: a value of the type the rule accepts. */
    public T parse(String text) {
        try {
            return validate(type.parse(text));
        } catch (InvalidParameterException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidParameterException(name, type.rule(), "'" + text + "'");
        }
    }

    public String format(T value) {
        return type.format(value);
    }

    /**
     * The same setting with another default text, for an application whose default is its own ({@code onecycle
     * train}'s checkpoint folder is {@code <run-dir>/checkpoints}). Settings are equal by name.
     */
    public Setting<T> withDefaultDoc(String text) {
        Builder<T> b = new Builder<>(name, type);
        b.doc = doc;
        b.defaultValue = defaultValue;
        b.defaultDoc = text;
        b.paramLabel = paramLabel;
        b.rule = rule;
        b.aliases.addAll(aliases);
        b.statePaths.addAll(statePaths);
        b.absentFromState = absentFromState;
        return new Setting<>(b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Setting && ((Setting<?>) o).name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }

    /** Builds a {@link Setting}; {@code doc} is required. */
    public static final class Builder<T> {
        private final String name;
        private final SettingType<T> type;
        private String doc;
        private T defaultValue;
        private String defaultDoc;
        private String paramLabel = "VALUE";
        private Rule<T> rule = v -> { };
        private final List<String> aliases = new java.util.ArrayList<>();
        private final List<String> statePaths = new java.util.ArrayList<>();
        private T absentFromState;

        private Builder(String name, SettingType<T> type) {
            this.name = Objects.requireNonNull(name, "name");
            this.type = Objects.requireNonNull(type, "type");
        }

        public Builder<T> doc(String doc) {
            this.doc = doc;
            return this;
        }

        public Builder<T> defaultValue(T value) {
            this.defaultValue = value;
            return this;
        }

        /** How the help states the default when it is not a plain value ("to the end of the cycle"). */
        public Builder<T> defaultDoc(String text) {
            this.defaultDoc = text;
            return this;
        }

        public Builder<T> paramLabel(String label) {
            this.paramLabel = label;
            return this;
        }

        public Builder<T> rule(Rule<T> rule) {
            this.rule = rule;
            return this;
        }

        /** {@code value > 0} ({@code "must be > 0"}). */
        public Builder<T> positive() {
            String n = name;
            return rule(v -> {
                if (((Number) v).longValue() <= 0) {
                    throw new InvalidParameterException(n, "must be > 0", v);
                }
            });
        }

        /** {@code value >= 0} ({@code "must be >= 0"}). */
        public Builder<T> nonNegative() {
            String n = name;
            return rule(v -> {
                if (((Number) v).longValue() < 0) {
                    throw new InvalidParameterException(n, "must be >= 0", v);
                }
            });
        }

        /** Text with something in it ({@code "must not be empty or blank"}): a path, a name. */
        public Builder<T> nonBlank() {
            String n = name;
            return rule(v -> {
                if (v.toString().isBlank()) {
                    throw new InvalidParameterException(n, "must not be empty or blank", "'" + v + "'");
                }
            });
        }

        public Builder<T> alias(String otherName) {
            aliases.add(otherName);
            return this;
        }

        /**
         * Checkpoints record this setting at {@code statePaths} of {@code state.json} (dot-separated: {@code
         * policy.lrMax}; one per number of a pair), and a resume compares it: its value fixes the cycle or the
         * data order, so continuing with another one is not the same cycle. For a library setting (one of
         * {@link Settings#all()}, which {@link Settings#RECORDED} is taken from).
         */
        public Builder<T> recorded(String... statePaths) {
            this.statePaths.addAll(List.of(statePaths));
            return this;
        }

        /**
         * For a setting recorded from some release on: what a checkpoint of an earlier release, which has no
         * field for it, stands for (the value that release used). Without it such a checkpoint is incomplete.
         */
        public Builder<T> absentFromStateMeans(T value) {
            this.absentFromState = value;
            return this;
        }

        public Setting<T> build() {
            if (doc == null || doc.isBlank()) {
                throw new IllegalArgumentException("setting " + name + " needs a doc");
            }
            if (defaultValue != null) {
                rule.check(defaultValue);
            }
            if (absentFromState != null) {
                if (statePaths.isEmpty()) {
                    throw new IllegalArgumentException("setting " + name + ": absentFromStateMeans needs recorded");
                }
                rule.check(absentFromState);
            }
            return new Setting<>(this);
        }
    }
}
