package ldm4j.sample;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import ldm4j.LatentDiffusion;
import ldm4j.LdmException;
import ldm4j.io.PngText;

/**
 * Regenerates a PNG that ldm4j wrote, from the settings in its {@code ldm4j} text chunk: the same
 * request on the same model gives the same pixels (one image: only its batch is generated). The
 * file is outside input: its size is bounded, its text chunks' CRCs checked, and its settings pass
 * the same {@link RequestCheck} as typed-in options; every refusal is one line naming the file and
 * the setting.
 */
public final class FromPng {
    private FromPng() {
    }

    /** The settings stored in a PNG, or a one-line error naming the file. */
    public static ImageSettings settings(Path png) {
        if (!Files.isRegularFile(png)) {
            throw new LdmException("--from-png " + png + " does not exist: give a PNG that ldm4j wrote");
        }
        Map<String, String> text;
        try {
            text = PngText.read(InitImages.readBounded(png, "--from-png " + png));
        } catch (IOException e) {
            throw new LdmException("--from-png " + png + " is not a PNG ldm4j can read: " + e.getMessage());
        }
        String json = text.get(ImageSettings.JSON_KEY);
        if (json == null) {
            throw new LdmException("--from-png " + png + " has no '" + ImageSettings.JSON_KEY
                    + "' settings chunk: only PNGs written by ldm4j can be regenerated");
        }
        ImageSettings s = ImageSettings.fromJson(json, "--from-png " + png);
        if (s.precision() != null && !s.precision().equals("fp32") && !s.precision().equals("bf16")) {
            throw refused(png, new RequestCheck.Invalid("precision", "precision = '" + s.precision()
                    + "' is not allowed: expected fp32 or bf16"));
        }
        return s;
    }

    /**
     * The request those settings describe on {@code ldm}'s model, checked as a typed-in one is; the
     * embedded start image is checked by its declared size before decoding.
     */
    public static SampleRequest request(LatentDiffusion ldm, ImageSettings s, Path source) {
        if (!s.modelSha256().equals(ldm.model().sha256())) {
            throw new LdmException(source + " was made by model " + s.model() + " (hash "
                    + s.modelSha256().substring(0, Math.min(10, s.modelSha256().length())) + "), not by "
                    + ldm.model().runDir() + " (hash " + ldm.model().sha256().substring(0, 10)
                    + "): pass the run it came from with --run");
        }
        try {
            s.validate(ldm.classes().size(), ldm.model().resolution());
            return s.toRequest(ldm::classIndex, ldm.model().config().data().maxPixels());
        } catch (RequestCheck.Invalid e) {
            throw refused(source, e);
        } catch (LdmException e) {
            throw new LdmException("--from-png " + source + ": its settings are refused: " + e.getMessage());
        }
    }

    private static LdmException refused(Path png, RequestCheck.Invalid e) {
        return new LdmException("--from-png " + png + ": setting '" + e.field() + "' is refused: " + e.getMessage());
    }

    /** The image (or grid) those settings describe, regenerated with {@code ldm}'s model. */
    public static BufferedImage regenerate(LatentDiffusion ldm, ImageSettings s, Path source) {
        SampleRequest r = request(ldm, s, source);
        if (s.image() == null) {
            LatentSampler.Images all = ldm.sampler().generate(r, k -> { });
            return all.grid(s.gridColumns() == null ? all.count() : s.gridColumns());
        }
        int index = s.image();
        int n = r.classes().size();
        int from = index / r.batchSize() * r.batchSize();
        LatentSampler.Images batch = ldm.sampler().generate(r, from, Math.min(n, from + r.batchSize()), new SampleListener() { });
        return batch.image(index - from);
    }

    /** The PNG's own pixels, checked by declared size before decoding. */
    public static BufferedImage original(Path png, long maxPixels) {
        return InitImages.decode(InitImages.readBounded(png, "--from-png " + png), "--from-png " + png, maxPixels);
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
