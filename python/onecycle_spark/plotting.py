"""One-call matplotlib plots of a range test and of a fit's applied schedule (matplotlib is optional)."""


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from None
    return plt


def plot_lr_find(result, ax=None):
    """Smoothed loss against learning rate (log scale), each suggestion marked; returns the figure."""
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4))
    else:
        fig = ax.figure
    rows = result._rows
    ax.plot([r["lr"] for r in rows], [r["smoothed_loss"] for r in rows], label="smoothed loss")
    for name, point in result.suggestion_points.items():
        ax.plot([point["lr"]], [point["smoothed_loss"]], "o", label=f"{name}: {result.suggestions[name]:.3g}")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    ax.set_title("learning-rate range test")
    ax.legend()
    return fig


def plot_schedule(summary, ax=None):
    """The applied learning rate (left axis) and momentum (right axis) per step; returns the figure."""
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4))
    else:
        fig = ax.figure
    steps = summary._first_worker()
    its = [r["iteration"] for r in steps]
    ax.plot(its, [r["lr"] for r in steps], color="tab:blue", label="learning rate")
    ax.set_xlabel("iteration")
    ax.set_ylabel("learning rate", color="tab:blue")
    moms = [r["momentum"] for r in steps]
    if any(m == m for m in moms):  # not all NaN (an updater without momentum)
        ax2 = ax.twinx()
        ax2.plot(its, moms, color="tab:orange", label="momentum")
        ax2.set_ylabel("momentum", color="tab:orange")
    ax.set_title("applied 1cycle schedule")
    return fig
