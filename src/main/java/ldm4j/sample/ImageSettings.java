package ldm4j.sample;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToIntFunction;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.LdmException;
import ldm4j.io.PngText;
import ldm4j.torch.ImageGrid;

/**
 * Everything needed to make a PNG again, pixel for pixel: the whole request (images are generated
 * in batches, and a batch's composition changes the floats in the last bits), the model's hash and
 * which image of the request the file holds ({@code image}; null for a grid of all of them).
 * Stored in every PNG as the JSON text chunk {@value #JSON_KEY}, beside Automatic1111's
 * {@code parameters} line for people and other tools.
 *
 * @param classes    class name of every image of the request, in order
 * @param init       SDEdit's start image (embedded as PNG, so the file is self-contained) and strength
 * @param gridColumns columns of the grid when {@code image} is null
 * @param precision  fp32 or bf16 (autocast): the same seed gives slightly different pixels in each;
 *                   null in files written before it was recorded
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageSettings(String version, String model, String modelSha256, List<String> classes, String sampler,
                            int steps, double cfg, double eta, String spacing, long seed, int batchSize,
                            double guidanceLow, double guidanceHigh, Init init, Interp interpolation,
                            Integer image, Integer gridColumns, int width, int height, String precision) {

    /** The PNG text keyword of the JSON chunk. */
    public static final String JSON_KEY = "ldm4j";
    /** Automatic1111's keyword. */
    public static final String PARAMETERS_KEY = "parameters";

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(JsonGenerator.Feature.ESCAPE_NON_ASCII, true)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public record Init(String png, double strength) {
    }

    public record Interp(int indexA, long seedB, int indexB, String classB) {
    }

    /** The settings of a request (for one image of it, or for the grid when {@code image} is null). */
    public static ImageSettings of(SampleRequest r, List<String> classNames, String model, String modelSha256,
                                   Integer image, Integer gridColumns, int width, int height, String precision) {
        List<String> names = new ArrayList<>();
        for (int c : r.classes()) {
            names.add(classNames.get(c));
        }
        Init init = r.init() == null ? null : new Init(initPng(r.init()), r.init().strength());
        Interp interp = r.interpolation() == null ? null : new Interp(r.interpolation().indexA(), r.interpolation().seedB(),
                r.interpolation().indexB(), classNames.get(r.interpolation().classB()));
        return new ImageSettings(currentVersion(), model, modelSha256, names, r.sampler(), r.steps(), r.cfg(), r.eta(), r.spacing(),
                r.seed(), r.batchSize(), r.guidanceLow(), r.guidanceHigh(), init, interp, image, gridColumns, width, height, precision);
    }

    /**
     * Checks every setting as a typed-in request is checked ({@link RequestCheck}), plus what only a
     * file can get wrong (size, image index, grid columns, precision); an {@link RequestCheck.Invalid}
     * names the setting.
     */
    public void validate(int numClasses, int resolution) {
        RequestCheck.check(sampler, steps, cfg, eta, spacing, batchSize, guidanceLow, guidanceHigh, seed, classes.size(),
                interpolation != null, numClasses);
        int n = classes.size();
        if (width != resolution || height != resolution) {
            throw new RequestCheck.Invalid(width != resolution ? "width" : "height", "the image is " + width + "x" + height
                    + ", but the model makes " + resolution + "x" + resolution + " images");
        }
        if (image != null && (image < 0 || image >= n)) {
            throw new RequestCheck.Invalid("image", "image = " + image + " is out of range: expected 0 <= image <= " + (n - 1));
        }
        if (gridColumns != null && (gridColumns < 1 || gridColumns > n)) {
            throw new RequestCheck.Invalid("gridColumns", "gridColumns = " + gridColumns + " is out of range: expected 1 <= gridColumns <= " + n);
        }
        if (precision != null && !precision.equals("fp32") && !precision.equals("bf16")) {
            throw new RequestCheck.Invalid("precision", "precision = '" + precision + "' is not allowed: expected fp32 or bf16");
        }
        if (init != null) {
            if (init.png() == null) {
                throw new RequestCheck.Invalid("init.png", "init has no png: expected the start image as base64 PNG");
            }
            RequestCheck.strength("init.strength", init.strength());
        }
        if (interpolation != null) {
            RequestCheck.index("interpolation.indexA", interpolation.indexA());
            RequestCheck.index("interpolation.indexB", interpolation.indexB());
            RequestCheck.seed("interpolation.seedB", interpolation.seedB());
            if (interpolation.classB() == null) {
                throw new RequestCheck.Invalid("interpolation.classB", "interpolation has no classB: expected a class name");
            }
        }
    }

    /**
     * The request back, with class names looked up by {@code classIndex} (which reports unknown names);
     * the embedded start image is checked against {@code maxPixels} before it is decoded. Call
     * {@link #validate} first.
     */
    public SampleRequest toRequest(ToIntFunction<String> classIndex, long maxPixels) {
        List<Integer> labels = classes.stream().map(classIndex::applyAsInt).toList();
        SampleRequest r = new SampleRequest(labels, sampler, steps, cfg, eta, spacing, seed, batchSize, guidanceLow,
                guidanceHigh, null, null);
        if (init != null) {
            r = r.withInit(InitImages.of(decodePng(init.png(), maxPixels), init.strength(), width, height));
        }
        if (interpolation != null) {
            r = r.withInterpolation(new SampleRequest.Interpolation(interpolation.indexA(), interpolation.seedB(),
                    interpolation.indexB(), classIndex.applyAsInt(interpolation.classB())));
        }
        return r;
    }

    /** The two text chunks: Automatic1111's line and the JSON. */
    public Map<String, String> pngText() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(PARAMETERS_KEY, parameters());
        m.put(JSON_KEY, toJson());
        return m;
    }

    /**
     * Automatic1111's {@code parameters} format: the prompt (here the class) on the first line, then
     * comma-separated {@code Key: value} pairs.
     */
    public String parameters() {
        String what = image != null ? classes.get(image) : String.join(" | ", new LinkedHashSet<>(classes));
        StringBuilder b = new StringBuilder("class: ").append(what).append('\n');
        b.append("Steps: ").append(steps).append(", Sampler: ").append(sampler).append(", CFG scale: ").append(num(cfg))
                .append(", Seed: ").append(seed);
        if (image != null) {
            b.append(", Image index: ").append(image);
        }
        b.append(", Size: ").append(width).append('x').append(height)
                .append(", Model hash: ").append(modelSha256.substring(0, Math.min(10, modelSha256.length())))
                .append(", Model: ").append(model)
                .append(", Schedule type: ").append(spacing)
                .append(", Eta: ").append(num(eta));
        if (guidanceLow > 0 || guidanceHigh < 1) {
            b.append(", Guidance interval: ").append(num(guidanceLow)).append('-').append(num(guidanceHigh));
        }
        if (init != null) {
            b.append(", Denoising strength: ").append(num(init.strength()));
        }
        if (interpolation != null) {
            b.append(", Interpolate: seed ").append(seed).append('#').append(interpolation.indexA()).append(" to seed ")
                    .append(interpolation.seedB()).append('#').append(interpolation.indexB()).append(' ')
                    .append(interpolation.classB()).append(", Frames: ").append(classes.size());
        }
        if (precision != null) {
            b.append(", Precision: ").append(precision);
        }
        return b.append(", Batch size: ").append(batchSize).append(", Version: ldm4j ").append(version).toString();
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses the JSON chunk; {@code source} names the file in the error. */
    public static ImageSettings fromJson(String json, String source) {
        try {
            ImageSettings s = JSON.readValue(json, ImageSettings.class);
            if (s.classes() == null || s.classes().isEmpty() || s.sampler() == null || s.modelSha256() == null) {
                throw new LdmException(source + ": its '" + JSON_KEY + "' chunk lacks classes, sampler or model hash");
            }
            return s;
        } catch (JsonMappingException e) {
            String field = e.getPath().isEmpty() ? null : e.getPath().get(e.getPath().size() - 1).getFieldName();
            throw new LdmException(source + ": its '" + JSON_KEY + "' chunk is not valid settings JSON ("
                    + (field != null ? "setting '" + field + "' has the wrong type or is out of range" : "wrong structure")
                    + "): only PNGs written by ldm4j can be regenerated");
        } catch (JsonProcessingException e) {
            throw new LdmException(source + ": its '" + JSON_KEY + "' chunk is not valid settings JSON (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
                    + "): only PNGs written by ldm4j can be regenerated");
        }
    }

    static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }

    private static String initPng(SampleRequest.InitImage init) {
        BufferedImage img = ImageGrid.of(init.chw(), 1, init.height(), init.width(), 1, 0);
        return Base64.getEncoder().encodeToString(PngText.encode(img, Map.of()));
    }

    private static BufferedImage decodePng(String base64, long maxPixels) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new RequestCheck.Invalid("init.png", "the embedded start image is not base64: " + e.getMessage());
        }
        try {
            return InitImages.decode(bytes, "the embedded start image", maxPixels);
        } catch (LdmException e) {
            throw new RequestCheck.Invalid("init.png", e.getMessage());
        }
    }

    static String currentVersion() {
        String v = ImageSettings.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
