package ldm4j.sample;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;

import ldm4j.LatentDiffusion;
import ldm4j.LdmException;
import ldm4j.io.PngText;

/**
 * Regenerates a PNG that ldm4j wrote, from the settings in its {@code ldm4j} text chunk: the same
 * request on the same model gives the same pixels (one image: only its batch is generated).
 */
public final class FromPng {
    private FromPng() {
    }

    /** The settings stored in a PNG, or a one-line error naming the file. */
    public static ImageSettings settings(Path png) {
        Map<String, String> text;
        try {
            text = PngText.read(png);
        } catch (java.io.UncheckedIOException e) {
            throw new LdmException("--from-png " + png + ": " + e.getMessage());
        }
        String json = text.get(ImageSettings.JSON_KEY);
        if (json == null) {
            throw new LdmException("--from-png " + png + " has no '" + ImageSettings.JSON_KEY
                    + "' settings chunk: only PNGs written by ldm4j can be regenerated");
        }
        return ImageSettings.fromJson(json, png.toString());
    }

    /** The image (or grid) those settings describe, regenerated with {@code ldm}'s model. */
    public static BufferedImage regenerate(LatentDiffusion ldm, ImageSettings s, Path source) {
        if (!s.modelSha256().equals(ldm.model().sha256())) {
            throw new LdmException(source + " was made by model " + s.model() + " (hash " + s.modelSha256().substring(0, 10)
                    + "), not by " + ldm.model().runDir() + " (hash " + ldm.model().sha256().substring(0, 10)
                    + "): pass the run it came from with --run");
        }
        SampleRequest r = s.toRequest(ldm::classIndex);
        if (s.image() == null) {
            LatentSampler.Images all = ldm.sampler().generate(r, k -> { });
            return all.grid(s.gridColumns() == null ? all.count() : s.gridColumns());
        }
        int index = s.image();
        int n = r.classes().size();
        if (index < 0 || index >= n) {
            throw new LdmException(source + ": image index " + index + " is outside the request's 0.." + (n - 1));
        }
        int from = index / r.batchSize() * r.batchSize();
        LatentSampler.Images batch = ldm.sampler().generate(r, from, Math.min(n, from + r.batchSize()), new SampleListener() { });
        return batch.image(index - from);
    }

    /** Pixels that differ between two images of the same size (-1 when the sizes differ). */
    public static long differingPixels(BufferedImage a, BufferedImage b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) {
            return -1;
        }
        long n = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                if ((a.getRGB(x, y) & 0xFFFFFF) != (b.getRGB(x, y) & 0xFFFFFF)) {
                    n++;
                }
            }
        }
        return n;
    }
}
