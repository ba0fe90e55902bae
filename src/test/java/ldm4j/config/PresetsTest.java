package ldm4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/**
 * Presets as deltas over a base: each existing preset resolves to exactly the values it had as one full JSON
 * file (src/test/resources/ldm4j/presets-resolved/, written by {@code --dry-run} before the split), plus the
 * keys added since with their "as before" values; a preset extends another.
 */
class PresetsTest {
    private final ConfigResolver r = new ConfigResolver();

    @Test
    void tinyAndSeedResolveToTheirFormerValues() throws IOException {
        for (String name : List.of("tiny", "seed")) {
            ObjectNode now = r.toTree(Presets.get(name));
            ObjectNode model = (ObjectNode) now.get("unet").get("model");
            assertEquals("unet", model.remove("type").asText(), name);
            assertEquals(r.toTree(Presets.get(name)).get("unet").get("model").get("dit"),
                    ConfigResolver.mapper().valueToTree(UnetConfig.DEFAULT_DIT), name);
            model.remove("dit");
            assertEquals(1, model.remove("patchSize").asInt(), name + ": unet.model.patchSize (1 = no patching, as before)");
            assertEquals(1.0, ((ObjectNode) now.get("unet").get("diffusion")).remove("scheduleShift").asDouble(),
                    name + ": unet.diffusion.scheduleShift (1 = the plain cosine schedule, as before)");
            assertEquals("auto", ((ObjectNode) now.get("data")).remove("crop").asText(), name + ": data.crop (auto = as before)");
            JsonNode before;
            try (InputStream in = PresetsTest.class.getResourceAsStream("/ldm4j/presets-resolved/" + name + ".json")) {
                before = ConfigResolver.mapper().readTree(in);
            }
            assertEquals(before.toString(), now.toString(), name + ": the resolved preset changed");
        }
    }

    /** The 256-px presets, written as full files first, resolve as deltas to exactly what those files said. */
    @Test
    void thePresetsAt256PxResolveToTheirFullFiles() throws IOException {
        for (String name : List.of("tiny256", "imagenet256")) {
            JsonNode before;
            try (InputStream in = PresetsTest.class.getResourceAsStream("/ldm4j/presets-resolved/" + name + ".json")) {
                before = ConfigResolver.mapper().readTree(in);
            }
            ObjectNode now = r.toTree(Presets.get(name));
            ObjectNode model = (ObjectNode) now.get("unet").get("model");
            assertEquals(1, model.remove("patchSize").asInt(), name + ": unet.model.patchSize (1 = no patching, as before)");
            assertEquals(1.0, ((ObjectNode) now.get("unet").get("diffusion")).remove("scheduleShift").asDouble(),
                    name + ": unet.diffusion.scheduleShift (1 = the plain cosine schedule, as before)");
            assertEquals(before.toString(), now.toString(), name + ": the resolved preset changed");
        }
    }

    @Test
    void thePresetsAt256PxExtendTheirSmallerTwins() throws IOException {
        assertEquals("tiny", parentOf("tiny256"));
        assertEquals("seed", parentOf("imagenet256"));
        Config tiny256 = Presets.get("tiny256");
        assertEquals(256, tiny256.data().resolution());
        assertEquals(4, tiny256.vae().model().patchSize());
        assertEquals(List.of(1, 2, 2, 2), tiny256.unet().model().multipliers());
        assertEquals("dpmpp2m", tiny256.sample().sampler());
        Config imagenet = Presets.get("imagenet256");
        assertEquals(List.of(1, 2, 4, 4), imagenet.vae().model().multipliers());
        assertEquals(128, imagenet.vae().model().channels());
        assertEquals(1000, imagenet.unet().model().numClasses());
        assertEquals(0.9999, imagenet.unet().train().emaDecay());
    }

    private static String parentOf(String name) throws IOException {
        try (InputStream in = PresetsTest.class.getResourceAsStream("/ldm4j/presets/" + name + ".json")) {
            return ConfigResolver.mapper().readTree(in).path("extends").asText("base");
        }
    }

    @Test
    void aPresetExtendsAnother() {
        ObjectNode tiny = r.toTree(Presets.get("tiny"));
        ObjectNode dit = r.toTree(Presets.get("tiny-dit"));
        assertEquals("dit", dit.get("unet").get("model").get("type").asText());
        assertEquals("DiT-T/2", dit.get("unet").get("model").get("dit").get("size").asText());
        ((ObjectNode) dit.get("unet").get("model")).setAll((ObjectNode) tiny.get("unet").get("model"));
        dit.put("preset", "tiny");
        assertEquals(tiny.toString(), dit.toString(), "tiny-dit differs from tiny in the backbone only");
    }

    @Test
    void everyPresetIsValidAndNamesItself() {
        for (String name : Presets.names()) {
            assertEquals(name, Presets.get(name).preset());
        }
        assertTrue(Presets.descriptions().keySet().containsAll(List.of("tiny", "seed")));
        assertThrows(ConfigException.class, () -> Presets.get("base"), "the base is not a preset");
    }
}
