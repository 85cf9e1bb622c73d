package dev.mien.formats.manet;

import dev.mien.engine.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A state_dict with MA-Net's exact key names and shapes filled with seeded random weights
 * (He-scaled convs, BN statistics near identity). For benchmarks at full width and for tests
 * that must run without the reference checkpoints.
 */
public final class ManetRandomWeights {
    private final Map<String, Tensor> sd = new LinkedHashMap<>();
    private final Random rnd;

    private ManetRandomWeights(long seed) { rnd = new Random(seed); }

    /** The published network: widths 64/64/128/256/512, 7 classes. */
    public static Map<String, Tensor> full(long seed) { return stateDict(new int[]{64, 64, 128, 256, 512}, 7, seed); }

    /** widths = {conv1, layer1, layer2, layer3_*, layer4_*}; layer3/4 widths must be divisible by 64 / 16 for CBAM and by 4 for the multi-scale split. */
    public static Map<String, Tensor> stateDict(int[] widths, int classes, long seed) {
        ManetRandomWeights w = new ManetRandomWeights(seed);
        w.conv("conv1", widths[0], 3, 7);
        w.bn("bn1", widths[0]);
        w.layer("layer1", widths[0], widths[1], 1, false, false);
        w.layer("layer2", widths[1], widths[2], 2, false, false);
        for (int p = 1; p <= 4; p++) {
            w.layer("layer3_1_p" + p, widths[2], widths[3], 2, true, false);
            w.layer("layer4_1_p" + p, widths[3], widths[4], 1, true, false);
        }
        w.layer("layer3_2", widths[2], widths[3], 2, false, true);
        w.layer("layer4_2", widths[3], widths[4], 2, false, true);
        w.linear("fc_1", widths[4], classes);
        w.linear("fc_2", widths[4], classes);
        return w.sd;
    }

    private void layer(String prefix, int in, int planes, int stride, boolean cbam, boolean multiScale) {
        for (int i = 0; i < 2; i++) {
            String p = prefix + "." + i;
            int cin = i == 0 ? in : planes;
            conv(p + ".conv1", planes, cin, 3);
            bn(p + ".bn1", planes);
            if (multiScale) {
                int w = planes / 4;
                for (int k = 1; k <= 4; k++) {
                    conv(p + ".conv1_2_" + k, w, w, 3);
                    bn(p + ".bn1_2_" + k, w);
                }
                for (int k = 1; k <= 4; k++) {
                    conv(p + ".conv2_2_" + k, w, w, 3);
                    bn(p + ".bn2_2_" + k, w);
                }
            } else {
                conv(p + ".conv2", planes, planes, 3);
                bn(p + ".bn2", planes);
            }
            if (i == 0 && (stride != 1 || cin != planes)) {
                conv(p + ".downsample.0", planes, cin, 1);
                bn(p + ".downsample.1", planes);
            }
            if (cbam) {
                String c = p + ".cbam.";
                linear(c + "ChannelGate.mlp.1", planes, Math.max(1, planes / 16));
                linear(c + "ChannelGate.mlp.3", Math.max(1, planes / 16), planes);
                conv(c + "SpatialGate.spatial.conv", 1, 2, 7);
                bn(c + "SpatialGate.spatial.bn", 1);
            }
        }
    }

    private void conv(String name, int out, int in, int k) {
        float std = (float) Math.sqrt(2.0 / (in * k * k));
        sd.put(name + ".weight", gaussian(new int[]{out, in, k, k}, std, 0f));
    }

    private void bn(String name, int c) {
        sd.put(name + ".weight", uniform(c, 0.5f, 1.0f));
        sd.put(name + ".bias", gaussian(new int[]{c}, 0.1f, 0f));
        sd.put(name + ".running_mean", gaussian(new int[]{c}, 0.1f, 0f));
        sd.put(name + ".running_var", uniform(c, 0.5f, 1.5f));
        sd.put(name + ".num_batches_tracked", new Tensor(new int[0], new float[]{0f}));
    }

    private void linear(String name, int in, int out) {
        float std = (float) Math.sqrt(1.0 / in);
        sd.put(name + ".weight", gaussian(new int[]{out, in}, std, 0f));
        sd.put(name + ".bias", gaussian(new int[]{out}, 0.1f, 0f));
    }

    private Tensor gaussian(int[] shape, float std, float mean) {
        float[] d = new float[(int) Tensor.sizeOf(shape)];
        for (int i = 0; i < d.length; i++) d[i] = mean + std * (float) rnd.nextGaussian();
        return new Tensor(shape, d);
    }

    private Tensor uniform(int n, float lo, float hi) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = lo + (hi - lo) * rnd.nextFloat();
        return new Tensor(new int[]{n}, d);
    }
}
