/**
 * How a fit's workers average their states: the {@link dev.onecycle.averaging.Averaging} seam the trainer calls,
 * its strategies (one class each: {@code DriverAveraging}, {@code BarrierAveraging}) and their registry
 * {@link dev.onecycle.averaging.AveragingPath} (which also makes the {@code averaging} setting's choices and help
 * text, and holds the {@code auto} choice), the fixed-order mean ({@code WorkerMean}) and the driver's RPC endpoint
 * of the barrier path. A new strategy: one class implementing {@code Averaging} here, plus one constant in
 * {@code AveragingPath}.
 *
 * <p>Uses {@code dev.onecycle.worker} (what runs in an executor task) and the lower packages; never the trainer
 * ({@code dev.onecycle.spark}), the settings catalogue or checkpoints ({@code PackageCyclesTest}).
 */
package dev.onecycle.averaging;
