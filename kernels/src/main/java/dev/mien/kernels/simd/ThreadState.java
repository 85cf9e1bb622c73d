package dev.mien.kernels.simd;

import dev.mien.kernels.ScalarBackend;

/**
 * What one thread needs while it computes its share of a kernel call: the convolution
 * micro-kernels' job and the broadcast index scratch. Kept in a {@link dev.mien.kernels.WorkerTeam.Slot}:
 * a worker's slot belongs to the team, a caller's to its workspace, so no thread-local is read
 * on the hot path and a new thread (a virtual thread per request) brings no state of its own.
 */
final class ThreadState {
    private static final int MAX_RANK = 8;

    final ConvKernel.Job job = new ConvKernel.Job();
    final RowTileKernel.Job rows = new RowTileKernel.Job();
    final PointwiseKernel.Job pointwise = new PointwiseKernel.Job();
    final WinogradKernel.Buffers winograd = new WinogradKernel.Buffers();
    final int[][] broadcast = new int[3][MAX_RANK];
    /** Two interpolated rows for this thread's share of a resize. */
    private double[] resizeRows = new double[0];

    double[] resizeRows(int n) {
        if (resizeRows.length < n) resizeRows = new double[n];
        return resizeRows;
    }

    /** The reference loops with this thread's own scratch, for the broadcasts the vector loops do not cover. */
    final ScalarBackend reference = new ScalarBackend().newWorkspace();
}
