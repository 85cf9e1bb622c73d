package dev.mien.tools.serve;

import dev.mien.engine.image.ImageLoader;
import dev.mien.engine.image.ImageRefusal;
import dev.mien.engine.image.RgbImage;

import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Uploaded bytes to an RGB image through {@link ImageLoader#decode} (the steps and checks the
 * CLI uses on files), with the server's own pixel limit, and each refusal as an HTTP answer.
 */
final class ImageDecoder {
    private ImageDecoder() {}

    static RgbImage decode(byte[] bytes, long maxPixels) throws HttpError {
        if (bytes.length == 0) throw new HttpError(400, "bad_image", "empty request body; send the image's bytes");
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            img = ImageLoader.decode(in, maxPixels);
        } catch (ImageRefusal e) {
            throw switch (e.kind()) {
                case NOT_AN_IMAGE -> new HttpError(400, "bad_image", "not an image the server can decode (PNG, JPEG, BMP, GIF)");
                case REFUSED -> new HttpError(400, "bad_image", e.detail());
                case BAD_SIZE -> new HttpError(400, "bad_image", "image header declares " + e.width() + "x" + e.height() + " pixels");
                case TOO_MANY_PIXELS -> new HttpError(413, "too_many_pixels", "image of " + e.width() + "x" + e.height()
                        + " pixels exceeds the server's limit of " + maxPixels + " pixels (--max-pixels)");
                case CORRUPT, UNREADABLE -> new HttpError(400, "bad_image", "cannot decode the image (corrupt or truncated)");
                case OUT_OF_MEMORY -> new HttpError(503, "out_of_memory", "the image needs more memory than the server has free");
            };
        } catch (IOException e) {   // closing an in-memory stream
            throw new HttpError(400, "bad_image", "cannot decode the image (corrupt or truncated)");
        }
        return ImageLoader.toRgb(img);
    }
}
