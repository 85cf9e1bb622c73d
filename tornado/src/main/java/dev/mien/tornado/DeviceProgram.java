package dev.mien.tornado;

import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A run's kernel calls as one TornadoVM task graph on one device: every weight, constant and
 * parameter block is uploaded on the first execution and stays resident; activations live only
 * on the device; per run, only the inputs go up and the outputs come back. Compiled by TornadoVM
 * on its first execution (every kernel at once, or an error: bailouts are off).
 */
final class DeviceProgram implements AutoCloseable {
    /** Work-group size: a multiple of every GPU's SIMD width, and fine for CPU OpenCL devices. */
    static final int LOCAL = 64;
    private static final AtomicLong IDS = new AtomicLong();

    private final List<Call> calls;
    private final float[][] inputs, outputs;
    private final FloatArray[] inDevice, outDevice;
    private final TornadoExecutionPlan plan;
    private final String name;
    private boolean closed;

    private DeviceProgram(List<Call> calls, float[][] inputs, float[][] outputs, FloatArray[] inDevice, FloatArray[] outDevice,
                          TornadoExecutionPlan plan, String name) {
        this.calls = calls;
        this.inputs = inputs;
        this.outputs = outputs;
        this.inDevice = inDevice;
        this.outDevice = outDevice;
        this.plan = plan;
        this.name = name;
    }

    static DeviceProgram build(TornadoDevice device, List<Call> calls, float[][] inputs, float[][] outputs, DeviceMemory mem) {
        if (calls.isEmpty()) throw new IllegalStateException("a device program needs at least one kernel call");
        String name = "mien" + IDS.incrementAndGet();
        TaskGraph g = new TaskGraph(name);
        KernelContext ctx = new KernelContext();
        GridScheduler grid = new GridScheduler();
        FloatArray[] inDev = new FloatArray[inputs.length], outDev = new FloatArray[outputs.length];
        Set<Object> perRun = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < inputs.length; i++) perRun.add(inDev[i] = mem.of(inputs[i]));
        for (int i = 0; i < outputs.length; i++) outDev[i] = mem.of(outputs[i]);
        // Everything else the tasks touch goes up once: weights and constants (read-only), and the
        // activation buffers, which the tasks then write on the device.
        Set<Object> once = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Object[]> resolved = new ArrayList<>(calls.size());
        List<IntArray> params = new ArrayList<>(calls.size());
        once.add(mem.none);
        for (Call c : calls) {
            Object[] r = new Object[c.buffers().length];
            for (int k = 0; k < r.length; k++) {
                r[k] = mem.resolve(c.buffers()[k]);
                if (!perRun.contains(r[k])) once.add(r[k]);
            }
            resolved.add(r);
            IntArray p = IntArray.fromArray(c.params());
            params.add(p);
            once.add(p);
        }
        if (!once.isEmpty()) g.transferToDevice(DataTransferMode.FIRST_EXECUTION, once.toArray());
        if (!perRun.isEmpty()) g.transferToDevice(DataTransferMode.EVERY_EXECUTION, perRun.toArray());
        for (int i = 0; i < calls.size(); i++) {
            Call c = calls.get(i);
            String id = "t" + i;
            c.kernel().add(g, id, ctx, params.get(i), resolved.get(i), c.arg());
            WorkerGrid1D w = new WorkerGrid1D(roundUp(c.workItems()));
            w.setLocalWork(LOCAL, 1, 1);
            grid.addWorkerGrid(name + "." + id, w);
        }
        Set<Object> back = Collections.newSetFromMap(new IdentityHashMap<>());
        Collections.addAll(back, (Object[]) outDev);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, back.toArray());
        ImmutableTaskGraph itg = g.snapshot();
        TornadoExecutionPlan plan = new TornadoExecutionPlan(itg).withDevice(device).withGridScheduler(grid);
        return new DeviceProgram(List.copyOf(calls), inputs.clone(), outputs.clone(), inDev, outDev, plan, name);
    }

    private static int roundUp(int n) { return Math.max(LOCAL, (n + LOCAL - 1) / LOCAL * LOCAL); }

    /** Whether this program does exactly what {@code calls} describe, between the same host arrays. */
    boolean matches(List<Call> calls, float[][] inputs, float[][] outputs) {
        if (calls.size() != this.calls.size() || !sameArrays(inputs, this.inputs) || !sameArrays(outputs, this.outputs)) return false;
        for (int i = 0; i < calls.size(); i++) if (!calls.get(i).sameAs(this.calls.get(i))) return false;
        return true;
    }

    private static boolean sameArrays(float[][] a, float[][] b) {
        if (a.length != b.length) return false;
        for (int i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
        return true;
    }

    /** Uploads the inputs, runs every task, and copies the outputs into their host arrays. */
    void run() {
        if (closed) throw new IllegalStateException("the device program is closed");
        for (int i = 0; i < inputs.length; i++) DeviceMemory.upload(inputs[i], inDevice[i]);
        plan.execute();
        for (int i = 0; i < outputs.length; i++) DeviceMemory.download(outDevice[i], outputs[i]);
    }

    int taskCount() { return calls.size(); }

    String name() { return name; }

    @Override public void close() {
        if (closed) return;
        closed = true;
        try {
            plan.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot free the device memory of " + name + ": " + e.getMessage(), e);
        }
    }
}
