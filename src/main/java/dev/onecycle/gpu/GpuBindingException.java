package dev.onecycle.gpu;

/** Spark's GPU assignment for a task cannot be used by ND4J: the message says why and what to check. */
public final class GpuBindingException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public GpuBindingException(String message) {
        super(message);
    }
}
