package dev.onecycle.lrfind;

import java.util.List;
import java.util.Optional;

/**
 * A finished range test: the sweep, the momentum it held, every recorded point, why it ended, and the
 * suggestions its curve gives ({@link Suggestions}).
 */
public record RangeTestResult(LrRange range, double momentum, List<RangePoint> points, StopReason stop,
        List<Suggestion> suggestions) {

    public RangeTestResult {
        points = List.copyOf(points);
        suggestions = List.copyOf(suggestions);
    }

    /** The suggestion called {@code name}, if the curve gave one. */
    public Optional<Suggestion> suggestion(String name) {
        return suggestions.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** What {@code --lr-max auto} takes: the {@link Suggestions#AUTO} suggestion. */
    public Optional<Suggestion> auto() {
        return suggestion(Suggestions.AUTO);
    }

    /** The learning rate of the last recorded iteration (where a diverging test stopped). */
    public double lastLr() {
        return points.get(points.size() - 1).lr();
    }

    /** One line: how far the sweep went, why it stopped, and the suggestions. */
    public String summary() {
        StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT,
                "range test: %d iterations, lr %.3g to %.3g (%s)", points.size(), range.startLr(), lastLr(),
                stop.description()));
        if (suggestions.isEmpty()) {
            b.append("; too few points for a suggestion");
        }
        for (Suggestion s : suggestions) {
            b.append(String.format(java.util.Locale.ROOT, "; %s %.3g", s.name(), s.lr()));
        }
        return b.toString();
    }
}
