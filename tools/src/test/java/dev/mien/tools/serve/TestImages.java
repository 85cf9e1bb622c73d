package dev.mien.tools.serve;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;

/** Images for the server tests, made here. */
final class TestImages {
    private TestImages() {}

    /** A PNG whose fake "faces" (see FakeStages) are the bands listed (0..7); noise elsewhere. */
    static byte[] bands(int width, int height, long seed, int... faceBands) throws IOException {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) img.setRGB(x, y, r.nextInt(1 << 24) & 0x7f7f7f);
        int bh = height / 8;
        for (int b : faceBands) img.setRGB(0, b * bh, 0xff0000 | r.nextInt(1 << 16));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /**
     * A valid PNG header declaring {@code width x height} pixels followed by one tiny IDAT: a
     * decompression bomb's shape (a few dozen bytes that would decode to gigabytes).
     */
    static byte[] pngHeader(int width, int height) {
        ByteBuffer b = ByteBuffer.allocate(8 + 25 + 12 + 12);
        b.put(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(b, "IHDR", ihdr.array());
        chunk(b, "IDAT", new byte[0]);
        chunk(b, "IEND", new byte[0]);
        return b.array();
    }

    private static void chunk(ByteBuffer b, String type, byte[] data) {
        b.putInt(data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        b.put(t).put(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        b.putInt((int) crc.getValue());
    }

    /** A BMP whose header says {@code w} x {@code h} but whose pixels are a {@code pw} x {@code ph} PNG (BMP compression 5). */
    static byte[] bmpWrappingPng(int w, int h, int pw, int ph) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(pw, ph, BufferedImage.TYPE_3BYTE_BGR), "png", png);
        byte[] inner = png.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(54 + inner.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'B').put((byte) 'M').putInt(54 + inner.length).putInt(0).putInt(54);   // file header: size, reserved, pixel offset
        b.putInt(40).putInt(w).putInt(h).putShort((short) 1).putShort((short) 0).putInt(5).putInt(inner.length).putInt(0).putInt(0).putInt(0).putInt(0);
        return b.put(inner).array();
    }
}
