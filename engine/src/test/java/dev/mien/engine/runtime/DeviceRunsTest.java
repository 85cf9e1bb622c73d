package dev.mien.engine.runtime;

import dev.mien.engine.GraphBuilder;
import dev.mien.engine.Model;
import dev.mien.engine.Session;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.kernels.Backend;
import dev.mien.kernels.DeviceRuns;
import dev.mien.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The engine's side of device backends ({@link DeviceRuns}): every run of a plan is bracketed,
 * with the input slots named before the first step, each step announced, and the kept values'
 * slots named at the end. Checked with a stand-in device that runs the scalar kernels and
 * records what the engine told it.
 */
class DeviceRunsTest {
    /** A workspace that is a DeviceRuns: kernel calls go to the scalar reference, the brackets are logged. */
    static final class Recorder {
        final List<String> log = new ArrayList<>();
        float[][] inputs, outputs;

        Backend backend() {
            Backend scalar = new ScalarBackend();
            return (Backend) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{Backend.class}, (p, m, args) -> {
                if (m.getName().equals("newWorkspace")) return workspace(scalar.newWorkspace());
                return call(scalar, m, args);
            });
        }

        private Backend workspace(Backend kernels) {
            return (Backend) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{Backend.class, DeviceRuns.class}, (p, m, args) -> {
                switch (m.getName()) {
                    case "beginRun" -> { inputs = (float[][]) args[0]; log.add("begin"); return null; }
                    case "beginStep" -> { log.add("step " + args[0]); return null; }
                    case "endRun" -> { outputs = (float[][]) args[0]; log.add("end"); return null; }
                    case "lastStepNanos" -> { return null; }
                    default -> { return call(kernels, m, args); }
                }
            });
        }

        private static Object call(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }

    @Test
    void everyRunIsBracketedWithItsInputAndOutputSlots() {
        GraphBuilder b = new GraphBuilder(7);
        String x = b.input("x", 6, 5, 3);
        String c = b.conv(x, 3, 4, 3, 1, 1, 1, "relu", true);
        String y = b.act(c, "tanh");
        Graph g = b.build(y, c);
        Recorder rec = new Recorder();
        Tensor in = b.random(2, 6, 5, 3);
        Map<String, Tensor> want;
        try (Model ref = new Model(g, new ScalarBackend())) {
            want = ref.run(Map.of("x", in));
        }
        try (Model m = new Model(g, rec.backend()); Session s = m.newSession(2, RunOptions.DEFAULT)) {
            s.setInput("x", in.data()).run();
            assertEquals(List.of("begin", "step 0", "step 1", "end"), rec.log);
            assertEquals(1, rec.inputs.length);
            assertSame(s.outputBuffer("x"), rec.inputs[0], "the input slot is named");
            List<float[]> outs = Arrays.asList(rec.outputs);
            assertTrue(outs.stream().anyMatch(o -> o == s.outputBuffer(y)) && outs.stream().anyMatch(o -> o == s.outputBuffer(c)),
                    "every kept value's slot is named");
            assertArrayEquals(want.get(y).data(), s.output(y).data());
            long[] nanos = new long[s.plan().stepCount()];
            rec.log.clear();
            s.runProfiled(nanos);
            assertEquals(List.of("begin", "step 0", "step 1", "end"), rec.log, "a profiled run is one bracketed run too");
            assertTrue(Arrays.stream(nanos).sum() > 0, "its time is reported");
        }
    }
}
