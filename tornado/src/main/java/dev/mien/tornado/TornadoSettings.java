package dev.mien.tornado;

/**
 * The TornadoVM settings Mien depends on, set before TornadoVM reads them (it reads each once,
 * when its runtime starts) unless the user set them:
 * <ul>
 *   <li>{@code tornado.recover.bailout=False}: a kernel TornadoVM cannot compile is an error, never
 *       a silent run of the Java loop on the host;</li>
 *   <li>{@code tornado.opencl.compiler.flags=-w}: no {@code -cl-fast-relaxed-math}, which lets the
 *       device compiler assume there is no NaN or Inf (Mien's kernels keep them as the CPU does);</li>
 *   <li>{@code tornado.tvm.maxbytecodesize}: room for the schedule of a graph of many tasks
 *       (the default 4 KiB overflows, and TornadoVM reports it as a bailout).</li>
 * </ul>
 */
final class TornadoSettings {
    private TornadoSettings() {}

    static void applyDefaults() {
        if (System.getProperty("tornado.recover.bailout") == null) System.setProperty("tornado.recover.bailout", "False");
        if (System.getProperty("tornado.opencl.compiler.flags") == null) System.setProperty("tornado.opencl.compiler.flags", "-w");
        if (System.getProperty("tornado.tvm.maxbytecodesize") == null) System.setProperty("tornado.tvm.maxbytecodesize", Integer.toString(1 << 20));
    }
}
