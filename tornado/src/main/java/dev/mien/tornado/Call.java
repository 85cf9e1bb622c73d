package dev.mien.tornado;

import java.util.Arrays;

/**
 * One recorded kernel call: which device kernel, its buffers, its integer parameters and its
 * one float argument. Buffers are host arrays ({@code float[]}: a planned slot or a constant,
 * named by identity), device arrays made for the call (weights, resize maps), or null for an
 * absent bias / residual. {@code writes} flags the buffer the call writes.
 *
 * @param step the plan step the call belongs to (-1 outside a plan run)
 */
record Call(Kernel kernel, Object[] buffers, int writes, int[] params, float arg, int workItems, int step) {
    boolean writes(int buffer) { return buffer == writes; }

    /** The same work on the same buffers: a recorded program may be replayed for it. */
    boolean sameAs(Call o) {
        if (kernel != o.kernel || writes != o.writes || workItems != o.workItems
                || Float.floatToRawIntBits(arg) != Float.floatToRawIntBits(o.arg) || !Arrays.equals(params, o.params)
                || buffers.length != o.buffers.length) return false;
        for (int i = 0; i < buffers.length; i++) if (buffers[i] != o.buffers[i]) return false;
        return true;
    }
}
