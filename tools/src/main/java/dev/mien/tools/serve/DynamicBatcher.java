package dev.mien.tools.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.ToIntFunction;

/**
 * Dynamic batching: items submitted by concurrent callers are collected into one call of a
 * batch function. A batch starts with the first item to arrive and closes when its items
 * weigh {@code maxWeight} (e.g. faces) or {@code maxWait} has passed since it started,
 * whichever comes first; one thread runs the batches, so the batch function is never called
 * concurrently. An item heavier than {@code maxWeight} runs as a batch of its own; an item
 * that would overflow a batch waits for the next one.
 *
 * <p>The thread sleeps on the queue when idle. {@link #close()} refuses new items, runs the
 * ones already submitted, then stops the thread.
 *
 * @param <I> an item (a caller's share of the work)
 * @param <O> its result
 */
public final class DynamicBatcher<I, O> implements AutoCloseable {
    private record Pending<I, O>(I item, int weight, CompletableFuture<O> result) {}

    /** Wakes the thread on close. */
    private static final Pending<?, ?> STOP = new Pending<>(null, 0, null);

    private final Function<List<I>, List<O>> batchFunction;
    private final ToIntFunction<I> weight;
    private final int maxWeight;
    private final long maxWaitNanos;
    private final IntConsumer onBatch;
    private final LinkedBlockingQueue<Pending<I, O>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    /**
     * @param batchFunction one result per item, in order; an exception fails every item of the batch
     * @param onBatch       told the weight of every batch run (metrics)
     */
    public DynamicBatcher(String name, Function<List<I>, List<O>> batchFunction, ToIntFunction<I> weight, int maxWeight,
                          java.time.Duration maxWait, IntConsumer onBatch) {
        if (maxWeight < 1) throw new IllegalArgumentException("max batch must be at least 1");
        this.batchFunction = batchFunction;
        this.weight = weight;
        this.maxWeight = maxWeight;
        this.maxWaitNanos = maxWait.toNanos();
        this.onBatch = onBatch;
        this.thread = Thread.ofPlatform().name(name).daemon(true).start(this::loop);
    }

    /** Queues one item; the future completes when its batch has run. */
    public CompletableFuture<O> submit(I item) {
        CompletableFuture<O> f = new CompletableFuture<>();
        int w = weight.applyAsInt(item);
        synchronized (queue) {
            // Under the lock with close(): an item is either queued before STOP (and runs) or refused.
            if (closed) f.completeExceptionally(new IllegalStateException("the batcher is closed"));
            else queue.add(new Pending<>(item, w, f));
        }
        return f;
    }

    /** Submits and waits for the item's result, unwrapping the batch function's exception. */
    public O call(I item) throws InterruptedException {
        try {
            return submit(item).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Items waiting for a batch. */
    public int queued() { return queue.size(); }

    private void loop() {
        Pending<I, O> carry = null;
        try {
            while (true) {
                Pending<I, O> first = carry != null ? carry : queue.take();
                carry = null;
                if (first == STOP) break;
                List<Pending<I, O>> batch = new ArrayList<>();
                batch.add(first);
                int total = first.weight;
                long deadline = System.nanoTime() + maxWaitNanos;
                boolean stop = false;
                while (total < maxWeight) {
                    long left = deadline - System.nanoTime();
                    Pending<I, O> next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) break;
                    if (next == STOP) { stop = true; break; }
                    if (total + next.weight > maxWeight) { carry = next; break; }
                    batch.add(next);
                    total += next.weight;
                }
                run(batch, total);
                if (stop) break;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Closed: whatever is left was submitted before close() and still runs.
        List<Pending<I, O>> rest = new ArrayList<>();
        if (carry != null) rest.add(carry);
        for (Pending<I, O> p; (p = queue.poll()) != null; ) if (p != STOP) rest.add(p);
        for (Pending<I, O> p : rest) run(List.of(p), p.weight);
    }

    private void run(List<Pending<I, O>> batch, int total) {
        List<I> items = new ArrayList<>(batch.size());
        for (Pending<I, O> p : batch) items.add(p.item);
        try {
            List<O> out = batchFunction.apply(items);
            if (out.size() != items.size())
                throw new IllegalStateException("batch function returned " + out.size() + " results for " + items.size() + " items");
            onBatch.accept(total);
            for (int i = 0; i < batch.size(); i++) batch.get(i).result.complete(out.get(i));
        } catch (RuntimeException | Error e) {
            for (Pending<I, O> p : batch) p.result.completeExceptionally(e);
        }
    }

    /** Refuses new items, runs those already queued, and stops the thread. Idempotent. */
    @Override
    @SuppressWarnings("unchecked")
    public void close() {
        synchronized (queue) {
            if (closed) return;
            closed = true;
            queue.add((Pending<I, O>) STOP);
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
