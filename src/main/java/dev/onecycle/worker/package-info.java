/**
 * What runs in an executor task for one worker, whatever the averaging: {@link dev.onecycle.worker.WorkerTask}
 * (the one task entry: bind the task's device, take the worker's shard, its cached network and the start state),
 * the worker's shard of an epoch ({@code WorkerShard}), one round of training ({@code RoundSteps}, giving a
 * {@code RoundResult}), the state that travels every round ({@code NetworkState}) and the network's spec.
 *
 * <p>Uses only {@code dev.onecycle.dl4j}, {@code gpu}, {@code data} and {@code schedule} ({@code PackageCyclesTest}).
 */
package dev.onecycle.worker;
