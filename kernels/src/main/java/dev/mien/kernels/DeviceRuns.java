package dev.mien.kernels;

/**
 * A backend workspace that runs a whole plan elsewhere (a GPU) as one program instead of call
 * by call. The engine brackets every run of a plan: {@link #beginRun} names the host arrays that
 * hold the run's inputs (copied to the device), {@link #beginStep} marks where each planned step
 * starts, and {@link #endRun} runs what the steps' kernel calls described and copies the outputs
 * back into the given host arrays. Between the two, kernel calls only describe work: their
 * arrays are identities of device buffers, read or written only on the device.
 */
public interface DeviceRuns {
    void beginRun(float[][] inputs);

    void beginStep(int step);

    /** Runs the recorded program; {@code outputs} are filled when it returns. */
    void endRun(float[][] outputs);

    /**
     * Device time of each step of the last run that was profiled, in nanoseconds, indexed like
     * the plan's steps; null when the device cannot tell (then only the whole run is timed).
     */
    default long[] lastStepNanos() { return null; }
}
