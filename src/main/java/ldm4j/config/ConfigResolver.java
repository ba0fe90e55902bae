package ldm4j.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * Resolves a {@link Config}: preset, then a JSON config file, then {@code --set key.path=value}
 * overrides. Every key must exist in the preset; an unknown key is an error that suggests the
 * closest valid key. Values are type-checked against the preset's and validated by the records.
 */
public final class ConfigResolver {
    private final ObjectMapper json;

    public ConfigResolver() {
        this.json = mapper();
    }

    /**
     * The mapper used for config JSON everywhere (pretty-printed, strict on unknown properties; reads
     * {@code //} and block comments, which the presets use to keep the reasons beside the values).
     */
    public static ObjectMapper mapper() {
        return new ObjectMapper()
                .enable(JsonParser.Feature.ALLOW_COMMENTS)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    }

    /**
     * @param preset    preset name
     * @param file      optional JSON file with a partial or full config (may be null)
     * @param overrides {@code key.path=value} entries, applied in order
     */
    public Config resolve(String preset, Path file, List<String> overrides) {
        return fromTree(resolveTree(preset, file, overrides));
    }

    /**
     * The resolved tree before the sections are built and cross-checked: commands that read only data take
     * {@link #dataOf} from it, so a setting of another section (a UNet attention size that does not fit
     * another data.resolution) does not stop a data check.
     */
    public ObjectNode resolveTree(String preset, Path file, List<String> overrides) {
        ObjectNode fromFile = file == null ? null : readFile(file);
        // A saved config.json names its preset: start from that one so that its values and name carry over.
        String base = fromFile != null && fromFile.hasNonNull("preset") ? fromFile.get("preset").asText() : preset;
        ObjectNode tree = toTree(Presets.get(base));
        if (fromFile != null) {
            if (fromFile.hasNonNull("preset")) {
                upgrade(fromFile); // a saved config.json: fields added since mean "as before", as for a checkpoint's
            }
            fromFile.remove("preset");
            merge(tree, fromFile, "", file.toString());
        }
        for (String o : overrides) {
            applySet(tree, o);
        }
        return tree;
    }

    /** The data section of a resolved tree, validated on its own. */
    public DataConfig dataOf(ObjectNode tree) {
        try {
            return json.treeToValue(tree.get("data"), DataConfig.class);
        } catch (ValueInstantiationException e) {
            if (e.getCause() instanceof ConfigException ce) {
                throw ce;
            }
            throw new ConfigException("invalid data config: " + firstLine(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw new ConfigException("invalid data config: " + firstLine(e.getOriginalMessage()));
        }
    }

    /** Applies {@code key.path=value} overrides to an existing config (e.g. the one stored in a checkpoint). */
    public Config override(Config base, List<String> overrides) {
        ObjectNode tree = toTree(base);
        for (String o : overrides) {
            applySet(tree, o);
        }
        return fromTree(tree);
    }

    public ObjectNode toTree(Config config) {
        return json.valueToTree(config);
    }

    public String toJson(Config config) {
        try {
            return json.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses a config serialized by {@link #toJson} (for example from a checkpoint's metadata). Fields
     * added after a checkpoint was written take the value that reproduces how it was trained
     * ({@link #upgrade}).
     */
    public Config parse(String text, String source) {
        try {
            return fromTree(upgrade((ObjectNode) json.readTree(text)));
        } catch (JsonProcessingException | ClassCastException e) {
            throw new ConfigException(source + ": not a valid config JSON object (" + firstLine(e.getMessage()) + ")");
        }
    }

    /**
     * Fills in the fields that later versions added, with the value that means "as before":
     * {@code vae.model.patchSize = 1} (no pixel-unshuffle), {@code vae.loss.instanceNoise = 0} and
     * {@code data.maxPixels} = its default (the limit did not exist: any size was decoded);
     * {@code latents.statsImages = 0} (the latent statistics covered every training image);
     * {@code precision = auto} (how to compute, not what was trained); {@code unet.model.type = unet} and
     * the default {@code unet.model.dit} (there was only the UNet); {@code unet.model.patchSize = 1} (no input
     * patching); {@code unet.diffusion.scheduleShift = 1} (the plain cosine schedule).
     */
    static ObjectNode upgrade(ObjectNode tree) {
        if (tree.path("unet").path("model") instanceof ObjectNode model) {
            if (!model.has("type")) {
                model.put("type", BackboneType.UNET.key());
            }
            if (!model.has("patchSize")) {
                model.put("patchSize", 1);
            }
            if (!model.has("dit")) {
                model.set("dit", mapper().valueToTree(UnetConfig.DEFAULT_DIT));
            }
        }
        if (tree.path("unet").path("diffusion") instanceof ObjectNode diffusion && !diffusion.has("scheduleShift")) {
            diffusion.put("scheduleShift", 1.0);
        }
        if (!tree.has("precision")) {
            tree.put("precision", "auto"); // a compute setting (like threads), not part of what was trained
        }
        if (tree.path("data") instanceof ObjectNode data && !data.has("maxPixels")) {
            data.put("maxPixels", DataConfig.DEFAULT_MAX_PIXELS);
        }
        if (tree.path("latents") instanceof ObjectNode latents && !latents.has("statsImages")) {
            latents.put("statsImages", 0); // the statistics were taken over every training image
        }
        JsonNode vae = tree.path("vae");
        if (vae.path("model") instanceof ObjectNode model && !model.has("patchSize")) {
            model.put("patchSize", 1);
        }
        if (vae.path("loss") instanceof ObjectNode loss && !loss.has("instanceNoise")) {
            loss.put("instanceNoise", 0.0);
        }
        return tree;
    }

    private Config fromTree(ObjectNode tree) {
        try {
            return json.treeToValue(tree, Config.class);
        } catch (ValueInstantiationException e) {
            Throwable c = e.getCause();
            if (c instanceof ConfigException ce) {
                throw ce;
            }
            throw new ConfigException("invalid config: " + firstLine(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw new ConfigException("invalid config: " + firstLine(e.getOriginalMessage()));
        }
    }

    private ObjectNode readFile(Path file) {
        try {
            JsonNode n = json.readTree(Files.readString(file));
            if (!(n instanceof ObjectNode o)) {
                throw new ConfigException(file + ": a config file must hold one JSON object");
            }
            return o;
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + ": invalid JSON at line " + e.getLocation().getLineNr() + ": "
                    + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
    }

    /** Deep-merges {@code src} into {@code dst}; every key of src must exist in dst with a compatible type. */
    private void merge(ObjectNode dst, ObjectNode src, String prefix, String source) {
        Iterator<Map.Entry<String, JsonNode>> it = src.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix + e.getKey();
            JsonNode old = dst.get(e.getKey());
            if (old == null) {
                throw unknownKey(key, dst, prefix, source);
            }
            if (old.isObject()) {
                if (!e.getValue().isObject()) {
                    throw new ConfigException(source + ": " + key + " must be an object with keys " + leafKeys((ObjectNode) old, key + "."));
                }
                merge((ObjectNode) old, (ObjectNode) e.getValue(), key + ".", source);
            } else {
                dst.set(e.getKey(), coerce(key, old, e.getValue(), source));
            }
        }
    }

    private void applySet(ObjectNode root, String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set '" + assignment + "' must have the form key.path=value, for example --set data.resolution=32");
        }
        String key = assignment.substring(0, eq).trim();
        String raw = assignment.substring(eq + 1);
        String[] parts = key.split("\\.");
        ObjectNode node = root;
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (child == null || !child.isObject()) {
                throw unknownKey(key, root, "", "--set");
            }
            prefix.append(parts[i]).append('.');
            node = (ObjectNode) child;
        }
        String last = parts[parts.length - 1];
        JsonNode old = node.get(last);
        if (old == null || old.isObject()) {
            throw unknownKey(key, root, "", "--set");
        }
        node.set(last, coerce(key, old, parseScalar(raw, old), "--set"));
    }

    private JsonNode parseScalar(String raw, JsonNode like) {
        if (like.isArray()) {
            try {
                return json.readTree(raw.trim());
            } catch (JsonProcessingException e) {
                return TextNode.valueOf(raw);
            }
        }
        if (like.isTextual() || like.isNull()) {
            return TextNode.valueOf(raw);
        }
        String s = raw.trim();
        if (like.isBoolean()) {
            return switch (s) {
                case "true" -> BooleanNode.TRUE;
                case "false" -> BooleanNode.FALSE;
                default -> TextNode.valueOf(raw);
            };
        }
        try {
            if (like.isIntegralNumber()) {
                return LongNode.valueOf(Long.parseLong(s.replace("_", "")));
            }
            return DoubleNode.valueOf(Double.parseDouble(s));
        } catch (NumberFormatException e) {
            return TextNode.valueOf(raw);
        }
    }

    private static JsonNode coerce(String key, JsonNode old, JsonNode value, String source) {
        if (old.isArray()) {
            boolean sameKind = value.isArray();
            for (JsonNode e : value) {
                sameKind &= old.size() == 0 || e.getNodeType() == old.get(0).getNodeType()
                        || e.isIntegralNumber() && old.get(0).isIntegralNumber();
            }
            if (!sameKind) {
                throw new ConfigException(source + ": " + key + " = " + value + " has the wrong type: expected a JSON list "
                        + "like the default " + old + " (e.g. --set " + key + "=" + old + ")");
            }
            return value;
        }
        boolean ok = (old.isTextual() && value.isTextual())
                || (old.isBoolean() && value.isBoolean())
                || (old.isIntegralNumber() && value.isIntegralNumber())
                || (old.isFloatingPointNumber() && value.isNumber())
                || old.isNull();
        if (!ok) {
            String type = old.isTextual() ? "a string" : old.isBoolean() ? "true or false"
                    : old.isIntegralNumber() ? "an integer" : "a number";
            throw new ConfigException(source + ": " + key + " = " + value + " has the wrong type: expected " + type
                    + " (like the default " + old + ")");
        }
        return old.isFloatingPointNumber() ? DoubleNode.valueOf(value.asDouble()) : value;
    }

    private ConfigException unknownKey(String key, ObjectNode scope, String prefix, String source) {
        ObjectNode root = toTree(Presets.tiny());
        List<String> all = leafKeys(root, "");
        String best = all.stream().min(Comparator.comparingInt(k -> editDistance(k, key))).orElse("");
        return new ConfigException(source + ": unknown config key '" + key + "'"
                + (editDistance(best, key) <= Math.max(3, key.length() / 2) ? "; did you mean '" + best + "'?" : "")
                + " (valid keys: see --dry-run)");
    }

    /** All leaf key paths of a tree, sorted, each with the given prefix. */
    public static List<String> leafKeys(ObjectNode node, String prefix) {
        TreeSet<String> out = new TreeSet<>();
        collect(node, prefix, out);
        return new ArrayList<>(out);
    }

    private static void collect(JsonNode node, String prefix, TreeSet<String> out) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isObject()) {
                collect(e.getValue(), prefix + e.getKey() + ".", out);
            } else {
                out.add(prefix + e.getKey());
            }
        }
    }

    /** Levenshtein distance, for "did you mean" suggestions. */
    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
