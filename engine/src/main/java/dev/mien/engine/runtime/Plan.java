package dev.mien.engine.runtime;

import dev.mien.kernels.DeviceRuns;

import java.util.List;
import java.util.Map;

/**
 * A graph lowered for one batch size: steps in order, buffer slots sized by liveness, and where
 * every input and kept value lives. Immutable; run it with any number of {@link Buffers}.
 */
public final class Plan {
    final int batch;
    final List<Step> steps;
    final List<String> stepNames;
    final List<String> stepOps;
    final List<StepKind> stepKinds;
    final List<String> stepKernels;
    final List<String> stepAlgorithms;
    final long[] stepMacs;
    final int[] slotSizes;
    /** Per slot: the constant's array it is bound to, or null for an activation slot. */
    final float[][] fixedSlots;
    final int[] wideSizes;
    final List<String> scratchNames;
    final Map<String, int[]> shapes;
    final Map<String, Integer> slotOf;
    final long macs;
    /** Slots of the graph inputs and of the kept values: what a device backend copies in and out per run. */
    final int[] inputSlots, outputSlots;
    /** The one-image plan this batch plan runs as image lanes ({@link ImageLanes}), or null; and how many lanes (the team's threads). */
    final Plan imagePlan;
    final int lanes;

    Plan(int batch, List<Step> steps, List<String> stepNames, List<String> stepOps, List<StepKind> stepKinds, List<String> stepKernels,
         List<String> stepAlgorithms, long[] stepMacs, int[] slotSizes, float[][] fixedSlots, int[] wideSizes, List<String> scratchNames,
         Map<String, int[]> shapes, Map<String, Integer> slotOf, long macs, int[] inputSlots, int[] outputSlots) {
        this(batch, steps, stepNames, stepOps, stepKinds, stepKernels, stepAlgorithms, stepMacs, slotSizes, fixedSlots, wideSizes,
                scratchNames, shapes, slotOf, macs, inputSlots, outputSlots, null, 0);
    }

    private Plan(int batch, List<Step> steps, List<String> stepNames, List<String> stepOps, List<StepKind> stepKinds, List<String> stepKernels,
         List<String> stepAlgorithms, long[] stepMacs, int[] slotSizes, float[][] fixedSlots, int[] wideSizes, List<String> scratchNames,
         Map<String, int[]> shapes, Map<String, Integer> slotOf, long macs, int[] inputSlots, int[] outputSlots, Plan imagePlan, int lanes) {
        this.imagePlan = imagePlan;
        this.lanes = lanes;
        this.batch = batch;
        this.steps = steps;
        this.stepNames = stepNames;
        this.stepOps = stepOps;
        this.stepKinds = stepKinds;
        this.stepKernels = stepKernels;
        this.stepAlgorithms = stepAlgorithms;
        this.stepMacs = stepMacs;
        this.slotSizes = slotSizes;
        this.fixedSlots = fixedSlots;
        this.wideSizes = wideSizes;
        this.scratchNames = scratchNames;
        this.shapes = shapes;
        this.slotOf = slotOf;
        this.macs = macs;
        this.inputSlots = inputSlots;
        this.outputSlots = outputSlots;
    }

    public int batch() { return batch; }

    /**
     * This batch plan, run as image lanes when {@link ImageLanes#pays} says so for {@code image}
     * (the same graph planned for one image on a serial workspace); else this plan.
     */
    public Plan withImageLanes(Plan image, RunOptions options, int threads, long weightBytes) {
        if (!ImageLanes.pays(this, image, options, weightBytes)) return this;
        return new Plan(batch, steps, stepNames, stepOps, stepKinds, stepKernels, stepAlgorithms, stepMacs, slotSizes, fixedSlots,
                wideSizes, scratchNames, shapes, slotOf, macs, inputSlots, outputSlots, image, threads);
    }

    /** Whether contexts of this plan run it as whole images side by side, one per thread (see {@link ImageLanes}). */
    public boolean imageLanes() { return imagePlan != null; }
    public long macs() { return macs; }
    public int stepCount() { return steps.size(); }

    /** Bytes of activation and scratch memory one execution context of this plan holds (constants are shared, not counted). */
    public long activationBytes() {
        if (imagePlan != null) {
            // The batch's inputs and kept values, plus one lane of the one-image plan per thread.
            long n = 0;
            for (int s : laneSlotSizes()) n += 4L * s;
            return n + imagePlan.activationBytes() * lanes;
        }
        long n = 0;
        for (int s : slotSizes) n += 4L * s;
        for (int s : wideSizes) n += 8L * s;
        return n;
    }

    /**
     * Slot sizes of a batch plan run as image lanes: only its inputs and kept values hold data
     * (constants keep their arrays), each slot as large as the largest of them it holds. Not the
     * batch plan's slot size: the planner reuses an input's slot for later activations, so that
     * size can be a whole batch of the largest activation (PAtt-Lite at batch 8: 26 MB for a
     * 1.4 MB input), which the lanes hold per image instead.
     */
    private int[] laneSlotSizes() {
        int[] sizes = new int[slotSizes.length];
        for (Map.Entry<String, Integer> e : slotOf.entrySet())
            sizes[e.getValue()] = Math.max(sizes[e.getValue()], Shapes.isize(shapes.get(e.getKey())));
        return sizes;
    }

    public int[] shape(String value) {
        int[] s = shapes.get(value);
        if (s == null) throw new IllegalArgumentException("unknown value " + value);
        return s.clone();
    }

    /**
     * A new execution context whose steps call {@code kernels}: a workspace ({@link
     * dev.mien.kernels.Backend#newWorkspace()}) of the backend this plan was lowered for, owned
     * by the context and closed with it.
     */
    public Buffers newBuffers(dev.mien.kernels.Backend kernels) {
        dev.mien.kernels.WorkerTeam team = kernels.team();
        int threads = team == null ? 1 : team.threads();
        if (imagePlan != null && threads == lanes) {
            // Only the batch's inputs and kept values live here; each lane has the one-image plan's buffers.
            Buffers b = new Buffers(laneSlotSizes(), fixedSlots, new int[wideSizes.length], kernels);
            List<dev.mien.kernels.Backend> laneKernels = new java.util.ArrayList<>();
            for (int i = 0; i < threads; i++) {
                dev.mien.kernels.Backend serial = kernels.newSerialWorkspace();
                if (serial == null) break;
                laneKernels.add(serial);
            }
            if (laneKernels.size() == threads) {
                b.lanes = new ImageLanes(this, imagePlan, team, laneKernels);
                return b;
            }
            laneKernels.forEach(dev.mien.kernels.Backend::close);
        }
        return new Buffers(slotSizes, fixedSlots, wideSizes, kernels);
    }

    /**
     * Runs every step; inputs must already be in their slots. On a device backend ({@link
     * DeviceRuns}) the steps describe one program that runs when the last has been seen, and
     * the kept values are in their slots when this returns.
     */
    public void execute(Buffers b) {
        if (b.kernels instanceof DeviceRuns d) {
            executeOnDevice(d, b);
            return;
        }
        if (b.lanes != null) {
            b.lanes.execute(b);
            return;
        }
        for (int i = 0, n = steps.size(); i < n; i++) steps.get(i).run(b);
    }

    private void executeOnDevice(DeviceRuns d, Buffers b) {
        d.beginRun(slots(b, inputSlots));
        for (int i = 0, n = steps.size(); i < n; i++) {
            d.beginStep(i);
            steps.get(i).run(b);
        }
        d.endRun(slots(b, outputSlots));
    }

    private static float[][] slots(Buffers b, int[] which) {
        float[][] a = new float[which.length][];
        for (int i = 0; i < which.length; i++) a[i] = b.slots[which[i]];
        return a;
    }

    /** Names of the nodes behind the steps, in order (views that cost nothing are not steps). */
    public List<String> stepNames() { return stepNames; }

    /** The op of each step's node (e.g. CONV2D), indexed like {@link #stepNames()}. */
    public List<String> stepOps() { return stepOps; }

    /** How each step runs (a backend kernel or a named host step), indexed like {@link #stepNames()}. */
    public List<StepKind> stepKinds() { return stepKinds; }

    /** The backend kernel (or host step) each step runs, e.g. {@code conv2d}, {@code resize}; indexed like {@link #stepNames()}. */
    public List<String> stepKernels() { return stepKernels; }

    /** Names of the per-Session scratch buffers the steps use (e.g. {@code up/rows}). */
    public List<String> scratchNames() { return scratchNames; }

    /**
     * The convolution algorithm each step was planned with ({@code direct}, {@code sliced},
     * {@code depthwise}, ...; see {@link dev.mien.kernels.ConvAlgorithm}), "" for steps that are
     * not convolutions; indexed like {@link #stepNames()}. For a plan run as image lanes: the
     * one-image plan's, which is what runs.
     */
    public List<String> stepAlgorithms() { return imagePlan != null ? imagePlan.stepAlgorithms : stepAlgorithms; }

    /** Multiply-accumulates of one step at this plan's batch size (0 for ops that are not conv/dense). */
    public long stepMacs(int step) { return stepMacs[step]; }

    /**
     * Runs every step, adding each step's wall time in nanoseconds to {@code nanos[step]}. On a
     * device backend the steps run together: each gets the device's time for it when the device
     * reports one, else the whole run is added to the last step.
     */
    public void executeProfiled(Buffers b, long[] nanos) {
        if (b.lanes != null) {
            // Image lanes: the images side by side on the lanes, each timed step by step (see ImageLanes).
            b.lanes.executeProfiled(b, nanos);
            return;
        }
        if (b.kernels instanceof DeviceRuns d) {
            long t0 = System.nanoTime();
            execute(b);
            long[] device = d.lastStepNanos();
            if (device != null && device.length == nanos.length) for (int i = 0; i < nanos.length; i++) nanos[i] += device[i];
            else if (nanos.length > 0) nanos[nanos.length - 1] += System.nanoTime() - t0;
            return;
        }
        for (int i = 0, n = steps.size(); i < n; i++) {
            long t0 = System.nanoTime();
            steps.get(i).run(b);
            nanos[i] += System.nanoTime() - t0;
        }
    }

    public float[] slotOf(Buffers b, String value) {
        Integer s = slotOf.get(value);
        if (s == null) throw new IllegalArgumentException("value " + value + " is not kept by this plan");
        return b.slots[s];
    }
}
