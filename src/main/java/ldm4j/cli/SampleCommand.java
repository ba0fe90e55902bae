package ldm4j.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.LatentDiffusion;
import ldm4j.LdmException;
import ldm4j.config.SampleConfig;
import ldm4j.config.SamplerKind;
import ldm4j.distributed.Collective;
import ldm4j.distributed.DistEnv;
import ldm4j.distributed.Ranks;
import ldm4j.io.AnimatedGif;
import ldm4j.io.AtomicFiles;
import ldm4j.io.PngText;
import ldm4j.sample.FromPng;
import ldm4j.torch.Precision;
import ldm4j.sample.ImageSettings;
import ldm4j.sample.InitImages;
import ldm4j.sample.LatentSampler;
import ldm4j.sample.RequestCheck;
import ldm4j.sample.SampleGrid;
import ldm4j.sample.SampleRequest;
import ldm4j.sample.ShardedSampling;
import ldm4j.torch.Threads;
import ldm4j.train.RunDir;
import ldm4j.train.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ldm4j sample}: class-conditional images from a trained run (under {@code launch}, the batches are split across ranks). */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = {"Generate images from a trained run (EMA weights by default) and write a grid, one row per class.",
                "Every PNG carries its settings (an Automatic1111 'parameters' chunk and a JSON chunk); --from-png makes it again.",
                "The sampling settings are also written beside the PNG as JSON."})
public final class SampleCommand implements Callable<Integer> {
    /** --strength without a value: how far SDEdit noises the --init image. */
    static final double DEFAULT_STRENGTH = 0.6;
    /** --frames without a value: the interpolation's frames. */
    static final int DEFAULT_FRAMES = 8;

    @Option(names = "--run", paramLabel = "DIR", required = true, description = "Run folder with vae.safetensors and unet.safetensors.")
    Path run;

    @Option(names = "--class", paramLabel = "NAME|INDEX", description = "Classes to sample (repeatable). Default: all classes.")
    List<String> classNames = new ArrayList<>();

    @Option(names = "--n", paramLabel = "N", description = "Images per class. Default: sample.perClass of the run's config. "
            + "With --npz: images in total, class-balanced (e.g. 50000).")
    Integer n;

    @Option(names = "--npz", paramLabel = "FILE.npz", description = "Write --n images as an ADM evaluation batch (arr_0: uint8 N x H x W x 3, "
            + "arr_1: int64 labels), streamed to disk, resumable (rerun the same command), split across ranks under launch; "
            + "settings in FILE.npz.json.")
    Path npz;

    @Option(names = "--cfg", paramLabel = "S", description = "Classifier-free guidance scale (1 = none). Default: sample.cfg of the run's config.")
    Double cfg;

    @Option(names = "--guidance-interval", paramLabel = "LOW,HIGH",
            description = "Guide only for noise times t in [LOW, HIGH] (0 = clean, 1 = pure noise; Kynkaanniemi et al. 2024). Default: 0,1.")
    String guidanceInterval;

    @Option(names = "--steps", paramLabel = "K", description = "Sampler steps. Default: sample.steps of the run's config.")
    Integer steps;

    @Option(names = "--sampler", paramLabel = "NAME", completionCandidates = SamplerKind.Names.class,
            description = "Sampler: ${COMPLETION-CANDIDATES}. Default: sample.sampler of the run's config.")
    String sampler;

    @Option(names = "--spacing", paramLabel = "auto|uniform-t|uniform-logsnr|karras",
            description = "Time steps: uniform in t, in log-SNR, or Karras et al.'s rho = 7; auto: the sampler's best. Default: sample.spacing of the run's config.")
    String spacing;

    @Option(names = "--eta", paramLabel = "E", description = "DDIM stochasticity (0 = deterministic). Default: sample.eta of the run's config.")
    Double eta;

    @Option(names = "--seed", paramLabel = "X", defaultValue = "0", description = "Seed; image k depends only on (seed, k). Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--init", paramLabel = "IMAGE", description = "SDEdit: start from this image (resized to the model's size), noised to t = --strength.")
    Path init;

    @Option(names = "--strength", paramLabel = "S", description = "With --init: 0 = the image's reconstruction, 1 = ignore it. Default: "
            + DEFAULT_STRENGTH + ".")
    Double strength;

    @Option(names = "--interpolate", paramLabel = "SEED_A,SEED_B",
            description = "Spherical interpolation of the initial noise from seed A to seed B (image 0 of each); with two --class, from the first class to the second.")
    String interpolate;

    @Option(names = "--frames", paramLabel = "N", description = "With --interpolate: frames, written as a PNG strip and an animated GIF. "
            + "Default: " + DEFAULT_FRAMES + ".")
    Integer frames;

    @Option(names = "--from-png", paramLabel = "FILE", description = "Regenerate a PNG that ldm4j wrote, from the settings inside it.")
    Path fromPng;

    @Option(names = "--batch", paramLabel = "B", description = "Images per forward pass. Default: sample.batchSize of the run's config.")
    Integer batch;

    @Option(names = "--out", paramLabel = "FILE.png", description = "Grid file. Default: <run>/samples.png (<run>/interpolation.png, FILE-again.png).")
    Path out;

    @Option(names = "--individual", paramLabel = "DIR", description = "Also write every image as DIR/<class>-<k>.png.")
    Path individual;

    @Option(names = "--weights", paramLabel = "ema|raw", description = "UNet weights: the EMA or the raw ones. Default: the run's sample.ema (EMA).")
    String weights;

    @Mixin
    ComputeOptions compute;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter pw = spec.commandLine().getOut();
        checkInputs();
        Boolean ema = weights == null ? null : switch (weights) {
            case "ema" -> Boolean.TRUE;
            case "raw" -> Boolean.FALSE;
            default -> throw new LdmException("--weights '" + weights + "' is not one of ema, raw");
        };
        Threads.configure(compute.threads(), spec.commandLine().getErr()::println);
        PrintWriter err = spec.commandLine().getErr();
        try (SignalNotice notice = new SignalNotice(err, "sample stopped by a signal before it finished: the files"
                + " already written are whole, the others were not written; run it again");
             LatentDiffusion ldm = LatentDiffusion.load(run, compute.device, precision(), ema)) {
            err.println("sample: " + ldm.sampler().precision().describe());
            if (fromPng != null && DistEnv.fromEnvironment().distributed()) {
                throw new LdmException("--from-png regenerates one image: start it without launch");
            }
            return fromPng != null ? regenerate(ldm, pw) : npz != null ? NpzSampling.run(ldm, this, pw) : sample(ldm, pw);
        }
    }

    /** Every option, input file and output path checked before the run is loaded. */
    private void checkInputs() {
        checkCombinations();
        RequestCheck.seed("--seed", seed);
        if (init != null && !Files.isRegularFile(init)) {
            throw new LdmException("--init " + init + " does not exist: give a PNG or JPEG image");
        }
        if (fromPng != null) {
            FromPng.settings(fromPng);                                  // a missing or damaged file, before any loading
        }
        RunDir.requireRunPath(run);
        if (!Files.isDirectory(run)) {
            throw new LdmException(run + " is not a run folder: pass the --run of a pipeline or train-unet run");
        }
        if (npz != null) {
            NpzSampling.check(this);
        } else if (out != null || fromPng == null) {
            checkOutputs(out != null ? out : run.resolve(interpolate != null ? "interpolation.png" : "samples.png"));
        }
    }

    /** --precision; with --from-png and none given, the one the PNG was made with (the same pixels need the same arithmetic). */
    private String precision() {
        if (compute.precision != null || fromPng == null) {
            return compute.precision == null ? Precision.AUTO : compute.precision;
        }
        String recorded = FromPng.settings(fromPng).precision();
        return recorded != null ? recorded : Precision.AUTO;
    }

    private int sample(LatentDiffusion ldm, PrintWriter pw) {
        if (ldm.classes().size() == 1 && (!classNames.isEmpty() || cfg != null && cfg != 1.0)) { // unconditional run
            throw new LdmException(run + " holds an unconditional model (one class): sample it without --class and --cfg");
        }
        int perClass = interpolate != null ? frames(frames) : n != null ? n : ldm.defaults().perClass();
        SampleConfig s = settings(ldm.defaults(), perClass);
        double[] interval = guidanceInterval == null ? new double[]{0, 1} : interval(guidanceInterval);
        List<Integer> wanted = wantedClasses(ldm);
        long[] seeds = interpolate == null ? null : interpolationSeeds(wanted);
        List<Integer> labels = labels(seeds != null ? wanted.subList(0, 1) : wanted, perClass);
        SampleRequest request = request(ldm, s, interval, labels, wanted, seeds);
        pw.printf("sampling %d images (%d classes x %d) with %s, %d steps, guidance %.2f, seed %d%n", labels.size(),
                seeds != null ? 1 : wanted.size(), perClass, s.sampler(), s.steps(), s.cfg(), request.seed());
        Path file = out != null ? out : run.resolve(seeds != null ? "interpolation.png" : "samples.png");
        checkSpace(file, labels.size(), ldm.model().resolution());
        int columns = seeds != null ? labels.size() : perClass;
        List<String> rows = (seeds != null ? List.of(wanted.get(0)) : wanted).stream().map(ldm.classes()::get).toList();
        Optional<SampleGrid.Written> written = writeGrid(ldm, request, rows, perClass, columns, file);
        if (written.isEmpty()) {
            return 0;                                                               // rank 0 writes the files
        }
        LatentSampler.Images images = written.get().images();
        if (seeds != null) {
            writeGif(images, file, pw);
        }
        if (individual != null) {
            writeIndividual(ldm, request, labels, perClass, images);
        }
        double secs = written.get().seconds();
        pw.printf("wrote %s (%d rows: %s) in %.1f s, %.2f images/s%n", file, rows.size(), String.join(", ", rows), secs,
                labels.size() / secs);
        pw.flush();
        return 0;
    }

    /** The run's sample settings with the options given on the command line; validates them with named errors. */
    private SampleConfig settings(SampleConfig d, int perClass) {
        return new SampleConfig(sampler != null ? sampler : d.sampler(), steps != null ? steps : d.steps(),
                cfg != null ? cfg : d.cfg(), eta != null ? eta : d.eta(), spacing != null ? spacing : d.spacing(), perClass,
                batch != null ? batch : d.batchSize(), true);
    }

    /** The --class indices, in the order given; every class when none is given. */
    private List<Integer> wantedClasses(LatentDiffusion ldm) {
        List<Integer> wanted = new ArrayList<>();
        if (classNames.isEmpty()) {
            for (int c = 0; c < ldm.classes().size(); c++) {
                wanted.add(c);
            }
        } else {
            for (String name : classNames) {
                wanted.add(ldm.classIndex(name));
            }
        }
        return wanted;
    }

    /** --interpolate's two seeds, with the one or two --class it needs. */
    private long[] interpolationSeeds(List<Integer> wanted) {
        long[] seeds = seedPair(interpolate);
        if (wanted.size() > 2 || classNames.isEmpty()) {
            throw new LdmException("--interpolate needs one --class (same class) or two (from the first to the second), got "
                    + classNames.size());
        }
        return seeds;
    }

    /** Each class repeated perClass times, class by class: the grid's rows. */
    private static List<Integer> labels(List<Integer> classes, int perClass) {
        List<Integer> labels = new ArrayList<>();
        for (int c : classes) {
            for (int k = 0; k < perClass; k++) {
                labels.add(c);
            }
        }
        return labels;
    }

    /** The request, with interpolation and the --init image, checked as --from-png's requests are. */
    private SampleRequest request(LatentDiffusion ldm, SampleConfig s, double[] interval, List<Integer> labels,
                                  List<Integer> wanted, long[] seeds) {
        SampleRequest request = new SampleRequest(labels, s.sampler(), s.steps(), s.cfg(), s.eta(), s.spacing(),
                seeds != null ? seeds[0] : seed, s.batchSize(), interval[0], interval[1], null, null);
        if (seeds != null) {
            request = request.withInterpolation(new SampleRequest.Interpolation(0, seeds[1], 0, wanted.get(wanted.size() - 1)));
            RequestCheck.seed("--interpolate's second seed", seeds[1]);
        }
        RequestCheck.check(s.sampler(), s.steps(), s.cfg(), s.eta(), s.spacing(), s.batchSize(), interval[0], interval[1],
                request.seed(), labels.size(), seeds != null, ldm.classes().size());   // the same checks as --from-png
        if (init != null) {
            double st = RequestCheck.strength("--strength", strength != null ? strength : DEFAULT_STRENGTH);
            int res = ldm.model().resolution();
            request = request.withInit(InitImages.read(init, st, res, res, ldm.model().config().data().maxPixels()));
        }
        return request;
    }

    /** Samples (split across ranks under launch) and writes the grid; empty on ranks other than 0, which write nothing. */
    private static Optional<SampleGrid.Written> writeGrid(LatentDiffusion ldm, SampleRequest request, List<String> rows,
                                                          int perClass, int columns, Path file) {
        try (Collective ranks = Ranks.join(DistEnv.fromEnvironment(), ShardedSampling.identity(ldm.model().sha256(), request))) {
            SampleGrid.Written written = SampleGrid.write(ldm, request, rows, perClass, columns, file, ranks);
            return ranks.rank() == 0 ? Optional.of(written) : Optional.empty();
        }
    }

    /** The interpolation's frames as an animated GIF beside the PNG strip. */
    private static void writeGif(LatentSampler.Images images, Path file, PrintWriter pw) {
        List<BufferedImage> gif = new ArrayList<>();
        for (int i = 0; i < images.count(); i++) {
            gif.add(images.image(i));
        }
        Path g = file.resolveSibling(file.getFileName().toString().replaceFirst("\\.png$", "") + ".gif");
        AnimatedGif.write(gif, 150, g);
        pw.printf("wrote %s (animated, %d frames)%n", g, images.count());
    }

    /** Every image as --individual/<class>-<k>.png, each with its own settings. */
    private void writeIndividual(LatentDiffusion ldm, SampleRequest request, List<Integer> labels, int perClass,
                                 LatentSampler.Images images) {
        for (int i = 0; i < images.count(); i++) {
            String cls = ldm.classes().get(labels.get(i));
            Map<String, String> text = ImageSettings.of(request, ldm.classes(), ldm.model().name(), ldm.model().sha256(), i, null,
                    images.width(), images.height(), ldm.sampler().precision().label()).pngText();
            PngText.write(images.image(i), text, individual.resolve(String.format("%s-%03d.png", cls, i % perClass)));
        }
    }

    private int regenerate(LatentDiffusion ldm, PrintWriter pw) {
        ImageSettings s = FromPng.settings(fromPng);
        FromPng.request(ldm, s, fromPng);                               // every setting checked before any work
        BufferedImage original = FromPng.original(fromPng, ldm.model().config().data().maxPixels());
        pw.printf("regenerating %s: %s%n", fromPng, s.parameters().replace('\n', ' '));
        long start = System.nanoTime();
        BufferedImage image = FromPng.regenerate(ldm, s, fromPng);
        Path file = out != null ? out : fromPng.resolveSibling(fromPng.getFileName().toString().replaceFirst("\\.png$", "")
                + "-again.png");
        PngText.write(image, s.pngText(), file);
        long diff = FromPng.differingPixels(original, image);
        pw.printf("wrote %s in %.1f s: %s%n", file, (System.nanoTime() - start) / 1e9,
                diff == 0 ? "pixel-identical to " + fromPng : diff < 0 ? "a different size than " + fromPng
                        : diff + " pixels differ from " + fromPng + " (another device or thread count?)");
        pw.flush();
        return 0;
    }

    private void checkCombinations() {
        if (fromPng != null && (init != null || interpolate != null || !classNames.isEmpty() || n != null || steps != null
                || sampler != null || cfg != null || spacing != null || eta != null || guidanceInterval != null
                || batch != null || individual != null)) {
            throw new LdmException("--from-png takes every setting from the file: drop the other sampling options");
        }
        if (init != null && interpolate != null) {
            throw new LdmException("--init and --interpolate cannot be combined: choose one");
        }
        if (strength != null && init == null) {
            throw new LdmException("--strength needs --init IMAGE (the image to start from)");
        }
        if (frames != null && interpolate == null) {
            throw new LdmException("--frames needs --interpolate SEED_A,SEED_B");
        }
        if (interpolate != null && n != null) {
            throw new LdmException("--interpolate writes --frames images; drop --n");
        }
    }

    static int frames(Integer f) {
        int v = f == null ? DEFAULT_FRAMES : f;
        if (v < 2 || v > 1000) {
            throw new LdmException("--frames " + v + " is out of range: expected 2 <= --frames <= 1000");
        }
        return v;
    }

    static long[] seedPair(String text) {
        String[] p = text.split(",");
        try {
            if (p.length == 2) {
                return new long[]{Long.parseLong(p[0].strip()), Long.parseLong(p[1].strip())};
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new LdmException("--interpolate '" + text + "' is not two seeds: expected SEED_A,SEED_B, e.g. --interpolate 1,2");
    }

    static double[] interval(String text) {
        String[] p = text.split(",");
        try {
            if (p.length == 2) {
                double lo = Double.parseDouble(p[0].strip());
                double hi = Double.parseDouble(p[1].strip());
                if (0 <= lo && lo <= hi && hi <= 1) {
                    return new double[]{lo, hi};
                }
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new LdmException("--guidance-interval '" + text + "' is not LOW,HIGH with 0 <= LOW <= HIGH <= 1, e.g. 0.1,0.8");
    }

    /**
     * Refuses to sample when the output folders lack the space the PNGs may need (at most their raw
     * 8-bit RGB size plus the settings chunks, twice with --individual, plus the GIF), so that a full
     * disk is reported before the images are computed rather than after.
     */
    private void checkSpace(Path file, int images, int resolution) {
        long need = (long) images * resolution * resolution * 3 * 2 + (1L << 20);
        List<Path> folders = new ArrayList<>(List.of(file.toAbsolutePath().getParent()));
        if (individual != null) {
            folders.add(individual.toAbsolutePath());
        }
        for (Path dir : folders) {
            try {
                long free = Files.getFileStore(dir).getUsableSpace();
                if (free < need) {
                    throw new LdmException(dir + " has " + free / 1024 + " KB free, but " + images + " images need up to "
                            + need / 1024 + " KB: free some space or choose another " + (dir.equals(folders.get(0))
                            ? "--out" : "--individual") + " folder");
                }
            } catch (IOException e) {
                // the store cannot say: the atomic write reports a full disk itself
            }
        }
    }

    /** Refuses a non-PNG or unwritable --out / --individual before sampling. */
    private void checkOutputs(Path file) {
        if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new LdmException("--out " + file + ": sample writes PNG images; give the file a .png name");
        }
        List<Path> targets = new ArrayList<>(List.of(file));
        if (individual != null) {
            targets.add(individual.resolve("class-000.png"));
        }
        for (Path t : targets) {
            try {
                AtomicFiles.checkWritable(t);
            } catch (IOException | RuntimeException e) {
                throw new LdmException("cannot write " + t + " (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                        + "): choose a writable " + (t.equals(file) ? "--out" : "--individual") + " path");
            }
        }
    }
}
