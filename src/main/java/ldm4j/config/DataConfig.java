package ldm4j.config;

/**
 * Data pipeline settings.
 *
 * @param spec          dataset: {@code cifar10}, {@code cifar10:PATH} or {@code folder:PATH}
 * @param resolution    training image side in pixels (CIFAR-10's 32 is upscaled to this)
 * @param interpolation resampling filter: {@code bicubic} (PIL-style, antialiased, default) or {@code bilinear}
 * @param flip          random horizontal flips for training batches
 * @param workers       loader threads that decode and resize batches
 * @param prefetch      batches prepared ahead of the consumer (bounded queue)
 * @param maxPixels     largest declared width x height an image may have; larger files are refused before decoding
 *                      (a decompression-bomb guard; default PIL's 89,478,485)
 * @param crop          how images become squares: {@code center} (center square, one antialiased resize with
 *                      {@code interpolation}), {@code adm} (ADM's center_crop_arr as PIL computes it: BOX halvings,
 *                      BICUBIC, center crop; {@code interpolation} is not used) or {@code auto} (the default, also
 *                      for configs written before this setting: {@code adm} for {@code imagenet:} and {@code wds:}
 *                      data, {@code center} otherwise)
 */
public record DataConfig(String spec, int resolution, String interpolation, boolean flip, int workers, int prefetch,
                         long maxPixels, String crop) {

    /** The default decompression-bomb limit (PIL's {@code Image.MAX_IMAGE_PIXELS}). */
    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;

    /** A data config with the default {@code maxPixels}. */
    public DataConfig(String spec, int resolution, String interpolation, boolean flip, int workers, int prefetch) {
        this(spec, resolution, interpolation, flip, workers, prefetch, DEFAULT_MAX_PIXELS, "auto");
    }

    /** A data config with the default {@code crop} ({@code auto}). */
    public DataConfig(String spec, int resolution, String interpolation, boolean flip, int workers, int prefetch,
                      long maxPixels) {
        this(spec, resolution, interpolation, flip, workers, prefetch, maxPixels, "auto");
    }

    public DataConfig {
        Check.notBlank("data.spec", spec);
        Check.range("data.resolution", resolution, 8, 1024);
        Check.multipleOf("data.resolution", resolution, 8);
        Check.oneOf("data.interpolation", interpolation, "bicubic", "bilinear");
        Check.range("data.workers", workers, 1, 64);
        Check.range("data.prefetch", prefetch, 1, 256);
        Check.range("data.maxPixels", maxPixels, 1, 1L << 40);
        if (crop == null) {
            crop = "auto"; // absent from presets and older configs
        }
        Check.oneOf("data.crop", crop, "auto", "center", "adm");
    }

    /** {@code crop} with {@code auto} resolved: {@code adm} for ImageNet and shard data, else {@code center}. */
    public String cropMode() {
        if (!crop.equals("auto")) {
            return crop;
        }
        String s = spec.trim();
        return s.startsWith("imagenet:") || s.startsWith("wds:") ? "adm" : "center";
    }
}
