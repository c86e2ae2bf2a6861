package dev.onecycle.schedule;

import java.util.Locale;

/** Which reference implementation of the 1cycle policy a schedule reproduces exactly. */
public enum OneCycleStyle {
    /**
     * fastai v1's {@code OneCycleScheduler}: phases of {@code int(n * pctStart)} and the remaining steps; the
     * value used for batch {@code i} is the one the callback has set before that batch.
     */
    FASTAI,
    /**
     * PyTorch's {@code torch.optim.lr_scheduler.OneCycleLR}: phase ends at {@code pctStart * n - 1} and
     * {@code n - 1} (three phases optionally); the value used for batch {@code i} is {@code get_lr()} at step i.
     */
    PYTORCH;

    /** Parses {@code fastai} or {@code pytorch} (also {@code torch}), case-insensitively. */
    public static OneCycleStyle parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "fastai":
                return FASTAI;
            case "pytorch":
            case "torch":
                return PYTORCH;
            default:
                throw new InvalidParameterException("style", "must be one of fastai, pytorch", name);
        }
    }

    /** The lower-case name used on the command line and in checkpoints. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
