package ldm4j.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ldm4j.LatentDiffusion;
import ldm4j.config.Config;
import ldm4j.config.SampleConfig;
import ldm4j.config.SamplerKind;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.unet.Backbones;

/**
 * What the page shows about the model: run, data, classes, preset, training steps, the figures of
 * {@code eval.json} (when the run was evaluated), whether {@code report.html} exists, the default settings,
 * the samplers to choose from ({@link SamplerKind}: name, label, network calls per step) and the limits. Read once
 * at start from the run folder.
 */
public final class ModelCard {
    private ModelCard() {
    }

    public static ObjectNode of(LatentDiffusion ldm, ServerOptions o) {
        ObjectMapper json = new ObjectMapper();
        LatentDiffusion.Model m = ldm.model();
        Config c = m.config();
        Path run = m.runDir();
        ObjectNode card = json.createObjectNode();
        card.put("run", m.name());
        card.put("model_hash", m.sha256().substring(0, 10));
        card.put("model_sha256", m.sha256());
        card.put("resolution", m.resolution());
        ArrayNode classes = card.putArray("classes");
        ldm.classes().forEach(classes::add);
        card.put("preset", c.preset());
        card.put("data", c.data().spec());
        ObjectNode training = card.putObject("training");
        training.put("vae_steps", vaeSteps(run.resolve("vae.safetensors")));
        training.put("unet_steps", Long.parseLong(m.metadata().getOrDefault("step", "0")));
        training.put("unet_parameters_channels", c.unet().model().channels());
        training.put("backbone", Backbones.describe(c.unet().model()));
        card.set("eval", readJson(run.resolve("eval.json")));
        card.put("report", Files.isRegularFile(run.resolve("report.html")) ? "report.html" : null);
        SampleConfig d = ldm.defaults();
        ObjectNode defaults = card.putObject("defaults");
        defaults.put("sampler", d.sampler());
        defaults.put("steps", d.steps());
        defaults.put("cfg", d.cfg());
        defaults.put("eta", d.eta());
        defaults.put("spacing", d.spacing());
        ArrayNode samplers = card.putArray("samplers"); // the page's sampler list, from the registry
        for (SamplerKind k : SamplerKind.values()) {
            samplers.addObject().put("name", k.key()).put("label", k.label()).put("calls_per_step", k.callsPerStep());
        }
        ObjectNode limits = card.putObject("limits");
        limits.put("max_images", o.maxImages());
        limits.put("max_steps", o.maxSteps());
        limits.put("queue", o.queue());
        card.put("token_required", o.token() != null);
        return card;
    }

    static long vaeSteps(Path file) {
        try (SafetensorsFile f = Safetensors.read(file)) {
            return Long.parseLong(f.metadata().getOrDefault("step", "0"));
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            return null;
        }
    }
}
