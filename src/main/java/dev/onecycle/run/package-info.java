/**
 * The run engine: one run from settings to result, for every front end. {@code onecycle train} and
 * {@code lr-find} ({@code dev.onecycle.cli} over {@code dev.onecycle.job}: flags in, files out) and
 * {@code OneCycleClassifier.fit} / {@code findLr} ({@code dev.onecycle.ml}: Params in, model out) are adapters over
 * it, so the two cannot drift apart.
 *
 * <ul>
 *   <li>{@link dev.onecycle.run.RunSettings}: the library settings of a run (declared in
 *       {@code dev.onecycle.settings.Settings}), as either front end gives them.</li>
 *   <li>{@link dev.onecycle.run.RunRules}: every rule between settings, once.</li>
 *   <li>{@link dev.onecycle.run.ResumeDecision}: how a resume is decided: which checkpoint, what differs, the
 *       mid-epoch data order, the cycle a given model carries; gives the {@link dev.onecycle.run.RunStart}, which
 *       checks the slice and builds the trainer.</li>
 *   <li>{@link dev.onecycle.run.RunCheckpoints}: the checkpoint folder opened, locked, cleaned and written;
 *       {@link dev.onecycle.run.RestartLedger}: the crash-loop guard; {@link dev.onecycle.run.GracefulStop}: a
 *       stop that ends at a checkpoint.</li>
 *   <li>{@link dev.onecycle.run.RangeTest}: the learning-rate range test of a run.</li>
 *   <li>{@link dev.onecycle.run.RunNaming}: the front end's words (flags or Params) every refusal is phrased in.</li>
 * </ul>
 *
 * <p>Where a change goes: a new setting is declared in {@code dev.onecycle.settings.Settings} (in one of its
 * lists); the CLI flag, the {@code spark.onecycle.*} key and the estimator Param follow from it, and a rule
 * that ties it to other settings goes in {@link dev.onecycle.run.RunRules}. How a resume is decided:
 * {@link dev.onecycle.run.ResumeDecision} (and what a checkpoint records: {@code Setting.Builder#recorded}).
 *
 * <p>Depends on settings, schedule, checkpoint, data, dl4j, lrfind and spark (the trainer); never on cli, job or ml.
 */
package dev.onecycle.run;
