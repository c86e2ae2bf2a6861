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
     * fastai 2's {@code Learner.fit_one_cycle(n_epoch, ..., start_epoch)}: the position {@code pct_train} is
     * {@code epoch / n_epoch} at each epoch's start plus {@code 1 / (n_iter * n_epoch)} added per batch (float64),
     * the phases of {@code combine_scheds} are float32, annealing {@code SchedCos}. Defaults: {@code pctStart}
     * 0.25, final learning rate {@code lrMax / 1e5}. Its values depend on the epochs, not only the step count.
     */
    FASTAI2,
    /**
     * PyTorch's {@code torch.optim.lr_scheduler.OneCycleLR}: phase ends at {@code pctStart * n - 1} and
     * {@code n - 1} (three phases optionally); the value used for batch {@code i} is {@code get_lr()} at step i.
     */
    PYTORCH;

    /** Parses {@code fastai}, {@code fastai2} or {@code pytorch} (also {@code torch}), case-insensitively. */
    public static OneCycleStyle parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "fastai":
                return FASTAI;
            case "fastai2":
                return FASTAI2;
            case "pytorch":
            case "torch":
                return PYTORCH;
            default:
                throw new InvalidParameterException("style", "must be one of fastai, fastai2, pytorch", name);
        }
    }

    /** The lower-case name used on the command line and in checkpoints. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
