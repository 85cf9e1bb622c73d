package dev.mien.tools.serve;

import dev.mien.engine.image.ImageLoader;
import dev.mien.engine.image.RgbImage;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;

/**
 * Uploaded bytes to an RGB image, as {@link ImageLoader} decodes files (same formats, same
 * PIL-compatible colour conversion), with the server's own pixel limit checked from the
 * image's header before the pixels are decoded.
 */
final class ImageDecoder {
    private ImageDecoder() {}

    static RgbImage decode(byte[] bytes, long maxPixels) throws HttpError {
        if (bytes.length == 0) throw new HttpError(400, "bad_image", "empty request body; send the image's bytes");
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext())
                throw new HttpError(400, "bad_image", "not an image the server can decode (PNG, JPEG, BMP, GIF)");
            ImageReader r = readers.next();
            try {
                String no = ImageLoader.refusal(r, in);
                if (no != null) throw new HttpError(400, "bad_image", no);
                r.setInput(in, true, true);
                long w = r.getWidth(0), h = r.getHeight(0);
                if (w <= 0 || h <= 0) throw new HttpError(400, "bad_image", "image header declares " + w + "x" + h + " pixels");
                if (w * h > maxPixels)
                    throw new HttpError(413, "too_many_pixels", "image of " + w + "x" + h + " pixels exceeds the server's limit of "
                            + maxPixels + " pixels (--max-pixels)");
                img = r.read(0);
            } finally {
                r.dispose();
            }
        } catch (HttpError e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new HttpError(400, "bad_image", "cannot decode the image (corrupt or truncated)");
        } catch (OutOfMemoryError e) {
            throw new HttpError(503, "out_of_memory", "the image needs more memory than the server has free");
        }
        if (img == null) throw new HttpError(400, "bad_image", "cannot decode the image");
        return ImageLoader.toRgb(img);
    }
}
