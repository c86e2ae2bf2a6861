package dev.onecycle.run;

import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.settings.Setting;

/**
 * How a front end names the declared settings, and how it refuses a run: {@code onecycle train} by its flags
 * ({@code --keep-checkpoints}; a {@link RunInputException}, one line and exit 2), {@code OneCycleClassifier} by its
 * Params ({@code keepCheckpoints}; an {@link InvalidParameterException} naming the Param). The engine phrases each
 * rule once, in these words, so the two front ends say the same thing.
 */
public enum RunNaming {
    /** {@code onecycle train}, {@code onecycle lr-find}: {@code --keep-checkpoints}. */
    FLAGS,
    /** {@code OneCycleClassifier}: {@code keepCheckpoints}. */
    PARAMS;

    /** The setting's name here: {@code --keep-checkpoints} or {@code keepCheckpoints}. */
    public String of(Setting<?> setting) {
        return this == FLAGS ? setting.flag() : setting.name();
    }

    /** How to switch a boolean setting on: {@code add --resume} or {@code set resume true}. */
    public String turnOn(Setting<Boolean> setting) {
        return this == FLAGS ? "add " + setting.flag() : "set " + setting.name() + " true";
    }

    /**
     * The refusal of a run because {@code setting}'s {@code value} breaks {@code rule} (a phrase that follows the
     * name: {@code "needs checkpoints, but ..."}): {@code --checkpoint-every 10: needs ...} (a switch is named
     * without its value), or {@code checkpointEvery needs ..., got 10}.
     */
    public RuntimeException refusal(Setting<?> setting, String rule, Object value) {
        if (this == PARAMS) {
            return new InvalidParameterException(setting.name(), rule, value);
        }
        boolean shown = value != null && !(value instanceof Boolean);
        return new RunInputException(setting.flag() + (shown ? " " + text(setting, value) : "") + ": " + rule);
    }

    @SuppressWarnings("unchecked")
    private static <T> String text(Setting<T> setting, Object value) {
        try {
            return setting.format((T) value);
        } catch (ClassCastException e) {
            return String.valueOf(value);
        }
    }
}
