package ldm4j.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import ldm4j.config.Config;
import ldm4j.config.ConfigException;
import ldm4j.config.DiffusionConfig;
import ldm4j.config.SampleConfig;
import ldm4j.config.UnetConfig;
import ldm4j.config.UnetStageConfig;
import ldm4j.LdmException;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The classes of a run come from its data: {@code unet.model.numClasses} becomes the data's class count
 * (the class embedding has one more row, the null class of classifier-free guidance), unless the user set
 * it explicitly to another value, which is an error. One class means unconditional data: no label
 * dropout and no guidance (there is no null class worth learning).
 */
public final class ClassBinding {
    private ClassBinding() {
    }

    /**
     * @param cfg      the resolved config
     * @param classes  the data's class names in label order
     * @param explicit whether {@code unet.model.numClasses} was given explicitly (--set)
     * @param notes    receives one line per value taken from the data
     */
    public static Config bind(Config cfg, List<String> classes, boolean explicit, Consumer<String> notes) {
        int n = classes.size();
        UnetConfig m = cfg.unet().model();
        if (m.numClasses() != n && explicit) {
            throw new ConfigException("unet.model.numClasses = " + m.numClasses() + " but the data has " + n + " classes "
                    + classes + ": drop --set unet.model.numClasses (it follows the data) or use data with "
                    + m.numClasses() + " classes");
        }
        if (m.numClasses() != n) {
            notes.accept("note: unet.model.numClasses = " + n + " from the data's " + n + " classes (the config said "
                    + m.numClasses() + ")");
            m = m.withNumClasses(n);
        }
        DiffusionConfig d = cfg.unet().diffusion();
        SampleConfig s = cfg.sample();
        if (n == 1 && (d.labelDropout() != 0 || s.cfg() != 1)) {
            notes.accept("note: one class: an unconditional model (unet.diffusion.labelDropout = 0, sample.cfg = 1: no guidance)");
            d = d.withLabelDropout(0.0);
            s = new SampleConfig(s.sampler(), s.steps(), 1.0, s.eta(), s.spacing(), s.perClass(), s.batchSize(), s.ema());
        }
        return new Config(cfg.preset(), cfg.seed(), cfg.device(), cfg.threads(), cfg.precision(), cfg.data(), cfg.vae(), cfg.latents(),
                new UnetStageConfig(m, d, cfg.unet().train()), s);
    }

    /** The class names stored in a UNet file's metadata ({@code classes}, a JSON list). */
    public static List<String> trainedClasses(Map<String, String> metadata, Path file) {
        String json = metadata.get("classes");
        if (json == null) {
            throw new DataException(file + " has no 'classes' metadata: it was not written by train-unet; retrain it");
        }
        try {
            return List.copyOf(new ObjectMapper().readValue(json,
                    new TypeReference<List<String>>() { }));
        } catch (IOException e) {
            throw new DataException(file + ": its 'classes' metadata is not a JSON list of names (" + e.getMessage() + ")", e);
        }
    }

    /** Refuses an artifact trained on other classes than the data's, naming both lists. */
    public static void requireSame(String artifact, List<String> trained, String data, List<String> classes) {
        if (!trained.equals(classes)) {
            throw new LdmException(artifact + " was trained on classes " + trained + " but " + data + " has classes "
                    + classes + ": use a new --run folder for this data, or the data it was trained on");
        }
    }
}
