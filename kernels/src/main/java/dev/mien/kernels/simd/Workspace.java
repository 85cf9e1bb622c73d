package dev.mien.kernels.simd;

import dev.mien.kernels.WorkerTeam;

/**
 * The reusable memory of one vector-backend handle: its loop bodies, padded-input scratch,
 * reduction lanes, and the slot its caller computes with. Used by one caller at a time.
 */
final class Workspace {
    final Tasks tasks = new Tasks();
    final Scratch scratch = new Scratch();
    final float[] lanes = new float[ConvKernel.VL];
    final WorkerTeam.Slot slot = new WorkerTeam.Slot();

    ThreadState state() { return slot.local(ThreadState::new); }
}
