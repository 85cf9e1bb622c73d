package dev.mien.engine;

import dev.mien.engine.ir.ValueInfo;
import dev.mien.engine.runtime.Buffers;
import dev.mien.engine.runtime.Plan;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One thread's handle on a model at a fixed batch size: the plan plus its own activation
 * buffers. A warm {@link #run()} allocates nothing: write inputs with {@link #setInput}, run,
 * read outputs with {@link #output}. Not thread-safe; make one per thread (cheap: the weights
 * stay in the shared {@link Model}).
 */
public final class Session {
    private final Model model;
    private final Plan plan;
    private final Buffers buffers;

    Session(Model model, Plan plan, Buffers buffers) {
        this.model = model;
        this.plan = plan;
        this.buffers = buffers;
    }

    public int batch() { return plan.batch(); }
    public Plan plan() { return plan; }
    Buffers buffers() { return buffers; }

    /** Copies an input given in the engine's NHWC layout (size must match exactly). */
    public Session setInput(String name, float[] nhwc) {
        float[] dst = plan.slotOf(buffers, name);
        int need = (int) Tensor.sizeOf(plan.shape(name));
        if (nhwc.length != need)
            throw new IllegalArgumentException("input '" + name + "' needs " + need + " values " + Arrays.toString(plan.shape(name)) + ", got " + nhwc.length);
        System.arraycopy(nhwc, 0, dst, 0, need);
        return this;
    }

    public Session run() {
        model.ensureOpen();
        plan.execute(buffers);
        return this;
    }

    /** Runs once, adding each step's time to {@code nanos} (indexed like {@link Plan#stepNames()}). */
    public Session runProfiled(long[] nanos) {
        model.ensureOpen();
        plan.executeProfiled(buffers, nanos);
        return this;
    }

    /** The live buffer holding a kept value (NHWC). Valid until the next run; may be longer than the value. */
    public float[] outputBuffer(String name) { return plan.slotOf(buffers, name); }

    /** A copy of a kept value in the engine's layout. */
    public Tensor output(String name) {
        int[] shape = plan.shape(name);
        float[] src = plan.slotOf(buffers, name);
        return new Tensor(shape, Arrays.copyOf(src, (int) Tensor.sizeOf(shape)));
    }

    /** Sets inputs given in their source framework's layout, runs, and returns outputs in that layout. */
    public Map<String, Tensor> run(Map<String, Tensor> inputs, List<String> wanted) {
        for (ValueInfo vi : model.graph().inputs()) {
            Tensor t = inputs.get(vi.name());
            if (t == null) {
                if (inputs.size() == 1 && model.graph().inputs().size() == 1) t = inputs.values().iterator().next();
                else throw new IllegalArgumentException("missing input '" + vi.name() + "'");
            }
            setInput(vi.name(), Layouts.toEngine(vi, t, batch()).data());
        }
        run();
        String layout = model.graph().inputs().isEmpty() ? "NHWC" : model.graph().inputs().get(0).layout();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String w : wanted) out.put(w, Layouts.fromEngine(layout, output(w)));
        return out;
    }
}
