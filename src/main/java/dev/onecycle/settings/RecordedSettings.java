package dev.onecycle.settings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings a checkpoint records, as the JSON of its {@code state.json}: each {@link Settings#RECORDED}
 * setting at its {@link Setting#statePaths} ({@code "policy": {"lrMax": 0.1, ...}}), in its type's JSON form
 * ({@link SettingType#toJson}). Adding a recorded setting to the declarations adds its field here; nothing else
 * writes or reads them one by one. A checkpoint without the field is incomplete, unless the setting declares
 * what its absence means ({@link Setting.Builder#absentFromStateMeans}: a checkpoint of a release before it was
 * recorded).
 */
public final class RecordedSettings {
    private RecordedSettings() {
    }

    /** Writes the values {@code values} has for {@code settings} into {@code json} (nested objects made as needed). */
    public static void write(SettingValues values, List<Setting<?>> settings, Map<String, Object> json) {
        for (Setting<?> s : settings) {
            writeOne(s, values, json);
        }
    }

    private static <T> void writeOne(Setting<T> s, SettingValues values, Map<String, Object> json) {
        T value = values.get(s);
        if (value == null) {
            return;
        }
        Object j = s.type().toJson(value);
        List<String> paths = s.statePaths();
        if (paths.size() == 1) {
            put(json, paths.get(0), j);
            return;
        }
        List<?> parts = (List<?>) j;
        if (parts.size() != paths.size()) {
            throw new IllegalStateException(s.name() + " has " + paths.size() + " state paths but its JSON value "
                    + parts.size() + " parts");
        }
        for (int i = 0; i < paths.size(); i++) {
            put(json, paths.get(i), parts.get(i));
        }
    }

    /**
     * Reads {@code settings} from {@code json}, each validated by its rule; throws an
     * {@link IllegalArgumentException} naming the field ({@code policy.lrMax}) that is missing or wrong.
     */
    public static SettingValues read(Map<String, Object> json, List<Setting<?>> settings) {
        SettingValues v = SettingValues.empty();
        for (Setting<?> s : settings) {
            v = readOne(s, json, v);
        }
        return v;
    }

    private static <T> SettingValues readOne(Setting<T> s, Map<String, Object> json, SettingValues into) {
        List<String> paths = s.statePaths();
        List<Object> parts = new java.util.ArrayList<>();
        for (String path : paths) {
            parts.add(get(json, path));
        }
        if (s.absentFromState() != null && parts.stream().allMatch(java.util.Objects::isNull)) {
            return into.with(s, s.absentFromState()); // a checkpoint written before the setting was recorded
        }
        for (int i = 0; i < paths.size(); i++) {
            if (parts.get(i) == null) {
                throw new IllegalArgumentException(paths.get(i) + " is missing");
            }
        }
        String where = String.join(" and ", paths);
        T value;
        try {
            value = s.type().fromJson(parts.size() == 1 ? parts.get(0) : parts);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
        try {
            return into.with(s, value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }

    /**
     * The field at {@code path} of {@code json} ({@code cycle.endEpoch}) as a value of {@code type}; throws an
     * {@link IllegalArgumentException} naming the path when it is missing or not of the type.
     */
    public static <T> T field(Map<String, Object> json, String path, SettingType<T> type) {
        Object o = get(json, path);
        if (o == null) {
            throw new IllegalArgumentException(path + " is missing");
        }
        try {
            return type.fromJson(o);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> json, String path, Object value) {
        String[] parts = path.split("\\.");
        Map<String, Object> m = json;
        for (int i = 0; i < parts.length - 1; i++) {
            m = (Map<String, Object>) m.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
        }
        m.put(parts[parts.length - 1], value);
    }

    private static Object get(Map<String, Object> json, String path) {
        Object o = json;
        for (String part : path.split("\\.")) {
            if (!(o instanceof Map)) {
                return null;
            }
            o = ((Map<?, ?>) o).get(part);
        }
        return o;
    }
}
