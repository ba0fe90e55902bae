package ldm4j.data;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.split;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;

/**
 * The fast JPEG path: OpenCV's {@code imdecode}, which decodes with libjpeg-turbo like PIL (same integer IDCT,
 * same fancy upsampling), so its RGB and grey pixels are byte-identical to PIL's {@code convert("RGB")}, at
 * about PIL's speed (2-3x the JDK's decoder). EXIF orientation is left to {@link Orientation} (OpenCV's own is
 * switched off), CMYK and YCCK stay on the JDK path (OpenCV's CMYK formula differs from PIL's by up to 2).
 */
final class TurboJpeg {
    /** Decodes a 1- or 3-component JPEG to planar RGB, or returns null when this path cannot (see ImageDecoder). */
    interface Decoder {
        RawImage decode(byte[] jpeg, int width, int height);
    }

    private TurboJpeg() {
    }

    /** OpenCV when its natives load on this platform, else a decoder that always declines (the JDK path runs). */
    static Decoder orNone() {
        return Natives.LOADED ? TurboJpeg::decode : (jpeg, width, height) -> null;
    }

    /** Loads the natives once per JVM (class initialisation is thread-safe and the result never changes). */
    private static final class Natives {
        static final boolean LOADED = load();

        private static boolean load() {
            try {
                Loader.load(opencv_imgcodecs.class);
                return true;
            } catch (UnsatisfiedLinkError | NoClassDefFoundError | RuntimeException e) {
                return false;
            }
        }
    }

    /**
     * The JPEG's pixels as planar RGB, or null when OpenCV refuses the bytes or decodes to another size than the
     * header declared ({@code width} x {@code height}, already checked against the pixel budget).
     */
    static RawImage decode(byte[] jpeg, int width, int height) {
        try (PointerScope scope = new PointerScope()) {
            Mat encoded = new Mat(1, jpeg.length, CV_8UC1, new BytePointer(jpeg));
            Mat bgr = imdecode(encoded, IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION);   // (H, W, 3) BGR
            if (bgr == null || bgr.empty() || bgr.rows() != height || bgr.cols() != width || bgr.channels() != 3
                    || !bgr.isContinuous() || bgr.elemSize1() != 1) {
                return null;
            }
            int plane = height * width;
            MatVector bgrPlanes = new MatVector();
            split(bgr, bgrPlanes);                                                   // 3 x (H, W): B, G, R
            byte[] planes = new byte[3 * plane];                                     // (3, H, W) RGB
            for (int c = 0; c < 3; c++) {
                Mat p = bgrPlanes.get(2 - c);
                if (!p.isContinuous()) {
                    return null;
                }
                p.data().get(planes, c * plane, plane);
            }
            return new RawImage(planes, height, width);
        } catch (RuntimeException e) {
            return null; // a cv::Exception: the JDK path decodes or names the problem
        }
    }
}
