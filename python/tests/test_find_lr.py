"""find_lr: the range test's curve and suggestions as Python values, and its plot."""

import pytest

from conftest import small


def test_find_lr_gives_the_curve_and_the_suggestions(train):
    est = small()
    result = est.find_lr(train, num_it=40)
    curve = result.curve
    assert list(curve.columns) == ["iteration", "lr", "loss", "smoothed_loss"]
    assert 10 < len(curve) <= 40 and list(curve["iteration"]) == list(range(len(curve)))
    assert curve["lr"].iloc[0] == pytest.approx(1e-7) and curve["lr"].is_monotonic_increasing
    assert set(result.suggestions) <= {"steep", "minimum/10", "valley"} and result.suggestions
    assert result.auto == result.suggestions.get("minimum/10")
    assert result.stop_reason and "range test" in result.text
    # what lrMax=auto takes, usable as a Param
    if result.auto is not None:
        assert est.setLrMax(result.auto).getLrMax() == result.auto


def test_find_lr_plot_marks_the_suggestions(train):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    result = small().find_lr(train, num_it=20, end_lr=1.0)
    fig = result.plot()
    assert fig.axes[0].get_xscale() == "log"
    assert len(fig.axes[0].get_lines()) == 1 + len(result.suggestions)
