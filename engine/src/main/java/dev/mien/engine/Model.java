package dev.mien.engine;

import dev.mien.engine.io.ModelFile;
import dev.mien.engine.io.ModelSource;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.runtime.Buffers;
import dev.mien.engine.runtime.ImageLanes;
import dev.mien.engine.runtime.LoweringContexts;
import dev.mien.engine.runtime.PackedModelWeights;
import dev.mien.engine.runtime.Plan;
import dev.mien.engine.runtime.Planner;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.engine.runtime.SavedWeights;
import dev.mien.kernels.Backend;
import dev.mien.kernels.KernelRegistry;
import dev.mien.kernels.WorkerTeam;
import dev.mien.kernels.PackedWeights;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A loaded, runnable model. Holds the graph and its weights once: every convolution and dense
 * weight is packed for the backend when the model is built (or, from a {@code .mien} file
 * that stores the backend's layout, used in place from the memory-mapped file), and the graph
 * the model keeps has those weights stripped. Plans per batch size and options are made on
 * first use and cached. Safe to share between threads: every concurrent {@link #run} borrows
 * its own activation buffers and kernel workspace.
 *
 * <p>{@link #close} is idempotent; afterwards the model and its sessions refuse to run. It
 * releases a mapped model file, and closes the backend only when the model made it
 * ({@link #of}, {@link #owning}, {@link #load(Path)}); a backend or team passed in stays open
 * for its other users.
 */
public final class Model implements AutoCloseable {
    private final Graph graph;
    private final Backend backend;
    private final boolean ownsBackend;
    private volatile boolean closed;
    private final PackedModelWeights weights;
    private final LoweringContexts contexts;
    /** Owns the mapping of a {@code .mien} file whose weights are used in place; null otherwise. */
    private final Arena mapping;
    private final Map<PlanKey, Plan> plans = new ConcurrentHashMap<>();
    private final Map<PlanKey, Queue<Buffers>> pools = new ConcurrentHashMap<>();

    private record PlanKey(int batch, RunOptions options) {}

    /**
     * A model on {@code backend}, which the caller keeps and closes (one backend may serve several
     * models). Packs the graph's weights for the backend; the graph given is not changed (drop it
     * to free its raw weights).
     */
    public Model(Graph graph, Backend backend) { this(graph, backend, false, Map.of(), null); }

    private Model(Graph graph, Backend backend, boolean ownsBackend, Map<String, SavedWeights> saved, Arena mapping) {
        Planner.checkSupported(graph);
        this.backend = backend;
        this.ownsBackend = ownsBackend;
        this.weights = PackedModelWeights.pack(graph, backend, saved);
        this.graph = weights.graph();
        this.contexts = new LoweringContexts(backend, weights.packed());
        this.mapping = mapping;
    }

    /** A model that closes {@code backend} when it is closed. */
    public static Model owning(Graph graph, Backend backend) { return new Model(graph, backend, true, Map.of(), null); }

    /**
     * A model on the default backend ({@link KernelRegistry#auto}) with the default thread count,
     * on the process-wide worker team that every such model shares.
     */
    public static Model of(Graph graph) {
        return owning(graph, KernelRegistry.auto(KernelRegistry.defaultThreads()));
    }

    /** A model on the default backend running on {@code team}, which stays open when the model is closed. */
    public static Model of(Graph graph, WorkerTeam team) {
        return owning(graph, KernelRegistry.auto(team));
    }

    /** Loads a model written by {@code mien convert}; needs nothing but this module. */
    public static Model load(Path file) throws IOException {
        Backend backend = KernelRegistry.auto(KernelRegistry.defaultThreads());
        try {
            return load(file, backend, true);
        } catch (IOException | RuntimeException | Error e) {
            backend.close();
            throw e;
        }
    }

    /**
     * Loads a {@code .mien} file for a backend. Its weights are memory-mapped: where the file
     * stores this backend's packed layout they are used in place (no copy on the heap; the
     * mapping lives until {@link #close()}), else they are repacked onto the heap. Files of the
     * first format (raw weights) load too, packed onto the heap.
     */
    public static Model load(Path file, Backend backend) throws IOException {
        return load(file, backend, false);
    }

    /** As {@link #load(Path, Backend)}, for a model that closes {@code backend} when it is closed (not on a failed load). */
    public static Model loadOwning(Path file, Backend backend) throws IOException {
        return load(file, backend, true);
    }

    private static Model load(Path file, Backend backend, boolean ownsBackend) throws IOException {
        ModelFile.Mapped m = ModelFile.map(file);
        try {
            Model model = new Model(m.graph(), backend, ownsBackend, m.weights(), m.arena());
            if (m.arena() != null && !model.usesMapping()) m.arena().close();   // every weight was repacked
            return model;
        } catch (RuntimeException e) {
            if (m.arena() != null) m.arena().close();
            throw e;
        }
    }

    /** Whether any weight is read in place from a mapped file. */
    private boolean usesMapping() {
        for (PackedWeights p : weights.packed().values()) if (p.segment().isMapped()) return true;
        return false;
    }

    /** The packed conv and dense weights by node name (heap or mapped segments). */
    public Map<String, PackedWeights> packedWeights() { return weights.packed(); }

    /** Bytes of packed weights this model holds (heap or mapped). */
    public long packedWeightBytes() { return weights.bytes(); }

    /**
     * Loads a {@code .mien} model from any source (file, bytes, stream, class-path resource);
     * errors name the source. Sources that are not files are copied to a temporary file first,
     * which is deleted once read.
     */
    public static Model load(ModelSource source) throws java.io.IOException {
        return of(readModelFile(source));
    }

    /**
     * A model shipped on the class path: {@code Model.builtin("emotion")} or
     * {@code Model.builtin("builtin:blazeface")}; needs the mien-default-models artifact.
     */
    public static Model builtin(String name) throws java.io.IOException {
        return load(dev.mien.engine.io.BuiltinModels.source(name));
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
        checkOpen();
        return plans.computeIfAbsent(new PlanKey(batch, options), k -> {
            Plan p = Planner.plan(graph, batch, contexts.of(options));
            // Only where the rule can say yes (a batch of a small network): the same graph for one
            // image on a serial workspace (same weights, same derived cache), run side by side.
            if (!ImageLanes.wanted(batch, options, weights.bytes())) return p;
            Backend serial = backend.newSerialWorkspace();
            if (serial == null) return p;
            try {
                return p.withImageLanes(Planner.plan(graph, 1, contexts.on(serial).of(options)), options, backend.threads(), weights.bytes());
            } finally {
                serial.close();
            }
        });
    }

    /** A session owning fresh buffers, for one thread's repeated runs. */
    public Session newSession(int batch, RunOptions options) {
        Plan p = plan(batch, options);
        return new Session(this, p, p.newBuffers(backend.newWorkspace()));
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
        if (b == null) b = p.newBuffers(backend.newWorkspace());
        try {
            List<String> wanted = new ArrayList<>(graph.outputs());
            for (String e : options.extraOutputs()) if (!wanted.contains(e)) wanted.add(e);
            return new Session(this, p, b).run(inputs, wanted);
        } finally {
            pool.offer(b);
            // A run that raced close() must not leave its workspace open in the pool.
            if (closed) closeBuffers();
        }
    }

    /** Whether {@link #close} was called. */
    public boolean isClosed() { return closed; }

    /**
     * Idempotent. Pooled buffers, the mapped model file (if any) and, if this model made it, the
     * backend are closed; later runs and sessions fail with an IllegalStateException. Close only
     * when no run is in flight: a kernel must never read weights from a released mapping.
     */
    @Override public void close() {
        if (closed) return;
        closed = true;
        closeBuffers();
        if (mapping != null && mapping.scope().isAlive()) mapping.close();
        if (ownsBackend) backend.close();
    }

    private void closeBuffers() {
        for (Queue<Buffers> q : pools.values())
            for (Buffers b; (b = q.poll()) != null; ) b.close();
    }

    /** Refuses work once closed: a kernel must never read weights from a released mapping. */
    void checkOpen() {
        if (closed) throw new IllegalStateException("the model is closed");
    }

    /** Buffers kept for {@link #run} callers, for tests: at most the number of callers that ran at once. */
    int pooledBuffers() {
        int n = 0;
        for (Queue<Buffers> q : pools.values()) n += q.size();
        return n;
    }

    /** Single-input convenience. */
    public Map<String, Tensor> run(Tensor input) {
        if (graph.inputs().size() != 1) throw new IllegalArgumentException("model has " + graph.inputs().size() + " inputs; pass a map");
        return run(Map.of(graph.inputs().get(0).name(), input));
    }
}
