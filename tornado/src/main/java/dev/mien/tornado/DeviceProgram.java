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
    private final int graphs;
    private boolean closed;

    private DeviceProgram(List<Call> calls, float[][] inputs, float[][] outputs, FloatArray[] inDevice, FloatArray[] outDevice,
                          TornadoExecutionPlan plan, String name, int graphs) {
        this.calls = calls;
        this.inputs = inputs;
        this.outputs = outputs;
        this.inDevice = inDevice;
        this.outDevice = outDevice;
        this.plan = plan;
        this.name = name;
        this.graphs = graphs;
    }

    /**
     * TornadoVM describes a task graph in a fixed 8 KiB buffer (15 bytes per task plus 5 per
     * argument) and schedules it in a graph of at most 1024 nodes (a few per object and per task
     * argument), so a plan of more than a few dozen calls is cut into several task graphs, run one
     * after another. Each graph takes over the run-time buffers (inputs and activations) of the
     * one before ({@code consumeFromDevice}) and hands them all on ({@code persistOnDevice}), so
     * nothing goes back to the host between them; weights, constants and parameter blocks go up
     * once to the graph whose tasks read them.
     */
    static final int GRAPH_BYTES = 7000, GRAPH_NODES = 850;

    static DeviceProgram build(TornadoDevice device, List<Call> recorded, float[][] inputs, float[][] outputs, DeviceMemory mem) {
        if (recorded.isEmpty()) throw new IllegalStateException("a device program needs at least one kernel call");
        // The last graph copies the outputs back only for buffers its own tasks use: each output
        // gets a task there that reads and rewrites one value.
        List<Call> calls = new ArrayList<>(recorded);
        for (float[] o : outputs) calls.add(new Call(Kernel.KEEP, new Object[]{o}, 0, new int[]{1, 1}, 0f, 1, -1));
        String name = "mien" + IDS.incrementAndGet();
        KernelContext ctx = new KernelContext();
        GridScheduler grid = new GridScheduler();
        FloatArray[] inDev = new FloatArray[inputs.length], outDev = new FloatArray[outputs.length];
        Set<Object> perRun = identitySet(), runtime = identitySet();
        for (int i = 0; i < inputs.length; i++) perRun.add(inDev[i] = mem.of(inputs[i]));
        for (int i = 0; i < outputs.length; i++) runtime.add(outDev[i] = mem.of(outputs[i]));
        runtime.addAll(perRun);
        for (Call c : calls) runtime.add(mem.resolve(c.buffers()[c.writes()]));
        List<ImmutableTaskGraph> graphs = new ArrayList<>();
        // Run-time buffers already on the device, handed from graph to graph.
        Set<Object> live = identitySet();
        String previous = null;
        int i = 0, part = 0;
        while (i < calls.size()) {
            String graphName = name + "_" + part++;
            TaskGraph g = new TaskGraph(graphName);
            if (previous != null) g.consumeFromDevice(previous, live.toArray());
            // What this graph's tasks touch first goes up on its first execution (the inputs: on
            // every execution): weights and constants, and the activation buffers the tasks write.
            Set<Object> once = identitySet(), every = identitySet();
            List<Runnable> tasks = new ArrayList<>();
            int bytes = 0, nodes = 16 + 3 * live.size();
            for (; i < calls.size(); i++) {
                Call c = calls.get(i);
                Object[] r = new Object[c.buffers().length];
                int fresh = 0;
                for (int k = 0; k < r.length; k++) {
                    r[k] = mem.resolve(c.buffers()[k]);
                    if (!live.contains(r[k]) && !once.contains(r[k]) && !every.contains(r[k])) fresh++;
                }
                int cost = 15 + 5 * (3 + r.length), nodeCost = 3 * (fresh + 1) + 2 + 3 * (r.length + 2);
                // The output keepers stay together in the last graph.
                boolean keeper = i >= recorded.size() && c.kernel() == Kernel.KEEP;
                if ((bytes + cost > GRAPH_BYTES || nodes + nodeCost > GRAPH_NODES) && !tasks.isEmpty() && !(keeper && i > recorded.size())) break;
                bytes += cost;
                nodes += nodeCost;
                for (Object o : r) if (!live.contains(o)) (perRun.contains(o) ? every : once).add(o);
                IntArray p = IntArray.fromArray(c.params());
                once.add(p);
                String id = "t" + i;
                tasks.add(() -> c.kernel().add(g, id, ctx, p, r, c.arg()));
                WorkerGrid1D w = new WorkerGrid1D(roundUp(c.workItems()));
                w.setLocalWork(LOCAL, 1, 1);
                grid.addWorkerGrid(graphName + "." + id, w);
            }
            if (!once.isEmpty()) g.transferToDevice(DataTransferMode.FIRST_EXECUTION, once.toArray());
            if (!every.isEmpty()) g.transferToDevice(DataTransferMode.EVERY_EXECUTION, every.toArray());
            tasks.forEach(Runnable::run);
            for (Object o : once) if (runtime.contains(o)) live.add(o);
            live.addAll(every);
            if (i < calls.size()) {
                g.persistOnDevice(live.toArray());
            } else {
                Set<Object> back = identitySet();
                Collections.addAll(back, (Object[]) outDev);
                g.transferToHost(DataTransferMode.EVERY_EXECUTION, back.toArray());
            }
            graphs.add(g.snapshot());
            previous = graphName;
        }
        TornadoExecutionPlan plan = new TornadoExecutionPlan(graphs.toArray(ImmutableTaskGraph[]::new)).withDevice(device).withGridScheduler(grid);
        return new DeviceProgram(List.copyOf(recorded), inputs.clone(), outputs.clone(), inDev, outDev, plan, name, graphs.size());
    }

    private static Set<Object> identitySet() { return Collections.newSetFromMap(new IdentityHashMap<>()); }

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
        if (graphs == 1) plan.execute();
        // One graph at a time: TornadoVM hands device buffers on from the graph it ran last.
        else for (int g = 0; g < graphs; g++) plan.withGraph(g).execute();
        for (int i = 0; i < outputs.length; i++) DeviceMemory.download(outDevice[i], outputs[i]);
    }

    int taskCount() { return calls.size(); }

    int graphCount() { return graphs; }

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
