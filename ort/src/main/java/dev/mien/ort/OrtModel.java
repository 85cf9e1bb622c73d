package dev.mien.ort;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX model in an ONNX Runtime CPU session, fed and read as float arrays. Inputs take the
 * shape the model declares (any layout: NHWC or NCHW as exported), with a dynamic or unit
 * leading dimension set to the batch. Closing it releases the native session; the process-wide
 * ONNX Runtime environment stays (ONNX Runtime allows only one per process).
 *
 * <p>Not thread-safe in the sense of concurrent {@link #run} calls with profiling; plain runs
 * may be concurrent, as ONNX Runtime sessions allow.
 */
public final class OrtModel implements AutoCloseable {
    /** A declared input or output: its name and shape (-1 for a dynamic dimension). */
    public record Port(String name, long[] shape) {
        @Override public String toString() { return name + Arrays.toString(shape); }
    }

    private final String label;
    private final OrtEnvironment env;
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final List<Port> inputs, outputs;
    private final boolean profiling;

    private OrtModel(String label, OrtSession.SessionOptions options, OrtSession session, boolean profiling) throws OrtException {
        this.label = label;
        this.env = OrtEnvironment.getEnvironment();
        this.options = options;
        this.session = session;
        this.profiling = profiling;
        this.inputs = ports(session.getInputInfo(), label, "input");
        this.outputs = ports(session.getOutputInfo(), label, "output");
    }

    /** Opens an .onnx file. */
    public static OrtModel open(Path onnx, OrtSettings settings) {
        return open(onnx.toString(), settings, (env, o) -> env.createSession(onnx.toString(), o));
    }

    /** Opens an ONNX model held in memory; {@code label} names it in error messages. */
    public static OrtModel open(byte[] onnx, String label, OrtSettings settings) {
        return open(label, settings, (env, o) -> env.createSession(onnx, o));
    }

    private interface Opener { OrtSession open(OrtEnvironment env, OrtSession.SessionOptions o) throws OrtException; }

    private static OrtModel open(String label, OrtSettings settings, Opener opener) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        OrtSession s = null;
        try {
            o.setIntraOpNumThreads(settings.intraOpThreads());
            o.setInterOpNumThreads(1);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (settings.profilePrefix() != null) o.enableProfiling(settings.profilePrefix().toString());
            s = opener.open(env, o);
            return new OrtModel(label, o, s, settings.profilePrefix() != null);
        } catch (OrtException | RuntimeException e) {
            closeQuietly(s);
            o.close();
            throw new OrtRunException(label + ": ONNX Runtime cannot load it: " + firstLine(e.getMessage()), e);
        }
    }

    public List<Port> inputs() { return inputs; }
    public List<Port> outputs() { return outputs; }

    /**
     * The shape an input takes at this batch: the declared shape with a dynamic first dimension
     * set to {@code batch}; other dynamic dimensions are refused (nothing to guess them from).
     */
    public long[] inputShape(Port in, int batch) {
        long[] s = in.shape().clone();
        for (int i = 0; i < s.length; i++) {
            if (i == 0 && (s[0] < 0 || s[0] == batch)) s[0] = batch;
            else if (i == 0) throw new OrtRunException(label + ": input " + in + " has a fixed batch of " + s[0] + ", asked for " + batch);
            else if (s[i] < 0) throw new OrtRunException(label + ": input " + in + " has a dynamic dimension " + i + "; only the batch may be dynamic");
        }
        return s;
    }

    /** Runs with every declared input given as a flat float array (row-major, declared layout); returns every output. */
    public Map<String, float[]> run(Map<String, float[]> in, int batch) {
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            for (Port p : inputs) {
                float[] x = in.get(p.name());
                if (x == null) throw new OrtRunException(label + ": no value for input " + p.name());
                long[] shape = inputShape(p, batch);
                if (x.length != Arrays.stream(shape).reduce(1, (a, b) -> a * b))
                    throw new OrtRunException(label + ": input " + p.name() + " needs " + Arrays.toString(shape) + ", got " + x.length + " floats");
                feed.put(p.name(), OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape));
            }
            for (String k : in.keySet())
                if (inputs.stream().noneMatch(p -> p.name().equals(k))) throw new OrtRunException(label + ": no input named " + k + " (inputs: " + inputs + ")");
            Map<String, float[]> out = new LinkedHashMap<>();
            try (OrtSession.Result r = session.run(feed)) {
                for (Map.Entry<String, OnnxValue> e : r) {
                    if (!(e.getValue() instanceof OnnxTensor t) || t.getInfo().type != OnnxJavaType.FLOAT)
                        throw new OrtRunException(label + ": output " + e.getKey() + " is not a float tensor");
                    FloatBuffer fb = t.getFloatBuffer();
                    float[] v = new float[fb.remaining()];
                    fb.get(v);
                    out.put(e.getKey(), v);
                }
            }
            return out;
        } catch (OrtException e) {
            throw new OrtRunException(label + ": ONNX Runtime run failed: " + firstLine(e.getMessage()), e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    /** Ends profiling and returns the JSON trace file ONNX Runtime wrote (settings must have a profile prefix). */
    public Path endProfiling() {
        if (!profiling) throw new IllegalStateException(label + ": profiling was not enabled");
        try {
            return Path.of(session.endProfiling());
        } catch (OrtException e) {
            throw new OrtRunException(label + ": ONNX Runtime profiling failed: " + firstLine(e.getMessage()), e);
        }
    }

    @Override
    public void close() {
        closeQuietly(session);
        options.close();
    }

    private static List<Port> ports(Map<String, NodeInfo> info, String label, String what) {
        List<Port> ports = new ArrayList<>();
        for (NodeInfo n : info.values()) {
            if (!(n.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT)
                throw new OrtRunException(label + ": " + what + " " + n.getName() + " is not a float tensor (" + n.getInfo() + ")");
            ports.add(new Port(n.getName(), t.getShape()));
        }
        return List.copyOf(ports);
    }

    private static void closeQuietly(OrtSession s) {
        if (s == null) return;
        try { s.close(); } catch (OrtException ignored) { /* closing a native session cannot be retried */ }
    }

    static String firstLine(String s) {
        if (s == null) return "(no message)";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
