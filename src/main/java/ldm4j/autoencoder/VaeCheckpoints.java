package ldm4j.autoencoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import ldm4j.LdmException;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.io.Checkpoints;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.io.Sha256;
import ldm4j.nn.StateDict;
import ldm4j.train.RunDir;

/**
 * The VAE's artifacts: {@code <run>/vae.safetensors} (weights under {@code vae.}, the latent
 * normaliser, config and test metrics in the metadata) — what every later stage loads — and the
 * training checkpoints (VAE, discriminator and both optimizers) that {@code --resume} continues.
 */
public final class VaeCheckpoints {
    public static final String KIND_VAE = "vae";
    public static final String KIND_TRAIN = "vae-train";

    private VaeCheckpoints() {
    }

    /** A loaded, finished VAE: the network, its latent normaliser and the config it was trained with. */
    public record LoadedVae(Autoencoder vae, LatentNormalizer normalizer, Config config, String sha256,
                            Map<String, String> metadata) {
    }

    /** Writes the finished VAE atomically. */
    public static void writeVae(Path file, Autoencoder vae, LatentNormalizer norm, Config config, long step,
                                Map<String, String> extra) {
        Map<String, HostTensor> tensors = new LinkedHashMap<>(StateDict.toHost(vae, "vae."));
        tensors.putAll(norm.toHost());
        Map<String, String> meta = RunDir.provenance(config, KIND_VAE, step, null);
        meta.putAll(extra);
        try {
            Safetensors.write(file, tensors, meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Loads {@code <run>/vae.safetensors} (or any file written by {@link #writeVae}). */
    public static LoadedVae loadVae(Path file) {
        if (Files.isDirectory(file)) {
            throw new LdmException(file + " is a folder, not a VAE file: move it away, then train the VAE "
                    + "(bin/ldm4j train-vae --run " + (file.getParent() == null ? "DIR" : file.getParent()) + ")");
        }
        if (!Files.isRegularFile(file)) {
            throw new LdmException(file + " does not exist: train the VAE first (bin/ldm4j train-vae --run "
                    + (file.getParent() == null ? "DIR" : file.getParent()) + ")");
        }
        try (SafetensorsFile f = Safetensors.read(file)) {
            Map<String, String> meta = f.metadata();
            Checkpoints.requireKind(file, meta, KIND_VAE);
            Config config = new ConfigResolver().parse(meta.get("config"), file + " (metadata 'config')");
            Autoencoder vae = new Autoencoder(config.vae().model());
            Map<String, HostTensor> all = f.getAll();
            StateDict.load(vae, all, "vae.", file);
            LatentNormalizer norm = LatentNormalizer.fromHost(all, file);
            return new LoadedVae(vae, norm, config, Sha256.of(file), meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
