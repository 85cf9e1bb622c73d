package dev.mien.formats.onnx;

import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX ModelProto Mien uses: the opset of each operator domain and the main
 * graph. Tensors keep where their bytes are (in the file or in an external-data file) until the
 * importer asks for them.
 *
 * @param source    the file's name, for messages
 * @param bytes     the file's bytes (raw tensor data points into them)
 * @param baseDir   the folder external-data locations are relative to; null when the model did not come from a file
 * @param irVersion ONNX IR version
 * @param opsets    operator-set version per domain ("" is the default ONNX domain)
 * @param producer  producer name and version, as the file says
 * @param metadata  the model's metadata_props (Mien's exporter stores the network card there)
 */
public record OnnxModel(String source, byte[] bytes, java.nio.file.Path baseDir, long irVersion, Map<String, Long> opsets, String producer, Graph graph,
                        Map<String, String> metadata) {

    /** The default-domain opset; 1 when the file names none (ONNX's rule for a missing import). */
    public long opset() {
        Long v = opsets.get("");
        if (v == null) v = opsets.get("ai.onnx");
        return v == null ? 1 : v;
    }

    public record Graph(String name, List<Node> nodes, List<OnnxTensor> initializers, List<ValueInfo> inputs, List<ValueInfo> outputs) {}

    /** One node; attributes in file order (a repeated name is refused by the reader). */
    public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs, Map<String, Attribute> attributes) {
        public Attribute attr(String key) { return attributes.get(key); }
    }

    /**
     * A graph input or output: element type and dims; a dim is -1 where the file gives a symbolic
     * name ({@code dimParams[i]}) or nothing. {@code dims} is null when the file gives no shape.
     */
    public record ValueInfo(String name, int elemType, long[] dims, String[] dimParams) {}

    /** Attribute types as numbered by onnx.proto's AttributeProto.AttributeType. */
    public static final int FLOAT = 1, INT = 2, STRING = 3, TENSOR = 4, GRAPH = 5, FLOATS = 6, INTS = 7, STRINGS = 8;

    /** One attribute: only the member its {@code type} names is meaningful. */
    public record Attribute(String name, int type, float f, long i, String s, OnnxTensor t, float[] floats, long[] ints, List<String> strings) {}
}
