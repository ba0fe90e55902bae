package ldm4j.unet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import ldm4j.LdmException;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.config.SampleConfig;
import ldm4j.io.Checkpoints;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.nn.Backbone;
import ldm4j.nn.StateDict;
import ldm4j.train.RunDir;

/**
 * {@code <run>/unet.safetensors} (the diffusion stage's backbone, UNet or DiT): raw weights under {@code unet.}, EMA weights under {@code ema.},
 * the config, the SHA-256 of the VAE it was trained on, and the held-out v-MSE.
 */
public final class UnetCheckpoints {
    public static final String KIND_UNET = "unet";
    public static final String KIND_TRAIN = "unet-train";

    private UnetCheckpoints() {
    }

    /** A finished backbone (UNet or DiT, as its config says) with its config, parent VAE and metadata. */
    public record LoadedUnet(Backbone unet, Config config, String vaeSha256, Map<String, String> metadata) {
    }

    public static void write(Path file, Backbone raw, Backbone ema, Config config, long step, String vaeSha256,
                             Map<String, String> extra) {
        Map<String, HostTensor> t = new LinkedHashMap<>(StateDict.toHost(raw.module(), "unet."));
        t.putAll(StateDict.toHost(ema.module(), "ema."));
        Map<String, String> meta = RunDir.provenance(config, KIND_UNET, step, vaeSha256);
        meta.putAll(extra);
        try {
            Safetensors.write(file, t, meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The sampling section of a finished UNet's config (reads only the file's header). */
    public static SampleConfig sampleConfig(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new LdmException(file + (Files.isDirectory(file) ? " is a folder, not a UNet file" : " does not exist")
                    + ": train the UNet first (bin/ldm4j train-unet --run " + (file.getParent() == null ? "DIR" : file.getParent()) + ")");
        }
        try (SafetensorsFile f = Safetensors.read(file)) {
            Checkpoints.requireKind(file, f.metadata(), KIND_UNET);
            return new ConfigResolver().parse(f.metadata().get("config"), file + " (metadata 'config')").sample();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Loads the EMA (or raw) weights of a finished UNet. */
    public static LoadedUnet load(Path file, boolean ema, int inChannels, int latentSize) {
        if (!Files.isRegularFile(file)) {
            throw new LdmException(file + (Files.isDirectory(file) ? " is a folder, not a UNet file" : " does not exist")
                    + ": train the UNet first (bin/ldm4j train-unet --run "
                    + (file.getParent() == null ? "DIR" : file.getParent()) + ")");
        }
        try (SafetensorsFile f = Safetensors.read(file)) {
            Map<String, String> meta = f.metadata();
            Checkpoints.requireKind(file, meta, KIND_UNET);
            Config config = new ConfigResolver().parse(meta.get("config"), file + " (metadata 'config')");
            Backbone unet = Backbones.create(config.unet().model(), inChannels, latentSize);
            StateDict.load(unet.module(), f.getAll(), ema ? "ema." : "unet.", file);
            unet.module().train(false);
            return new LoadedUnet(unet, config, meta.get("parent_sha256"), meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
