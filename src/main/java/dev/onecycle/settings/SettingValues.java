package dev.onecycle.settings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Values given for some settings (immutable; equal when the same settings have equal values); a setting not
 * given reads as its default, or null.
 */
public final class SettingValues implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private static final SettingValues EMPTY = new SettingValues(Map.of());
    private final Map<Setting<?>, Object> values;

    private SettingValues(Map<Setting<?>, Object> values) {
        this.values = values;
    }

    public static SettingValues empty() {
        return EMPTY;
    }

    /** These values and {@code setting = value} (validated; null removes the value). */
    public <T> SettingValues with(Setting<T> setting, T value) {
        Map<Setting<?>, Object> m = new LinkedHashMap<>(values);
        if (value == null) {
            m.remove(setting);
        } else {
            m.put(setting, setting.validate(value));
        }
        return new SettingValues(java.util.Collections.unmodifiableMap(m));
    }

    /** True when a value was given (not the default). */
    public boolean isGiven(Setting<?> setting) {
        return values.containsKey(setting);
    }

    /** The value given, else the default, else null. */
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        Object v = values.get(setting);
        return v != null ? (T) v : setting.defaultValue();
    }

    /** The value given, else the default, else {@code otherwise}. */
    public <T> T getOr(Setting<T> setting, T otherwise) {
        T v = get(setting);
        return v != null ? v : otherwise;
    }

    /** The value of {@code setting} as text ({@link Setting#format}), or {@code unset} when it has none. */
    public String text(Setting<?> setting) {
        return textOf(setting);
    }

    private <T> String textOf(Setting<T> setting) {
        T value = get(setting);
        return value == null ? "unset" : setting.format(value);
    }

    /** Of {@code settings}, in their order, those whose value here and in {@code other} differ (as text). */
    public List<Setting<?>> differing(SettingValues other, List<Setting<?>> settings) {
        return settings.stream().filter(s -> !text(s).equals(other.text(s))).toList();
    }

    /** Only the values given for {@code settings}. */
    public SettingValues only(java.util.Collection<Setting<?>> settings) {
        Map<Setting<?>, Object> m = new LinkedHashMap<>(values);
        m.keySet().retainAll(settings);
        return new SettingValues(java.util.Collections.unmodifiableMap(m));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SettingValues && ((SettingValues) o).values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
