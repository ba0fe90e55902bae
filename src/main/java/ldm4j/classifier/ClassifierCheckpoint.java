package ldm4j.classifier;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.LdmException;
import ldm4j.config.ClassifierConfig;
import ldm4j.io.Checkpoints;
import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.nn.StateDict;

/**
 * The evaluation classifier's safetensors file: weights and BatchNorm statistics under {@code model.},
 * metadata {@code format=ldm4j}, {@code kind=classifier}, the config, class names and the measured
 * test accuracy. Written atomically.
 */
public final class ClassifierCheckpoint {
    public static final String KIND = "classifier";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClassifierCheckpoint() {
    }

    /** A loaded classifier in inference mode with its metadata. */
    public record Loaded(ResNet9 model, List<String> classes, double testAccuracy, Map<String, String> metadata) {
    }

    public static void save(Path file, ResNet9 model, List<String> classes, Map<String, String> extra) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "ldm4j");
        meta.put("kind", KIND);
        try {
            meta.put("config", JSON.writeValueAsString(model.config()));
            meta.put("classes", JSON.writeValueAsString(classes));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        meta.putAll(extra);
        Map<String, HostTensor> tensors = StateDict.toHost(model, "model.");
        try {
            Safetensors.write(file, tensors, meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static Loaded load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new LdmException(file + " does not exist: train one with bin/ldm4j train-classifier --out " + file);
        }
        try (SafetensorsFile f = Safetensors.read(file)) {
            Map<String, String> meta = f.metadata();
            Checkpoints.requireKind(file, meta, KIND);
            ClassifierConfig config = JSON.readValue(meta.get("config"), ClassifierConfig.class);
            List<String> classes = List.of(JSON.readValue(meta.get("classes"), String[].class));
            ResNet9 model = new ResNet9(config);
            StateDict.load(model, f.getAll(), "model.", file);
            model.train(false);
            String acc = meta.get("test_accuracy");
            return new Loaded(model, classes, acc == null ? Double.NaN : Double.parseDouble(acc), meta);
        } catch (JsonProcessingException e) {
            throw new FormatException(file, "has unreadable classifier metadata: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
