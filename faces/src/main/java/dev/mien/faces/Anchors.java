package dev.mien.faces;

/**
 * BlazeFace's anchor centres for a square input of {@code size} pixels: a grid of stride
 * size/16 with 2 anchors per cell, then a grid of stride size/8 with 6 per cell, row by row,
 * each centred at stride * (cell + 0.5) — 896 anchors for 256 pixels, in the order of the
 * detector's output rows.
 */
final class Anchors {
    private Anchors() {}

    /** Interleaved x, y per anchor. */
    static float[] centres(int size) {
        int[] strides = {size / 16, size / 8};
        int[] perCell = {2, 6};
        int n = 0;
        for (int i = 0; i < 2; i++) {
            int cells = cellsPerSide(size, strides[i]);
            n += cells * cells * perCell[i];
        }
        float[] xy = new float[2 * n];
        int k = 0;
        for (int i = 0; i < 2; i++) {
            int stride = strides[i], cells = cellsPerSide(size, stride);
            for (int gy = 0; gy < cells; gy++)
                for (int gx = 0; gx < cells; gx++)
                    for (int a = 0; a < perCell[i]; a++) {
                        xy[k++] = stride * (gx + 0.5f);
                        xy[k++] = stride * (gy + 0.5f);
                    }
        }
        return xy;
    }

    private static int cellsPerSide(int size, int stride) { return (size + stride - 1) / stride; }
}
