package ldm4j.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import ldm4j.LdmException;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.distributed.DistEnv;
import ldm4j.io.AtomicFiles;
import ldm4j.io.RunLock;
import ldm4j.torch.Precision;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A run folder: {@code config.json}, {@code metrics.jsonl}, {@code tb/} (TensorBoard),
 * {@code images/} and {@code checkpoints/}. Later stages of the pipeline write into the same folder.
 */
public record RunDir(Path root) {

    /**
     * Opens a run folder for writing: creates it (and {@code images/}), takes its writer lock
     * ({@link RunLock}: a second writing process is refused with the holder's pid) and deletes
     * temporary files that interrupted writes left anywhere in it (in a data-parallel job rank 0 does
     * both for every rank: only it writes). Every command that writes a run
     * folder goes through here; readers ({@code sample}, {@code report}) use {@code new RunDir(root)}
     * or the path, and never block.
     */
    public static RunDir create(Path root) {
        requireRunPath(root);
        try {
            Files.createDirectories(root);
            Files.createDirectories(root.resolve("images"));
        } catch (IOException e) {
            throw new LdmException("cannot create run folder " + root + " (" + e.getMessage() + "): choose another --run");
        }
        if (DistEnv.fromEnvironment().rank() != 0) {
            return new RunDir(root); // a data-parallel job writes through rank 0, which holds the lock for it
        }
        RunLock.acquire(root);
        try {
            AtomicFiles.deleteStaleTempFilesBelow(root);
        } catch (IOException e) {
            throw new LdmException("cannot clean temporary files in run folder " + root + " (" + e.getMessage()
                    + "): check the folder's permissions");
        }
        return new RunDir(root);
    }

    /** Refuses an empty {@code --run} (it would write into the current folder). */
    public static Path requireRunPath(Path root) {
        if (root == null || root.toString().isBlank()) {
            throw new LdmException("--run is empty: name a run folder, e.g. --run runs/cifar10");
        }
        return root;
    }

    public Path configFile() {
        return root.resolve("config.json");
    }

    public Path metricsFile() {
        return root.resolve("metrics.jsonl");
    }

    public Path tensorBoardDir() {
        return root.resolve("tb");
    }

    public Path imagesDir() {
        return root.resolve("images");
    }

    public Path checkpointsDir(String stage) {
        return root.resolve("checkpoints").resolve(stage);
    }

    /** Writes the resolved config atomically. */
    public void writeConfig(Config config) {
        try {
            AtomicFiles.writeBytes(configFile(), (new ConfigResolver().toJson(config) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new LdmException("cannot write " + configFile() + ": " + e.getMessage());
        }
    }

    /** {@code compute.json}: how each stage of this run computed (device, precision and why). */
    public Path computeFile() {
        return root.resolve("compute.json");
    }

    /**
     * Records how {@code stage} computes in {@code compute.json} (one entry per stage, replaced when the
     * stage runs again): the device and the precision with the reason it was chosen.
     */
    public void recordCompute(String stage, String device, Precision precision) {
        try {
            ObjectMapper json = new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode all = Files.isRegularFile(computeFile())
                    && json.readTree(computeFile().toFile()) instanceof ObjectNode o
                    ? o : json.createObjectNode();
            ObjectNode e = all.putObject(stage);
            e.put("device", device);
            e.put("precision", precision.label());
            e.put("reason", precision.reason());
            AtomicFiles.writeBytes(computeFile(), (json.writeValueAsString(all) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new LdmException("cannot write " + computeFile() + ": " + e.getMessage());
        }
    }

    /**
     * Standard metadata for every checkpoint of this run: the resolved config, versions, and the
     * SHA-256 of the parent artifact (e.g. the VAE a latent cache was computed with), if any.
     */
    public static Map<String, String> provenance(Config config, String kind, long step, String parentSha256) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "ldm4j");
        m.put("kind", kind);
        m.put("step", Long.toString(step));
        m.put("config", new ConfigResolver().toJson(config));
        m.put("ldm4j_version", version());
        m.put("libtorch_version", "2.10.0");
        m.put("java_version", System.getProperty("java.version"));
        if (parentSha256 != null) {
            m.put("parent_sha256", parentSha256);
        }
        return m;
    }

    static String version() {
        String v = RunDir.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
