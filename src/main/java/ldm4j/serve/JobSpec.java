package ldm4j.serve;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

import com.fasterxml.jackson.databind.JsonNode;
import ldm4j.LdmException;
import ldm4j.config.SampleConfig;
import ldm4j.config.SamplerKind;
import ldm4j.sample.InitImages;
import ldm4j.sample.SampleRequest;

/**
 * The body of {@code POST /api/jobs}, checked field by field: every error names the field and the
 * allowed values or range, so the web page and curl users can show it as is.
 *
 * <pre>{@code
 * {"class": "cat" | 3 | "all", "n": 4, "sampler": "ddim", "steps": 50, "cfg": 5, "guidance_interval": [0, 1],
 *  "spacing": "auto", "seed": 42, "eta": 0,
 *  "init": {"job": "ID", "image": 0, "strength": 0.6}          (or {"png": BASE64, "strength": ...})
 *  "interpolate": {"from": {"seed": 1, "index": 0, "class": "cat"}, "to": {...}, "frames": 8}}
 * }</pre>
 */
public final class JobSpec {
    static final List<String> FIELDS = List.of("class", "n", "sampler", "steps", "cfg", "guidance_interval", "spacing", "seed",
            "eta", "init", "interpolate");
    static final List<String> SAMPLERS = SamplerKind.keys();
    static final List<String> SPACINGS = List.of("auto", "uniform-t", "uniform-logsnr", "karras");

    /** What the parser needs to know about the model and the server. */
    public interface Context {
        List<String> classes();

        SampleConfig defaults();

        int resolution();

        int maxImages();

        int maxSteps();

        /** Largest declared width x height of a start image (the run's {@code data.maxPixels}). */
        long maxPixels();

        /** The PNG of image {@code index} of job {@code id}, or null. */
        byte[] png(String id, int index);
    }

    private JobSpec() {
    }

    /** The request described by {@code body}; {@code random} picks the seed when none is given. */
    public static SampleRequest parse(JsonNode body, Context c, RandomGenerator random) {
        if (body == null || !body.isObject()) {
            throw new BadRequest(null, "the body must be a JSON object such as {\"class\": \"" + c.classes().get(0)
                    + "\", \"n\": 4}", "a JSON object");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new BadRequest(f, "unknown field '" + f + "': expected " + String.join(", ", FIELDS), String.join(", ", FIELDS));
            }
        }
        SampleConfig d = c.defaults();
        String sampler = oneOf(body, "sampler", d.sampler(), SAMPLERS);
        int steps = (int) integer(body, "steps", d.steps(), 1, c.maxSteps());
        double cfg = number(body, "cfg", d.cfg(), 0, 30);
        double eta = number(body, "eta", d.eta(), 0, 1);
        String spacing = oneOf(body, "spacing", d.spacing(), SPACINGS);
        double[] interval = interval(body);
        long seed = body.has("seed") && !body.get("seed").isNull() ? integer(body, "seed", 0, 0, Long.MAX_VALUE)
                : random.nextLong(0, 1L << 53);                                  // exact in JavaScript numbers
        int batch = d.batchSize();
        JsonNode lerp = body.get("interpolate");
        if (lerp != null && !lerp.isNull()) {
            if (body.has("init") && !body.get("init").isNull()) {
                throw new BadRequest("interpolate", "interpolate and init cannot be combined: choose one", "one of them");
            }
            return interpolation(lerp, c).apply(sampler, steps, cfg, eta, spacing, batch, interval);
        }
        List<Integer> classes = classes(body, c);
        int n = (int) integer(body, "n", 1, 1, c.maxImages());
        List<Integer> labels = new ArrayList<>();
        for (int cls : classes) {
            for (int k = 0; k < n; k++) {
                labels.add(cls);
            }
        }
        if (labels.size() > c.maxImages()) {
            throw new BadRequest("n", "n = " + n + " for " + classes.size() + " classes makes " + labels.size()
                    + " images: expected at most " + c.maxImages() + " per job", "1.." + c.maxImages() / classes.size());
        }
        SampleRequest r = new SampleRequest(labels, sampler, steps, cfg, eta, spacing, seed, batch, interval[0], interval[1],
                null, null);
        JsonNode init = body.get("init");
        return init == null || init.isNull() ? r : r.withInit(init(init, c));
    }

    /** The classes asked for: one (by name or index) or {@code "all"} (one of each). */
    static List<Integer> classes(JsonNode body, Context c) {
        JsonNode v = body.get("class");
        String allowed = String.join(", ", c.classes()) + ", an index 0.." + (c.classes().size() - 1) + " or all";
        if (v == null || v.isNull()) {
            throw new BadRequest("class", "class is missing: expected " + allowed, allowed);
        }
        if (v.isTextual() && v.asText().equals("all")) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < c.classes().size(); i++) {
                all.add(i);
            }
            return all;
        }
        return List.of(classIndex(v, "class", c));
    }

    static int classIndex(JsonNode v, String field, Context c) {
        String allowed = String.join(", ", c.classes()) + " or an index 0.." + (c.classes().size() - 1);
        if (v != null && v.isTextual() && c.classes().contains(v.asText())) {
            return c.classes().indexOf(v.asText());
        }
        if (v != null && v.canConvertToInt() && v.isIntegralNumber() && v.asInt() >= 0 && v.asInt() < c.classes().size()) {
            return v.asInt();
        }
        throw new BadRequest(field, field + " = " + v + " is not a class: expected " + allowed, allowed);
    }

    static long integer(JsonNode body, String field, long fallback, long min, long max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (v.isIntegralNumber() && !v.canConvertToLong()) {
            throw new BadRequest(field, field + " = " + v + " is out of range: expected " + min + " <= " + field + " <= " + max,
                    min + ".." + max);
        }
        if (!v.isIntegralNumber()) {
            throw new BadRequest(field, field + " = " + v + " is not an integer: expected " + min + " <= " + field + " <= " + max,
                    min + ".." + max);
        }
        long x = v.asLong();
        if (x < min || x > max) {
            throw new BadRequest(field, field + " = " + x + " is out of range: expected " + min + " <= " + field + " <= " + max,
                    min + ".." + max);
        }
        return x;
    }

    static double number(JsonNode body, String field, double fallback, double min, double max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw new BadRequest(field, field + " = " + v + " is not a number: expected a number " + min + " <= " + field
                    + " <= " + max, min + ".." + max);
        }
        if (!(v.asDouble() >= min && v.asDouble() <= max)) {
            throw new BadRequest(field, field + " = " + v + " is out of range: expected a number " + min + " <= " + field
                    + " <= " + max, min + ".." + max);
        }
        return v.asDouble();
    }

    static String oneOf(JsonNode body, String field, String fallback, List<String> allowed) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual() || !allowed.contains(v.asText())) {
            throw new BadRequest(field, field + " = " + v + " is not allowed: expected one of " + String.join(", ", allowed),
                    String.join(", ", allowed));
        }
        return v.asText();
    }

    static double[] interval(JsonNode body) {
        JsonNode v = body.get("guidance_interval");
        if (v == null || v.isNull()) {
            return new double[]{0, 1};
        }
        if (v.isArray() && v.size() == 2 && v.get(0).isNumber() && v.get(1).isNumber()) {
            double lo = v.get(0).asDouble();
            double hi = v.get(1).asDouble();
            if (0 <= lo && lo <= hi && hi <= 1) {
                return new double[]{lo, hi};
            }
        }
        throw new BadRequest("guidance_interval", "guidance_interval = " + v
                + " is not allowed: expected [low, high] with 0 <= low <= high <= 1", "[low, high], 0 <= low <= high <= 1");
    }

    static SampleRequest.InitImage init(JsonNode init, Context c) {
        if (!init.isObject()) {
            throw new BadRequest("init", "init must be an object {\"job\": ID, \"image\": K, \"strength\": S}", "an object");
        }
        double strength = number(init, "strength", 0.6, 0, 1);
        byte[] png;
        if (init.hasNonNull("png")) {
            try {
                png = Base64.getDecoder().decode(init.get("png").asText());
            } catch (IllegalArgumentException e) {
                throw new BadRequest("init.png", "init.png is not base64: " + e.getMessage(), "a base64 PNG or JPEG");
            }
        } else {
            String job = init.path("job").asText("");
            int image = (int) integer(init, "image", 0, 0, Integer.MAX_VALUE);
            png = c.png(job, image);
            if (png == null) {
                throw new BadRequest("init.job", "init: job '" + job + "' has no image " + image
                        + " (finished jobs are kept for a while; or send the image as init.png)", "a finished job's image");
            }
        }
        BufferedImage img;
        try {
            img = InitImages.decode(png, "the init image", c.maxPixels());
        } catch (LdmException e) {
            throw new BadRequest("init", e.getMessage(), "a PNG or JPEG image of at most " + c.maxPixels() + " pixels");
        }
        return InitImages.of(img, strength, c.resolution(), c.resolution());
    }

    @FunctionalInterface
    interface Partial {
        SampleRequest apply(String sampler, int steps, double cfg, double eta, String spacing, int batch, double[] interval);
    }

    static Partial interpolation(JsonNode lerp, Context c) {
        JsonNode from = lerp.get("from");
        JsonNode to = lerp.get("to");
        if (from == null || to == null || !from.isObject() || !to.isObject()) {
            throw new BadRequest("interpolate", "interpolate needs \"from\" and \"to\": {\"seed\": S, \"index\": K, \"class\": C}",
                    "{from, to, frames}");
        }
        for (String f : Set.of("seed", "class")) {
            if (!from.has(f) || !to.has(f)) {
                throw new BadRequest("interpolate." + f, "interpolate.from and .to each need \"" + f + "\"", "{seed, index, class}");
            }
        }
        long seedA = integer(from, "seed", 0, 0, Long.MAX_VALUE);
        long seedB = integer(to, "seed", 0, 0, Long.MAX_VALUE);
        int indexA = (int) integer(from, "index", 0, 0, 100_000);
        int indexB = (int) integer(to, "index", 0, 0, 100_000);
        int classA = classIndex(from.get("class"), "interpolate.from.class", c);
        int classB = classIndex(to.get("class"), "interpolate.to.class", c);
        int frames = (int) integer(lerp, "frames", 8, 2, c.maxImages());
        return (sampler, steps, cfg, eta, spacing, batch, interval) -> new SampleRequest(
                Collections.nCopies(frames, classA), sampler, steps, cfg, eta, spacing, seedA, batch, interval[0],
                interval[1], null, new SampleRequest.Interpolation(indexA, seedB, indexB, classB));
    }
}
