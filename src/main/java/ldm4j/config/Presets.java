package ldm4j.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The named presets, as deltas over a base (EDM2's {@code config_presets}): {@code ldm4j/presets/base.json}
 * holds the values every preset shares, and {@code ldm4j/presets/<name>.json} only what that preset changes,
 * with the measurement behind each value beside it as a comment. A preset may start from another one
 * ({@code "extends": "tiny"}) instead of the base. This registry is the one list of names: parsing,
 * {@code --help} and the docs read it.
 */
public final class Presets {
    /** Name and one-line description of every preset, in the order the help lists them. */
    private static final Map<String, String> PRESETS = presets();
    private static final String BASE = "base";
    private static final String EXTENDS = "extends";

    private Presets() {
    }

    private static Map<String, String> presets() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("tiny", "the whole pipeline on a 2-core CPU in about an hour (CIFAR-10, 16x16x4 latents, UNet)");
        p.put("seed", "the write-up's full recipe (300 VAE and 750 UNet epochs at batch 128), sized for a GPU");
        p.put("tiny-dit", "tiny with the CPU-sized transformer backbone DiT-T/2 instead of the UNet");
        p.put("tiny256", "the 256-px path on a 2-core CPU: f = 8 VAE-GAN, 4x32x32 latents, UNet on 32x32");
        p.put("imagenet256", "the write-up's setup scaled to ImageNet at 256 px (f = 8 VAE-GAN, 4x32x32 latents, UNet), for GPUs");
        return Collections.unmodifiableMap(p);
    }

    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }

    /** Name and description of every preset. */
    public static Map<String, String> descriptions() {
        return PRESETS;
    }

    public static Config get(String name) {
        try {
            return ConfigResolver.mapper().treeToValue(tree(name), Config.class);
        } catch (IOException e) {
            throw new IllegalStateException("preset " + name + " does not resolve to a valid config: " + e.getMessage(), e);
        }
    }

    /** The resolved JSON tree of a preset: the base, its parents' deltas, then its own, with {@code preset} set. */
    public static ObjectNode tree(String name) {
        if (!PRESETS.containsKey(name)) {
            throw new ConfigException("unknown preset '" + name + "': expected one of " + String.join(", ", names()));
        }
        List<ObjectNode> chain = new ArrayList<>();
        String at = name;
        while (!at.equals(BASE)) {
            if (chain.size() > PRESETS.size()) {
                throw new IllegalStateException("preset " + name + " extends itself");
            }
            ObjectNode delta = read(at);
            JsonNode parent = delta.remove(EXTENDS);
            chain.add(0, delta);
            at = parent == null ? BASE : parent.asText();
            if (!at.equals(BASE) && !PRESETS.containsKey(at)) {
                throw new IllegalStateException("preset resource of " + chain.get(0) + " extends unknown preset " + at);
            }
        }
        ObjectNode tree = read(BASE);
        for (ObjectNode delta : chain) {
            deepMerge(tree, delta);
        }
        ObjectNode out = ConfigResolver.mapper().createObjectNode();
        out.put("preset", name);
        out.setAll(tree);
        return out;
    }

    /** Copies every key of {@code delta} into {@code dst}, merging objects key by key. */
    private static void deepMerge(ObjectNode dst, ObjectNode delta) {
        Iterator<Map.Entry<String, JsonNode>> it = delta.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode old = dst.get(e.getKey());
            if (old instanceof ObjectNode o && e.getValue() instanceof ObjectNode d) {
                deepMerge(o, d);
            } else {
                dst.set(e.getKey(), e.getValue());
            }
        }
    }

    private static ObjectNode read(String name) {
        String resource = "/ldm4j/presets/" + name + ".json";
        try (InputStream in = Presets.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("preset resource " + resource + " is missing from the jar");
            }
            return (ObjectNode) ConfigResolver.mapper().readTree(in);
        } catch (IOException | ClassCastException e) {
            throw new IllegalStateException("preset resource " + resource + " is invalid: " + e.getMessage(), e);
        }
    }

    /** CPU minutes: the whole pipeline on a 2-core laptop. */
    public static Config tiny() {
        return get("tiny");
    }

    /** The write-up's recipe: 300 VAE epochs and 750 UNet epochs at batch 128, 8 loader workers. */
    public static Config seed() {
        return get("seed");
    }
}
