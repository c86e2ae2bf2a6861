package dev.onecycle.job;

import dev.onecycle.data.DataFormat;
import dev.onecycle.settings.Setting;
import dev.onecycle.settings.SettingType;
import dev.onecycle.settings.Settings;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings of the {@code onecycle train} application beyond the library's ({@link Settings}): the run
 * folder, the data, the model to start from, the crash-loop guard. Declared once like those; the command's
 * flags and {@code spark.onecycle.*} keys are made from {@link #TRAIN}.
 */
public final class JobSettings {
    private JobSettings() {
    }

    /** {@code --lr-max auto}: find lrMax with the range test first. */
    public static final String LR_MAX_AUTO = "auto";

    /**
     * {@link Settings#LR_MAX} as {@code onecycle train} takes it: a number, or {@code auto} (run the learning-rate
     * range test first and take its minimum/10 suggestion; a resumed run takes the checkpoint's).
     */
    public static final Setting<String> LR_MAX_OR_AUTO = Setting.builder(Settings.LR_MAX.name(),
            SettingType.of(String.class, "a positive number or " + LR_MAX_AUTO, JobSettings::lrMaxText, t -> t))
            .doc("Peak learning rate (finite, > 0), or auto: run the learning-rate range test first (as lr-find) and "
                    + "take its minimum/10 suggestion; a resumed run takes the checkpoint's.")
            .defaultValue(Settings.LR_MAX.format(Settings.LR_MAX.defaultValue())).paramLabel("X|auto")
            .rule(v -> {
                if (!v.equals(LR_MAX_AUTO)) {
                    Settings.LR_MAX.validate(Double.parseDouble(v));
                }
            }).build();

    private static String lrMaxText(String text) {
        String t = text.trim();
        return t.equals(LR_MAX_AUTO) ? t : Double.toString(Double.parseDouble(t));
    }

    public static final Setting<String> RUN_DIR = Setting.builder("runDir", SettingType.TEXT)
            .doc("Output folder.").defaultDoc("runs/<date-time>").paramLabel("DIR").nonBlank()
            .build();
    public static final Setting<Boolean> OVERWRITE = Setting.builder("overwrite", SettingType.BOOLEAN)
            .doc("Replace the outputs of an earlier run in --run-dir.").defaultValue(false).build();
    public static final Setting<Integer> MAX_RESTARTS = Setting.builder("maxRestarts", SettingType.INT)
            .doc("With --resume: give up after N restarts in a row that wrote no new checkpoint (a crash loop under "
                    + "--supervise).").defaultValue(3).paramLabel("N").nonNegative().build();
    public static final Setting<String> MODEL_IN = Setting.builder("modelIn", SettingType.TEXT)
            .doc("Start from this DL4J model (model.zip of an earlier run) instead of a new one.").paramLabel("FILE")
            .nonBlank().build();
    public static final Setting<Integer> MAX_EXAMPLES = Setting.builder("maxExamples", SettingType.INT)
            .doc("Train on the first N training examples only.").paramLabel("N").positive().build();
    public static final Setting<String> DATA = Setting.builder("data", SettingType.TEXT)
            .doc("Folder (any Hadoop path) with train-/t10k- images and labels in IDX format, gzip or not; or a "
                    + "LIBSVM, CSV or Parquet file or folder.").paramLabel("DIR").nonBlank().build();
    public static final Setting<DataFormat> DATA_FORMAT = Setting.builder("dataFormat", SettingType.oneOf(
            DataFormat.class, "idx, libsvm, csv, parquet", DataFormat::parse, DataFormat::id))
            .doc("Format of --data.").defaultDoc("from the file name; a folder of IDX files is idx")
            .paramLabel("idx|libsvm|csv|parquet").build();
    public static final Setting<String> LABEL_COLUMN = Setting.builder("labelColumn", SettingType.TEXT)
            .doc("CSV/Parquet column holding the 0-based class index.").defaultValue("label").paramLabel("NAME")
            .build();
    public static final Setting<String> FEATURES_COLUMN = Setting.builder("featuresColumn", SettingType.TEXT)
            .doc("Parquet vector column of features.").defaultValue("features").paramLabel("NAME").build();

    /** Where the examples come from: what every command that reads training data shares. */
    public static final List<Setting<?>> DATA_SETTINGS = List.of(MAX_EXAMPLES, DATA, DATA_FORMAT, LABEL_COLUMN,
            FEATURES_COLUMN);

    /** The library settings of the network to start from: after the model given and its data in the help. */
    private static final List<Setting<?>> MODEL_SETTINGS = List.of(Settings.NETWORK, Settings.HIDDEN);

    /**
     * {@code onecycle train}'s settings, in the order its help shows them: every library setting, each list of
     * {@link Settings} taken whole (a setting declared in one gets its flag and {@code spark.onecycle.*} key here
     * without further code; SettingDerivationsTest fails for one that has none), and the application's own.
     */
    public static final List<Setting<?>> TRAIN = train();

    private static List<Setting<?>> train() {
        List<Setting<?>> s = new ArrayList<>(Settings.POLICY);
        s.set(s.indexOf(Settings.LR_MAX), LR_MAX_OR_AUTO);
        s.addAll(Settings.CYCLE);
        Settings.TRAINER.stream().filter(t -> !MODEL_SETTINGS.contains(t)).forEach(s::add);
        s.addAll(List.of(RUN_DIR, OVERWRITE));
        List<Setting<?>> checkpoints = new ArrayList<>(Settings.CHECKPOINTS);
        checkpoints.set(checkpoints.indexOf(Settings.CHECKPOINT_DIR),
                Settings.CHECKPOINT_DIR.withDefaultDoc("<run-dir>/checkpoints"));
        // the crash-loop limit next to what it guards, before the resume's other switch
        int accept = checkpoints.indexOf(Settings.ACCEPT_CHANGED_SETTINGS);
        checkpoints.add(accept < 0 ? checkpoints.size() : accept, MAX_RESTARTS);
        s.addAll(checkpoints);
        s.add(MODEL_IN);
        s.addAll(DATA_SETTINGS);
        s.addAll(MODEL_SETTINGS);
        s.addAll(Settings.RANGE_TEST);
        return List.copyOf(s);
    }
}
