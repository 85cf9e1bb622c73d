package dev.mien.engine.runtime;

import dev.mien.kernels.Backend;
import dev.mien.kernels.WorkerTeam;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Runs a batch as whole images side by side: each thread of the team takes the next image and
 * runs the one-image plan on its own lane (buffers plus a workspace whose kernels stay on that
 * thread), instead of every step of the batch plan splitting its work over the team.
 *
 * <p>Why: a network with small weights (LANMSFF, PAtt-Lite: 2-4 MB, in cache anyway) gains
 * nothing from batching its weights, but a batch plan's activations (PAtt-Lite: 3 MB per image
 * at 112x112x64) fall out of cache, and every one of its ~100 steps hands work to the team and
 * waits for it. One image per thread keeps each image's activations in that core's cache and
 * never synchronises inside a run. Networks whose weights do not fit in cache (MA-Net, 200 MB)
 * keep the batch plan, which reads each weight once per batch. On one thread the images run one
 * after another through the one-image plan, for the same reason: each image's activations stay in
 * cache (PAtt-Lite's batch-8 plan holds 38 MB of them). The rule is {@link #pays}.
 *
 * <p>Only graphs whose every value is batch-major and independent per image qualify (checked on
 * the shapes of the two plans: each value's first dimension scales with the batch, the others
 * do not); Keras' batch-coupled attention never does.
 */
public final class ImageLanes implements AutoCloseable {
    /** Weights up to this size are read from cache by every lane: above it the batch plan's single pass over them wins. */
    public static final long MAX_WEIGHT_BYTES = 16L << 20;

    /** What a profile of a batch run as lanes reports per step (for the profile's heading): see {@link #executeProfiled}. */
    public static final String PROFILE_NOTE = "batch as image lanes: each step's time is the lanes' sum divided by the lanes that ran";

    private final Plan image;
    private final int batch;
    /** The team the images are spread over; null on one thread. */
    private final WorkerTeam team;
    private final Buffers[] lanes;
    private final AtomicIntegerArray busy;
    /** Per input and per kept value: its slot in the batch plan, in the image plan, and floats per image. */
    private final int[] inBatch, inImage, inSize, outBatch, outImage, outSize;
    private final WorkerTeam.Slot callerSlot = new WorkerTeam.Slot();
    private final Body body = new Body();
    /** Per lane, its steps' nanoseconds and its images in the current profiled run (made on the first one). */
    private long[][] laneNanos;
    private final int[] laneImages;

    ImageLanes(Plan batchPlan, Plan imagePlan, WorkerTeam team, List<Backend> laneKernels) {
        this.image = imagePlan;
        this.batch = batchPlan.batch;
        this.team = team;
        lanes = new Buffers[laneKernels.size()];
        for (int i = 0; i < lanes.length; i++) lanes[i] = imagePlan.newBuffers(laneKernels.get(i));
        busy = new AtomicIntegerArray(lanes.length);
        laneImages = new int[lanes.length];
        List<int[]> ins = new ArrayList<>(), outs = new ArrayList<>();
        for (Map.Entry<String, Integer> e : batchPlan.slotOf.entrySet()) {
            int slotN = e.getValue(), slot1 = imagePlan.slotOf.get(e.getKey()), size = Shapes.isize(imagePlan.shapes.get(e.getKey()));
            boolean input = Arrays.stream(batchPlan.inputSlots).anyMatch(s -> s == slotN);
            (input ? ins : outs).add(new int[]{slotN, slot1, size});
        }
        inBatch = ins.stream().mapToInt(a -> a[0]).toArray();
        inImage = ins.stream().mapToInt(a -> a[1]).toArray();
        inSize = ins.stream().mapToInt(a -> a[2]).toArray();
        outBatch = outs.stream().mapToInt(a -> a[0]).toArray();
        outImage = outs.stream().mapToInt(a -> a[1]).toArray();
        outSize = outs.stream().mapToInt(a -> a[2]).toArray();
    }

    /**
     * The part of the rule that needs no one-image plan, checked before that plan is made: a
     * batch, no batch coupling, and {@code mien.imageLanes} ({@code on}, {@code off}, default
     * {@code auto}: packed weights of at most {@link #MAX_WEIGHT_BYTES}).
     */
    public static boolean wanted(int batch, RunOptions options, long weightBytes) {
        if (batch < 2 || options.batchCoupledAttention()) return false;
        String forced = System.getProperty("mien.imageLanes", "auto").trim().toLowerCase(Locale.ROOT);
        return switch (forced) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> weightBytes <= MAX_WEIGHT_BYTES;
        };
    }

    /** Whether a batch plan should run as image lanes: {@link #wanted}, and every value batch-major in both plans. */
    static boolean pays(Plan batchPlan, Plan imagePlan, RunOptions options, long weightBytes) {
        return wanted(batchPlan.batch, options, weightBytes) && perImage(batchPlan, imagePlan);
    }

    /** Every value of the image plan has the batch plan's shape with its first dimension divided by the batch. */
    static boolean perImage(Plan batchPlan, Plan imagePlan) {
        if (imagePlan.batch != 1 || !batchPlan.slotOf.keySet().equals(imagePlan.slotOf.keySet()) || !batchPlan.stepNames.equals(imagePlan.stepNames))
            return false;
        for (Map.Entry<String, int[]> e : imagePlan.shapes.entrySet()) {
            int[] one = e.getValue(), many = batchPlan.shapes.get(e.getKey());
            if (many == null || many.length != one.length || one.length == 0 || many[0] != one[0] * batchPlan.batch) return false;
            for (int d = 1; d < one.length; d++) if (many[d] != one[d]) return false;
        }
        return true;
    }

    /** Runs the batch held in {@code b}'s input slots, leaving the kept values in its slots. */
    void execute(Buffers b) { runImages(b, false); }

    /** Every image of the batch in {@code b} on the lanes (timed into {@link #laneNanos} when {@code profiled}). */
    private void runImages(Buffers b, boolean profiled) {
        body.batch = b;
        body.profiled = profiled;
        try {
            if (team == null) body.run(0, batch, callerSlot);   // one thread: image after image on its one lane
            else team.parallelFor(batch, 1, body, callerSlot);
        } finally {
            body.batch = null;
            body.profiled = false;
        }
    }

    /**
     * Profiling: the images run on the lanes as in {@link #execute}, each lane timing its steps
     * through the one-image plan into its own counters. Each step then gets the sum over the
     * lanes divided by the number of lanes that ran, so that a profile of lanes side by side
     * adds up to about the batch's wall time, as a batch plan's does (not to the lanes' total
     * time, which on two threads is twice that). On one thread: image after image on one lane.
     */
    void executeProfiled(Buffers b, long[] nanos) {
        if (laneNanos == null || laneNanos[0].length != nanos.length) laneNanos = new long[lanes.length][nanos.length];
        for (long[] l : laneNanos) Arrays.fill(l, 0);
        Arrays.fill(laneImages, 0);
        runImages(b, true);
        addShare(laneNanos, laneImages, nanos);
    }

    /** Adds to {@code nanos[i]} the sum of the lanes' times for step i divided by the number of lanes that ran an image. */
    static void addShare(long[][] laneNanos, int[] laneImages, long[] nanos) {
        int ran = 0;
        for (int n : laneImages) if (n > 0) ran++;
        if (ran == 0) return;
        for (int i = 0; i < nanos.length; i++) {
            long sum = 0;
            for (long[] l : laneNanos) sum += l[i];
            nanos[i] += sum / ran;
        }
    }

    private void copyIn(float[][] all, float[][] one, int i) {
        for (int k = 0; k < inBatch.length; k++) System.arraycopy(all[inBatch[k]], i * inSize[k], one[inImage[k]], 0, inSize[k]);
    }

    private void copyOut(float[][] one, float[][] all, int i) {
        for (int k = 0; k < outBatch.length; k++) System.arraycopy(one[outImage[k]], 0, all[outBatch[k]], i * outSize[k], outSize[k]);
    }

    /** The team's loop body: images [from, to) on one free lane (timed step by step when profiling). */
    private final class Body implements WorkerTeam.Range {
        Buffers batch;
        boolean profiled;

        @Override public void run(int from, int to, WorkerTeam.Slot slot) {
            int lane = acquire();
            try {
                Buffers l = lanes[lane];
                for (int i = from; i < to; i++) {
                    copyIn(batch.slots, l.slots, i);
                    if (profiled) {
                        image.executeProfiled(l, laneNanos[lane]);
                        laneImages[lane]++;
                    } else {
                        image.execute(l);
                    }
                    copyOut(l.slots, batch.slots, i);
                }
            } finally {
                busy.set(lane, 0);
            }
        }
    }

    /** A free lane: there are as many as threads, and a thread holds one only inside {@link Body#run}. */
    private int acquire() {
        while (true) {
            for (int i = 0; i < lanes.length; i++) if (busy.get(i) == 0 && busy.compareAndSet(i, 0, 1)) return i;
            Thread.onSpinWait();
        }
    }

    @Override public void close() {
        for (Buffers l : lanes) l.close();
    }
}
