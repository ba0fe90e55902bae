package ldm4j.data;

import java.util.ArrayList;
import java.util.List;

import ldm4j.config.DataConfig;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.InterpolateFuncOptions;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.kBicubic;
import org.bytedeco.pytorch.kBilinear;
import org.bytedeco.pytorch.global.torch;

/**
 * Turns decoded images into a training batch: center square crop, optional horizontal flip, resize to
 * {@code resolution} x {@code resolution} in libtorch, scale to [-1, 1].
 *
 * <p>Images of any aspect ratio follow the ADM/LDM ImageNet convention (ADM's {@code center_crop_arr}):
 * scale the short side to the resolution and keep the center. Here the center square (side = the short
 * side, offset {@code floor((long - short) / 2)}) is cut first and then resized, which selects the same
 * region while resampling fewer pixels. Nothing is squashed (that would change the objects' proportions) and
 * nothing is padded (a model would learn the borders); what is lost is the ends of the long side.
 *
 * <p>Resampling is antialiased bicubic by default: libtorch's {@code _upsample_bicubic2d_aa}
 * is PIL's BICUBIC filter (a = -0.5), sharper than bilinear when upscaling CIFAR-10's 32 px to 64 px,
 * and with the antialias flag it stays correct when a folder holds images larger than the target
 * (downscaling without it aliases). Bicubic overshoots slightly, so values are clamped to [-1, 1].
 *
 * <p>With {@code crop = "adm"} the square is made by {@link AdmCrop} instead (ADM's {@code center_crop_arr} exactly
 * as PIL computes it, in Java on 8-bit pixels; {@code interpolation} is not used), then flipped and scaled to
 * [-1, 1]: the preprocessing of the ImageNet-256 papers.
 */
public record Transform(int resolution, String interpolation, String crop) {

    public Transform {
        if (resolution <= 0) {
            throw new IllegalArgumentException("resolution must be positive");
        }
        if (!interpolation.equals("bicubic") && !interpolation.equals("bilinear")) {
            throw new IllegalArgumentException("interpolation must be bicubic or bilinear, got " + interpolation);
        }
        if (!crop.equals("center") && !crop.equals("adm")) {
            throw new IllegalArgumentException("crop must be center or adm, got " + crop);
        }
    }

    /** The center-square transform (one antialiased resize). */
    public Transform(int resolution, String interpolation) {
        this(resolution, interpolation, "center");
    }

    /** The transform of a data config ({@code data.crop = auto} resolved by the dataset kind). */
    public static Transform of(DataConfig data) {
        return new Transform(data.resolution(), data.interpolation(), data.cropMode());
    }

    /** What the pixels depend on, for cache keys: the interpolation for {@code center} (as before), else "adm". */
    public String resampling() {
        return crop.equals("center") ? interpolation : "adm";
    }

    /** One line for users: how an image becomes a training square. */
    public String describe() {
        if (crop.equals("adm")) {
            return "ADM center crop to " + resolution + "x" + resolution + " (BOX halvings while the short side >= "
                    + 2 * resolution + ", BICUBIC to " + resolution + ", center square; PIL's arithmetic)";
        }
        return "center square crop, resize to " + resolution + "x" + resolution + " (" + interpolation + ", antialiased)";
    }

    /**
     * Applies the transform to a batch. Call inside a PointerScope; the result is a Java array.
     *
     * @param images decoded images (any sizes)
     * @param flip   flip[i] mirrors image i horizontally
     * @return (B, 3, R, R) row-major floats in [-1, 1]
     */
    public float[] apply(List<RawImage> images, boolean[] flip) {
        int b = images.size();
        int r = resolution;
        float[] out = new float[b * 3 * r * r];
        if (crop.equals("adm")) {
            for (int k = 0; k < b; k++) {
                byte[] px = AdmCrop.apply(images.get(k), r).planes();      // (3, r, r) uint8
                int base = k * 3 * r * r;
                if (!flip[k]) {
                    for (int j = 0; j < px.length; j++) {
                        out[base + j] = (px[j] & 255) / 127.5f - 1f;        // [-1, 1]; a loop C2 vectorises
                    }
                    continue;
                }
                for (int row = 0; row < 3 * r; row++) {                     // mirrored while converting
                    int o = base + row * r;
                    int last = row * r + r - 1;
                    for (int x = 0; x < r; x++) {
                        out[o + x] = (px[last - x] & 255) / 127.5f - 1f;
                    }
                }
            }
            return out;
        }
        List<RawImage> squares = new ArrayList<>(b);
        for (RawImage img : images) {
            squares.add(centerSquare(img));
        }
        images = squares;
        int i = 0;
        while (i < b) {
            // Group consecutive images of equal size into one libtorch call.
            int h = images.get(i).height();
            int w = images.get(i).width();
            int j = i + 1;
            while (j < b && images.get(j).height() == h && images.get(j).width() == w) {
                j++;
            }
            byte[] raw = new byte[(j - i) * 3 * h * w];
            for (int k = i; k < j; k++) {
                byte[] planes = flip[k] ? flipPlanes(images.get(k)) : images.get(k).planes();
                System.arraycopy(planes, 0, raw, (k - i) * 3 * h * w, planes.length);
            }
            Tensor x = Tensors.fromBytes(raw, j - i, 3, h, w)          // (n, 3, h, w) uint8
                    .to(torch.ScalarType.Float).div_(new Scalar(127.5))
                    .sub_(new Scalar(1.0));       // [-1, 1]
            if (h != r || w != r) {
                x = resize(x, r).clamp_(new ScalarOptional(new Scalar(-1.0)),
                        new ScalarOptional(new Scalar(1.0)));
            }
            float[] part = Tensors.toFloats(x);                        // (n, 3, r, r)
            System.arraycopy(part, 0, out, i * 3 * r * r, part.length);
            i = j;
        }
        return out;
    }

    /** (n, 3, h, w) float to (n, 3, r, r), antialiased, align_corners = false (not clamped). */
    public Tensor resize(Tensor x, int r) {
        InterpolateFuncOptions o = new InterpolateFuncOptions();
        o.size().put(new LongVector(r, r));
        if (interpolation.equals("bicubic")) {
            o.mode().put(new kBicubic());
        } else {
            o.mode().put(new kBilinear());
        }
        o.align_corners().put(false);
        o.antialias().put(true);
        return torch.interpolate(x, o);
    }

    /** The center square of an image (itself when square): side min(h, w), offset floor((long - short) / 2). */
    public static RawImage centerSquare(RawImage img) {
        int h = img.height();
        int w = img.width();
        if (h == w) {
            return img;
        }
        int s = Math.min(h, w);
        int top = (h - s) / 2;
        int left = (w - s) / 2;
        byte[] src = img.planes();
        byte[] dst = new byte[3 * s * s];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < s; y++) {
                System.arraycopy(src, c * h * w + (top + y) * w + left, dst, c * s * s + y * s, s);
            }
        }
        return new RawImage(dst, s, s);
    }

    /** Mirrors a planar image left-right. */
    static byte[] flipPlanes(RawImage img) {
        int h = img.height();
        int w = img.width();
        byte[] src = img.planes();
        byte[] dst = new byte[src.length];
        for (int row = 0; row < 3 * h; row++) {
            int base = row * w;
            for (int x = 0; x < w; x++) {
                dst[base + x] = src[base + w - 1 - x];
            }
        }
        return dst;
    }
}
