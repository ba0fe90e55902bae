package ldm4j;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.autoencoder.VaeCheckpoints;
import ldm4j.config.Config;
import ldm4j.config.SampleConfig;
import ldm4j.data.ClassNames;
import ldm4j.diffusion.NoiseSchedule;
import ldm4j.sample.LatentSampler;
import ldm4j.sample.SampleRequest;
import ldm4j.torch.Devices;
import ldm4j.torch.Precision;
import ldm4j.unet.UnetCheckpoints;
import ldm4j.io.Sha256;
import ldm4j.nn.StateDict;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Module;

/**
 * The Java entry point: load a trained run and generate class-conditional images.
 *
 * <pre>{@code
 * try (LatentDiffusion ldm = LatentDiffusion.load(Path.of("runs/pipeline-tiny"))) {
 *     List<BufferedImage> cats = ldm.generate(ldm.classIndex("cat"), 4, 5.0, 50, 42L);
 * }
 * }</pre>
 *
 * Images are 8-bit RGB. Image k of a seed is the same whatever n is (per-image noise streams).
 */
public final class LatentDiffusion implements AutoCloseable {
    private final LatentSampler sampler;
    private final Module unet;
    private final Module vae;
    private final List<String> classes;
    private final SampleConfig defaults;
    private final boolean ema;
    private final Model model;
    private boolean closed;

    LatentDiffusion(LatentSampler sampler, Module unet, Module vae, List<String> classes, SampleConfig defaults, boolean ema,
                    Model model) {
        this.sampler = sampler;
        this.unet = unet;
        this.vae = vae;
        this.classes = classes;
        this.defaults = defaults;
        this.ema = ema;
        this.model = model;
    }

    /**
     * Where the weights came from: the run folder, the SHA-256 of {@code unet.safetensors} (its first
     * 10 hex digits are the "Model hash" in every PNG), the image size and the UNet's metadata.
     */
    public record Model(Path runDir, String sha256, int resolution, Map<String, String> metadata,
                        Config config) {
        public String name() {
            Path n = runDir.toAbsolutePath().normalize().getFileName();
            return n == null ? runDir.toString() : n.toString();
        }
    }

    /**
     * Loads {@code <run>/vae.safetensors} and {@code <run>/unet.safetensors} on the best device, with
     * the UNet's EMA or raw weights as the run's {@code sample.ema} says (EMA by default).
     */
    public static LatentDiffusion load(Path runDir) {
        return load(runDir, "auto");
    }

    /** As {@link #load(Path)}, on {@code cpu}, {@code cuda} or {@code auto}. */
    public static LatentDiffusion load(Path runDir, String device) {
        return load(runDir, device, null);
    }

    /**
     * As {@link #load(Path, String)}; {@code ema} chooses the UNet's EMA (true) or raw (false)
     * weights, null takes the run's {@code sample.ema}.
     */
    public static LatentDiffusion load(Path runDir, String device, Boolean ema) {
        return load(runDir, device, Precision.AUTO, ema);
    }

    /**
     * As {@link #load(Path, String, Boolean)}, computing in {@code precision} ({@code auto}, {@code fp32}
     * or {@code bf16}: see {@link ldm4j.torch.Precision}).
     */
    public static LatentDiffusion load(Path runDir, String device, String precision, Boolean ema) {
        Device dev = Devices.resolve(device);
        Precision p = Precision.resolve(precision, dev);
        VaeCheckpoints.LoadedVae vae = VaeCheckpoints.loadVae(runDir.resolve("vae.safetensors"));
        int latentSize = vae.config().data().resolution() / vae.config().vae().model().downsampleFactor();
        Path unetFile = runDir.resolve("unet.safetensors");
        boolean useEma = ema != null ? ema : UnetCheckpoints.sampleConfig(unetFile).ema();
        UnetCheckpoints.LoadedUnet unet = UnetCheckpoints.load(unetFile, useEma,
                vae.config().vae().model().latentChannels(), latentSize);
        if (unet.vaeSha256() != null && !unet.vaeSha256().equals(vae.sha256())) {
            throw new LdmException(runDir.resolve("unet.safetensors") + " was trained on latents of a different VAE than "
                    + runDir.resolve("vae.safetensors") + " (SHA-256 differs): retrain the UNet (encode, train-unet)");
        }
        vae.vae().to(dev, false);
        unet.unet().module().to(dev, false);
        Model model = new Model(runDir, Sha256.of(unetFile), vae.config().data().resolution(),
                Map.copyOf(unet.metadata()), unet.config());
        return new LatentDiffusion(new LatentSampler(unet.unet(), vae.vae(), vae.normalizer(), dev, p,
                NoiseSchedule.of(unet.config().unet().diffusion())), unet.unet().module(), vae.vae(),
                classNames(unet.metadata().get("classes"), unet.config().unet().model().numClasses()),
                unet.config().sample(), useEma, model);
    }

    static List<String> classNames(String json, int count) {
        if (json != null) {
            try {
                return List.copyOf(new ObjectMapper().readValue(json, new TypeReference<List<String>>() { }));
            } catch (IOException e) {
                // fall through to numbered names
            }
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(Integer.toString(i));
        }
        return names;
    }

    /** Whether the UNet's EMA weights (rather than the raw ones) were loaded. */
    public boolean usesEma() {
        return ema;
    }

    /** The run's sampling defaults (sampler, steps, guidance, ...). */
    public SampleConfig defaults() {
        return defaults;
    }

    /** Class names in label order. */
    public List<String> classes() {
        return Collections.unmodifiableList(classes);
    }

    /** The index of a class given by name or by number. */
    public int classIndex(String nameOrIndex) {
        return ClassNames.indexOf(classes, nameOrIndex);
    }

    /** {@code n} images of one class with the default sampler (DDIM unless the run's config says otherwise). */
    public List<BufferedImage> generate(int classIndex, int n, double cfg, int steps, long seed) {
        return generate(classIndex, n, cfg, steps, seed, defaults.sampler());
    }

    /** {@code n} images of one class; sampler is {@code ddim}, {@code dpmpp2m} or {@code heun}. */
    public List<BufferedImage> generate(int classIndex, int n, double cfg, int steps, long seed, String samplerName) {
        if (classIndex < 0 || classIndex >= classes.size()) {
            throw new LdmException("class index " + classIndex + " is outside 0.." + (classes.size() - 1));
        }
        if (n < 1) {
            throw new LdmException("n = " + n + " must be at least 1");
        }
        List<Integer> labels = Collections.nCopies(n, classIndex);
        LatentSampler.Images images = sampler().generate(new SampleRequest(labels, samplerName, steps, cfg, defaults.eta(),
                defaults.spacing(), seed, defaults.batchSize()), k -> { });
        List<BufferedImage> out = new ArrayList<>();
        for (int i = 0; i < images.count(); i++) {
            out.add(images.image(i));
        }
        return out;
    }

    /**
     * Every image of a request (any classes, sampler, time spacing, guidance interval, SDEdit start
     * image, interpolation; see {@link SampleRequest}), in request order.
     */
    public List<BufferedImage> generate(SampleRequest request) {
        LatentSampler.Images images = sampler().generate(request, k -> { });
        List<BufferedImage> out = new ArrayList<>();
        for (int i = 0; i < images.count(); i++) {
            out.add(images.image(i));
        }
        return out;
    }

    /** The run folder, model hash and resolution. */
    public Model model() {
        return model;
    }

    /** The lower-level sampler (batches of mixed classes, progress callbacks); not usable after {@link #close()}. */
    public synchronized LatentSampler sampler() {
        if (closed) {
            throw new IllegalStateException("this LatentDiffusion is closed");
        }
        return sampler;
    }

    /**
     * Frees the native memory of both networks' weights at once (without waiting for the garbage
     * collector). Afterwards this object and its {@link #sampler()} must not be used. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        StateDict.release(unet);
        StateDict.release(vae);
    }
}
