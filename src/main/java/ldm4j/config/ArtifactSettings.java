package ldm4j.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The settings that change a stage's artifact, so that a re-run compares only those: changing
 * {@code data.workers}, {@code data.prefetch}, {@code threads}, {@code device} or a logging, evaluation or
 * checkpoint cadence does not make a finished VAE or UNet stale.
 */
public final class ArtifactSettings {
    private ArtifactSettings() {
    }

    /** A stage whose artifact depends on the keys under {@code prefixes}, except {@code ignored}. */
    public enum Stage {
        VAE(List.of("seed", "data.spec", "data.resolution", "data.interpolation", "data.crop", "data.flip", "vae."),
                Set.of("vae.train.logEvery", "vae.train.evalEvery", "vae.train.evalImages", "vae.train.checkpointEvery",
                        "vae.train.keepCheckpoints")),
        UNET(List.of("seed", "data.spec", "data.resolution", "data.interpolation", "data.crop", "latents.dtype", "unet."),
                Set.of("unet.train.logEvery", "unet.train.evalEvery", "unet.train.evalLatents", "unet.train.checkpointEvery",
                        "unet.train.keepCheckpoints"));

        final List<String> prefixes;
        final Set<String> ignored;

        Stage(List<String> prefixes, Set<String> ignored) {
            this.prefixes = prefixes;
            this.ignored = ignored;
        }

        boolean matters(String key) {
            return !ignored.contains(key) && prefixes.stream().anyMatch(p -> key.equals(p) || p.endsWith(".") && key.startsWith(p));
        }
    }

    /** "key: trained -> now" for every artifact setting that differs, sorted by key; empty when the artifact is current. */
    public static List<String> changed(Config trained, Config now, Stage stage) {
        ConfigResolver r = new ConfigResolver();
        Map<String, JsonNode> a = leaves(r.toTree(trained), "");
        Map<String, JsonNode> b = leaves(r.toTree(now), "");
        List<String> out = new ArrayList<>();
        for (String k : new TreeSet<>(b.keySet())) {
            if (stage.matters(k) && !Objects.equals(a.get(k), b.get(k))) {
                out.add(k + ": " + a.get(k) + " -> " + b.get(k));
            }
        }
        return out;
    }

    private static Map<String, JsonNode> leaves(JsonNode node, String prefix) {
        Map<String, JsonNode> out = new TreeMap<>();
        node.fields().forEachRemaining(e -> {
            if (e.getValue().isObject()) {
                out.putAll(leaves(e.getValue(), prefix + e.getKey() + "."));
            } else {
                out.put(prefix + e.getKey(), e.getValue());
            }
        });
        return out;
    }
}
