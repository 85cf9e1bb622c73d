package dev.mien.tools.bench;

import dev.mien.kernels.ConvShape;

import java.util.LinkedHashMap;
import java.util.Map;

/** Real convolution shapes of the three seed networks (batch 1), by name, for the kernel benchmarks. */
public final class LayerShapes {
    private LayerShapes() {}

    public static final Map<String, ConvShape> CONV = new LinkedHashMap<>();

    static void conv(String name, int h, int w, int cin, int cout, int k, int stride, int dil, int pad, int groups) {
        CONV.put(name, new ConvShape(1, h, w, cin, cout, k, k, stride, stride, dil, dil, pad, pad, pad, pad, groups));
    }

    static {
        // MA-Net (ResNet-18 trunk, patch branches, multi-scale branch)
        conv("manet.conv1", 224, 224, 3, 64, 7, 2, 1, 3, 1);
        conv("manet.layer1", 56, 56, 64, 64, 3, 1, 1, 1, 1);
        conv("manet.layer2", 28, 28, 128, 128, 3, 1, 1, 1, 1);
        conv("manet.layer3_1.patch", 7, 7, 256, 256, 3, 1, 1, 1, 1);
        conv("manet.layer4_1.patch", 7, 7, 512, 512, 3, 1, 1, 1, 1);
        conv("manet.layer3_2", 14, 14, 256, 256, 3, 1, 1, 1, 1);
        conv("manet.mulscale.branch", 14, 14, 64, 64, 3, 1, 1, 1, 1);
        conv("manet.downsample", 56, 56, 64, 128, 1, 2, 1, 0, 1);
        conv("manet.downsample3", 28, 28, 128, 256, 1, 2, 1, 0, 1);
        conv("manet.patch.downsample", 14, 14, 128, 256, 1, 2, 1, 0, 1);
        conv("manet.downsample4", 14, 14, 256, 512, 1, 2, 1, 0, 1);
        conv("manet.patch.pw", 7, 7, 256, 512, 1, 1, 1, 0, 1);
        conv("manet.cbam.spatial", 7, 7, 2, 1, 7, 1, 1, 3, 1);
        conv("manet.layer2_0.conv1", 56, 56, 64, 128, 3, 2, 1, 1, 1);
        conv("manet.layer3_0.conv1", 28, 28, 128, 256, 3, 2, 1, 1, 1);
        conv("manet.patch.conv1", 14, 14, 128, 256, 3, 2, 1, 1, 1);
        conv("manet.layer4_0.conv1", 14, 14, 256, 512, 3, 2, 1, 1, 1);
        conv("manet.patch.layer4", 7, 7, 256, 512, 3, 1, 1, 1, 1);
        conv("manet.patch.layer2", 7, 7, 128, 128, 3, 1, 1, 1, 1);
        // LANMSFF (64x64 grayscale, two-path blocks)
        conv("lanmsff.stem", 64, 64, 1, 66, 3, 1, 1, 1, 1);
        conv("lanmsff.block1.conv", 64, 64, 66, 66, 3, 1, 1, 1, 1);
        conv("lanmsff.twopath.dilated", 32, 32, 36, 36, 3, 1, 2, 2, 1);
        conv("lanmsff.separable.depthwise", 64, 64, 66, 66, 3, 1, 1, 1, 66);
        conv("lanmsff.dilated.depthwise", 32, 32, 72, 72, 3, 1, 2, 2, 72);
        conv("lanmsff.separable.pointwise", 64, 64, 66, 66, 1, 1, 1, 0, 1);
        // PAtt-Lite (MobileNetV1 at 224)
        conv("pattlite.conv1", 224, 224, 3, 32, 3, 2, 1, 1, 1);
        conv("pattlite.dw1", 112, 112, 32, 32, 3, 1, 1, 1, 32);
        conv("pattlite.dw3", 56, 56, 128, 128, 3, 1, 1, 1, 128);
        conv("pattlite.dw4", 56, 56, 128, 128, 3, 2, 1, 1, 128);
        conv("pattlite.dw2", 112, 112, 64, 64, 3, 2, 1, 1, 64);
        conv("pattlite.pw1", 112, 112, 32, 64, 1, 1, 1, 0, 1);
        conv("pattlite.pw3", 56, 56, 128, 128, 1, 1, 1, 0, 1);
        conv("pattlite.dw7", 14, 14, 512, 512, 3, 1, 1, 1, 512);
        conv("pattlite.pw2", 56, 56, 64, 128, 1, 1, 1, 0, 1);
        conv("pattlite.pw5", 28, 28, 256, 256, 1, 1, 1, 0, 1);
        conv("pattlite.pw7", 14, 14, 512, 512, 1, 1, 1, 0, 1);
    }
}
