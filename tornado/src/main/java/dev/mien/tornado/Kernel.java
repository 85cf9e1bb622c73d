package dev.mien.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/** The device kernels ({@link DeviceKernels}) and how each becomes a TornadoVM task. */
enum Kernel {
    KEEP("keep") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::keep, c, p, fa(b[0]));
        }
    },
    CONV2D("conv2d") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::conv2d, c, p, fa(b[0]), fa(b[1]), fa(b[2]), fa(b[3]), fa(b[4]), f);
        }
    },
    CONV_TRANSPOSE2D("convTranspose2d") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::convTranspose2d, c, p, fa(b[0]), fa(b[1]), fa(b[2]), fa(b[3]), f);
        }
    },
    POOL2D("pool2d") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::pool2d, c, p, fa(b[0]), fa(b[1]), f);
        }
    },
    GLOBAL_POOL("globalPool") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::globalPool, c, p, fa(b[0]), fa(b[1]), f);
        }
    },
    DENSE("dense") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::dense, c, p, fa(b[0]), fa(b[1]), fa(b[2]), fa(b[3]), f);
        }
    },
    ACTIVATION("activation") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::activation, c, p, fa(b[0]), fa(b[1]), f);
        }
    },
    SCALE_SHIFT("scaleShift") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::scaleShift, c, p, fa(b[0]), fa(b[1]), fa(b[2]), fa(b[3]), f);
        }
    },
    PRELU("prelu") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::prelu, c, p, fa(b[0]), fa(b[1]), fa(b[2]));
        }
    },
    SOFTMAX("softmax") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::softmax, c, p, fa(b[0]), fa(b[1]));
        }
    },
    BINARY("binary") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::binary, c, p, fa(b[0]), fa(b[1]), fa(b[2]));
        }
    },
    REDUCE_ROWS("reduceRows") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::reduceRows, c, p, fa(b[0]), fa(b[1]));
        }
    },
    REDUCE_AXES("reduceAxes") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::reduceAxes, c, p, fa(b[0]), fa(b[1]), f);
        }
    },
    COPY_ROWS("copyRows") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::copyRows, c, p, fa(b[0]), fa(b[1]));
        }
    },
    PAD2D("pad2d") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::pad2d, c, p, fa(b[0]), fa(b[1]));
        }
    },
    TRANSPOSE("transpose") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::transpose, c, p, fa(b[0]), fa(b[1]));
        }
    },
    CHANNEL_SHUFFLE("channelShuffle") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::channelShuffle, c, p, fa(b[0]), fa(b[1]));
        }
    },
    RESIZE("resize") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::resize, c, p, (IntArray) b[0], fa(b[1]), fa(b[2]), fa(b[3]));
        }
    },
    PWFS("pwfs") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::pwfs, c, p, fa(b[0]), fa(b[1]));
        }
    },
    ATTENTION("attention") {
        @Override void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f) {
            g.task(id, DeviceKernels::attention, c, p, fa(b[0]), fa(b[1]), fa(b[2]), fa(b[3]), f);
        }
    };

    /** The {@link DeviceKernels} method's name, as profiles and listings show it. */
    final String method;

    Kernel(String method) { this.method = method; }

    /** Adds the task; {@code b} holds the call's buffers resolved to device arrays. */
    abstract void add(TaskGraph g, String id, KernelContext c, IntArray p, Object[] b, float f);

    private static FloatArray fa(Object o) { return (FloatArray) o; }
}
