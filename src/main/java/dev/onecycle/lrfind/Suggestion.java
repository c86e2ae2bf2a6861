package dev.onecycle.lrfind;

/**
 * A learning rate suggested from a range test's smoothed loss curve: {@code name} ({@link Suggestions#STEEP},
 * {@link Suggestions#MINIMUM} or {@link Suggestions#VALLEY}), the suggested {@code lr}, and the point of the
 * curve it was read from ({@code iteration}, at learning rate {@code pointLr} with smoothed loss
 * {@code smoothedLoss}; {@code lr} is {@code pointLr / 10} for the minimum, else {@code pointLr}).
 */
public record Suggestion(String name, double lr, int iteration, double pointLr, double smoothedLoss) {
}
