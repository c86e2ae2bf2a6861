/**
 * {@code onecycle train} and {@code lr-find}'s side of a run: the data and model files in, the run folder's files
 * out ({@link dev.onecycle.job.RunFolder}: written in place only when complete, fenced by the checkpoint lock;
 * {@link dev.onecycle.job.RunRecorder}: applied-schedule.csv, metrics.csv and the plot;
 * {@link dev.onecycle.job.LrFindRun}: the range test's files; {@link dev.onecycle.job.ConsoleProgress}), the
 * application's own settings ({@link dev.onecycle.job.JobSettings}) and {@link dev.onecycle.job.TrainingJob}, which
 * runs the engine ({@code dev.onecycle.run}: rules, resume decision, checkpoints, stop) with them. Depends on run;
 * the engine never on it.
 */
package dev.onecycle.job;
