package dev.mien.tools.serve;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/** The generic dynamic batcher against a fake batch stage (no model, no timing assertions). */
class DynamicBatcherTest {
    /** The stage: squares every element of every item; records the items of each call. */
    static final class Squares implements Function<List<int[]>, List<long[]>> {
        final List<Integer> calls = new CopyOnWriteArrayList<>();

        @Override
        public List<long[]> apply(List<int[]> items) {
            calls.add(items.size());
            List<long[]> out = new ArrayList<>();
            for (int[] it : items) {
                long[] r = new long[it.length];
                for (int i = 0; i < it.length; i++) r[i] = (long) it[i] * it[i];
                out.add(r);
            }
            return out;
        }
    }

    @Test
    void concurrentCallersShareOneCallAndGetTheirOwnResults() throws Exception {
        Squares stage = new Squares();
        int callers = 12;
        Random rnd = new Random(7);
        List<int[]> items = new ArrayList<>();
        int weight = 0;
        for (int c = 0; c < callers; c++) {
            int[] it = rnd.ints(1 + rnd.nextInt(3), -1000, 1000).toArray();
            items.add(it);
            weight += it.length;
        }
        // The batch closes when it holds every caller's items (the wait is far longer than that takes).
        AtomicInteger batchWeight = new AtomicInteger();
        try (DynamicBatcher<int[], long[]> b = new DynamicBatcher<>("t", stage, it -> it.length, weight, Duration.ofSeconds(60), batchWeight::set);
             var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<long[]>> results = new ArrayList<>();
            for (int[] it : items) results.add(pool.submit(() -> { go.await(); return b.call(it); }));
            go.countDown();
            Squares alone = new Squares();
            for (int c = 0; c < callers; c++) assertArrayEquals(alone.apply(List.of(items.get(c))).getFirst(), results.get(c).get());
        }
        assertEquals(List.of(callers), stage.calls, "one call for every caller");
        assertEquals(weight, batchWeight.get());
    }

    @Test
    void aLoneItemRunsOnceTheWaitEnds() throws Exception {
        Squares stage = new Squares();
        try (DynamicBatcher<int[], long[]> b = new DynamicBatcher<>("t", stage, it -> it.length, 100, Duration.ofMillis(2), n -> {})) {
            assertArrayEquals(new long[]{9, 16}, b.call(new int[]{3, -4}));
        }
        assertEquals(List.of(1), stage.calls);
    }

    @Test
    void batchesNeverExceedTheMaximumAndHeavyItemsRunAlone() throws Exception {
        List<Integer> weights = new CopyOnWriteArrayList<>();
        Squares stage = new Squares();
        try (DynamicBatcher<int[], long[]> b = new DynamicBatcher<>("t", stage, it -> it.length, 4, Duration.ofMillis(50), weights::add)) {
            List<CompletableFuture<long[]>> fs = new ArrayList<>();
            List<int[]> items = new ArrayList<>();
            Random rnd = new Random(3);
            for (int i = 0; i < 40; i++) {
                int[] it = rnd.ints(1 + rnd.nextInt(6), -50, 50).toArray();   // some heavier than 4
                items.add(it);
                fs.add(b.submit(it));
            }
            for (int i = 0; i < items.size(); i++) {
                long[] want = new long[items.get(i).length];
                for (int k = 0; k < want.length; k++) want[k] = (long) items.get(i)[k] * items.get(i)[k];
                assertArrayEquals(want, fs.get(i).get());
            }
        }
        for (int i = 0; i < weights.size(); i++)
            assertTrue(weights.get(i) <= 4 || stage.calls.get(i) == 1, "batch " + i + " weighs " + weights.get(i) + " over " + stage.calls.get(i) + " items");
    }

    @Test
    void aFailingBatchFailsEachOfItsCallersAndTheNextBatchRuns() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Function<List<String>, List<String>> stage = items -> {
            if (calls.getAndIncrement() == 0) throw new IllegalArgumentException("model failed");
            return items.stream().map(String::toUpperCase).toList();
        };
        try (DynamicBatcher<String, String> b = new DynamicBatcher<>("t", stage, s -> 1, 2, Duration.ofSeconds(60), n -> {})) {
            CompletableFuture<String> a = b.submit("a"), c = b.submit("c");
            ExecutionException e = assertThrows(ExecutionException.class, a::get);
            assertEquals("model failed", e.getCause().getMessage());
            assertThrows(ExecutionException.class, c::get);
            CompletableFuture<String> d = b.submit("d"), f = b.submit("f");
            assertEquals("D", d.get());
            assertEquals("F", f.get());
        }
    }

    @Test
    void closeRunsWhatWasQueuedThenRefusesNewItems() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> seen = new CopyOnWriteArrayList<>();
        Function<List<String>, List<String>> stage = items -> {
            try { release.await(); } catch (InterruptedException e) { throw new IllegalStateException(e); }
            seen.addAll(items);
            return items;
        };
        DynamicBatcher<String, String> b = new DynamicBatcher<>("t", stage, s -> 1, 1, Duration.ZERO, n -> {});
        List<CompletableFuture<String>> fs = new ArrayList<>();
        for (int i = 0; i < 5; i++) fs.add(b.submit("x" + i));
        Thread closer = Thread.ofPlatform().start(b::close);
        release.countDown();
        closer.join();
        for (int i = 0; i < 5; i++) assertEquals("x" + i, fs.get(i).get());
        assertEquals(5, seen.size());
        ExecutionException e = assertThrows(ExecutionException.class, () -> b.submit("late").get());
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }
}
