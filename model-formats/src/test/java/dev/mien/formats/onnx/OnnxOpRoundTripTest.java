package dev.mien.formats.onnx;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.io.ReadLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every engine op (and its attribute variants, {@link OpSampleGraphs}) exported to ONNX and read
 * back by the importer computes what the original graph computes, at batch 1 and 3, on both
 * input layouts; no ONNX Runtime needed (the ort module runs the same files in it).
 */
class OnnxOpRoundTripTest {
    static Stream<String> samples() { return OpSampleGraphs.all().keySet().stream(); }

    @Test
    void everyOpIsCovered() {
        Set<Op> seen = EnumSet.noneOf(Op.class);
        for (Graph g : OpSampleGraphs.all().values()) for (Node n : g.nodes()) seen.add(n.op());
        assertEquals(EnumSet.allOf(Op.class), seen, "an op without an export sample");
    }

    @ParameterizedTest
    @MethodSource("samples")
    void exportThenImportComputesTheSame(String name) throws Exception {
        Graph g = OpSampleGraphs.all().get(name);
        byte[] bytes = OnnxExporter.export(g);
        assertArrayEquals(bytes, OnnxExporter.export(g), "deterministic bytes");
        Graph back = OnnxImporter.importModel(OnnxReader.read(bytes, name + ".onnx", ReadLimits.current(), null));
        assertEquals(g.outputs(), back.outputs());
        try (Model a = Model.of(g); Model b = Model.of(back)) {
            for (int batch : new int[]{1, 3}) {
                Map<String, Tensor> in = OpSampleGraphs.inputs(g, batch, 11 + batch);
                Map<String, Tensor> x = a.run(in), y = b.run(in);
                for (String o : g.outputs()) OnnxTestSupport.assertClose(x.get(o), y.get(o), name + " " + o + " batch " + batch);
            }
        }
    }
}
