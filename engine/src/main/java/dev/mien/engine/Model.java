package dev.mien.engine;

import dev.mien.engine.io.ModelSource;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.runtime.Buffers;
import dev.mien.engine.runtime.LoweringContexts;
import dev.mien.engine.runtime.Plan;
import dev.mien.engine.runtime.Planner;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.kernels.Backend;
import dev.mien.kernels.KernelRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A loaded, runnable model. Holds the graph and its weights once; plans per batch size and
 * options are made on first use and cached. Safe to share between threads: every concurrent
 * {@link #run} borrows its own activation buffers.
 */
public final class Model {
    private final Graph graph;
    private final Backend backend;
    private final LoweringContexts contexts;
    private final Map<PlanKey, Plan> plans = new ConcurrentHashMap<>();
    private final Map<PlanKey, Queue<Buffers>> pools = new ConcurrentHashMap<>();

    private record PlanKey(int batch, RunOptions options) {}

    public Model(Graph graph, Backend backend) {
        Planner.checkSupported(graph);
        this.graph = graph;
        this.backend = backend;
        this.contexts = new LoweringContexts(backend);
    }

    /** A model on the default backend ({@link KernelRegistry#auto}) with the default thread count. */
    public static Model of(Graph graph) {
        return new Model(graph, KernelRegistry.auto(KernelRegistry.defaultThreads()));
    }

    /** Loads a model written by {@code mien convert}; needs nothing but this module. */
    public static Model load(java.nio.file.Path file) throws java.io.IOException {
        return of(dev.mien.engine.io.ModelFile.read(file));
    }

    /**
     * Loads a {@code .mien} model from any source (file, bytes, stream, class-path resource);
     * errors name the source. Sources that are not files are copied to a temporary file first,
     * which is deleted once read.
     */
    public static Model load(ModelSource source) throws java.io.IOException {
        return of(readModelFile(source));
    }

    /** The graph of a {@code .mien} model from any source. */
    public static Graph readModelFile(ModelSource source) throws java.io.IOException {
        try (ModelSource.LocalFile local = source.localFile()) {
            try {
                return dev.mien.engine.io.ModelFile.read(local.path());
            } catch (java.io.IOException e) {
                throw local.rename(e);
            }
        }
    }

    public Graph graph() { return graph; }

    /** What the network is: input, preprocessing, output to read, labels ({@link Graph#card()}). */
    public NetworkCard card() { return graph.card(); }
    public Backend backend() { return backend; }
    public List<String> outputNames() { return graph.outputs(); }

    public Plan plan(int batch, RunOptions options) {
        return plans.computeIfAbsent(new PlanKey(batch, options), k -> Planner.plan(graph, batch, contexts.of(options)));
    }

    /** A session owning fresh buffers, for one thread's repeated runs. */
    public Session newSession(int batch, RunOptions options) {
        Plan p = plan(batch, options);
        return new Session(this, p, p.newBuffers());
    }

    public Map<String, Tensor> run(Map<String, Tensor> inputs) { return run(inputs, RunOptions.DEFAULT); }

    /** Runs on inputs in the source framework's layout; returns graph outputs (and extras) in that layout. */
    public Map<String, Tensor> run(Map<String, Tensor> inputs, RunOptions options) {
        if (inputs.isEmpty()) throw new IllegalArgumentException("no inputs given");
        int batch = inputs.values().iterator().next().dim(0);
        PlanKey key = new PlanKey(batch, options);
        Plan p = plan(batch, options);
        Queue<Buffers> pool = pools.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>());
        Buffers b = pool.poll();
        if (b == null) b = p.newBuffers();
        try {
            List<String> wanted = new ArrayList<>(graph.outputs());
            for (String e : options.extraOutputs()) if (!wanted.contains(e)) wanted.add(e);
            return new Session(this, p, b).run(inputs, wanted);
        } finally {
            pool.offer(b);
        }
    }

    /** Single-input convenience. */
    public Map<String, Tensor> run(Tensor input) {
        if (graph.inputs().size() != 1) throw new IllegalArgumentException("model has " + graph.inputs().size() + " inputs; pass a map");
        return run(Map.of(graph.inputs().get(0).name(), input));
    }
}
