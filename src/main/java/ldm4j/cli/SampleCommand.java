package ldm4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.LatentDiffusion;
import ldm4j.LdmException;
import ldm4j.config.SampleConfig;
import ldm4j.io.AtomicFiles;
import ldm4j.sample.LatentSampler;
import ldm4j.sample.SampleRequest;
import ldm4j.torch.ImageGrid;
import ldm4j.torch.Threads;
import ldm4j.train.Progress;
import ldm4j.train.RunDir;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ldm4j sample}: class-conditional images from a trained run. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = {"Generate images from a trained run (EMA weights by default) and write a grid, one row per class.",
                "The sampling settings are written beside the PNG as JSON."})
public final class SampleCommand implements Callable<Integer> {

    @Option(names = "--run", paramLabel = "DIR", required = true, description = "Run folder with vae.safetensors and unet.safetensors.")
    Path run;

    @Option(names = "--class", paramLabel = "NAME|INDEX", description = "Classes to sample (repeatable). Default: all classes.")
    List<String> classNames = new ArrayList<>();

    @Option(names = "--n", paramLabel = "N", description = "Images per class. Default: sample.perClass of the run's config (10).")
    Integer n;

    @Option(names = "--cfg", paramLabel = "S", description = "Classifier-free guidance scale (1 = none). Default: 5.0.")
    Double cfg;

    @Option(names = "--steps", paramLabel = "K", description = "Sampler steps. Default: 50.")
    Integer steps;

    @Option(names = "--sampler", paramLabel = "ddim|dpmpp2m|heun", description = "Sampler. Default: ddim.")
    String sampler;

    @Option(names = "--eta", paramLabel = "E", description = "DDIM stochasticity (0 = deterministic). Default: 0.")
    Double eta;

    @Option(names = "--seed", paramLabel = "X", defaultValue = "0", description = "Seed; image k depends only on (seed, k). Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--batch", paramLabel = "B", description = "Images per forward pass. Default: 100.")
    Integer batch;

    @Option(names = "--out", paramLabel = "FILE.png", description = "Grid file. Default: <run>/samples.png.")
    Path out;

    @Option(names = "--individual", paramLabel = "DIR", description = "Also write every image as DIR/<class>-<k>.png.")
    Path individual;

    @Option(names = "--weights", paramLabel = "ema|raw", description = "UNet weights: the EMA or the raw ones. Default: the run's sample.ema (EMA).")
    String weights;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "libtorch threads (0 = one per core).")
    int threads;

    @Option(names = "--device", paramLabel = "cpu|cuda|auto", defaultValue = "auto", description = "Compute device.")
    String device;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter pw = spec.commandLine().getOut();
        RunDir.requireRunPath(run);
        if (!java.nio.file.Files.isDirectory(run)) {
            throw new LdmException(run + " is not a run folder: pass the --run of a pipeline or train-unet run");
        }
        Path file = out != null ? out : run.resolve("samples.png");
        checkOutputs(file); // before minutes of sampling
        Boolean ema = weights == null ? null : switch (weights) {
            case "ema" -> Boolean.TRUE;
            case "raw" -> Boolean.FALSE;
            default -> throw new LdmException("--weights '" + weights + "' is not one of ema, raw");
        };
        Threads.configure(threads, spec.commandLine().getErr()::println);
        try (LatentDiffusion ldm = LatentDiffusion.load(run, device, ema)) {
            return sample(ldm, file, pw);
        }
    }

    private int sample(LatentDiffusion ldm, Path file, PrintWriter pw) {
        SampleConfig d = ldm.defaults();
        if (ldm.classes().size() == 1 && (!classNames.isEmpty() || cfg != null && cfg != 1.0)) { // unconditional run
            throw new ldm4j.LdmException(run + " holds an unconditional model (one class): sample it without --class and --cfg");
        }
        int perClass = n != null ? n : d.perClass();
        SampleConfig s = new SampleConfig(sampler != null ? sampler : d.sampler(), steps != null ? steps : d.steps(),
                cfg != null ? cfg : d.cfg(), eta != null ? eta : d.eta(), d.spacing(), perClass,
                batch != null ? batch : d.batchSize(), true); // validates the options with named errors
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
        List<Integer> labels = new ArrayList<>();
        for (int c : wanted) {
            for (int k = 0; k < perClass; k++) {
                labels.add(c);
            }
        }
        SampleRequest request = new SampleRequest(labels, s.sampler(), s.steps(), s.cfg(), s.eta(), s.spacing(), seed,
                s.batchSize());
        pw.printf("sampling %d images (%d classes x %d) with %s, %d steps, guidance %.2f, seed %d%n", labels.size(),
                wanted.size(), perClass, s.sampler(), s.steps(), s.cfg(), seed);
        long start = System.nanoTime();
        LatentSampler.Images images;
        try (Progress progress = Progress.start("sample", labels.size(), "img")) {
            images = ldm.sampler().generate(request, progress::step);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        ImageGrid.writePng(images.grid(perClass), file);
        writeSettings(file, request, wanted.stream().map(ldm.classes()::get).toList(), perClass, secs, ldm.usesEma());
        if (individual != null) {
            for (int i = 0; i < images.count(); i++) {
                String cls = ldm.classes().get(labels.get(i));
                ImageGrid.writePng(images.image(i), individual.resolve(String.format("%s-%03d.png", cls, i % perClass)));
            }
        }
        pw.printf("wrote %s (%d rows: %s) in %.1f s, %.2f images/s%n", file, wanted.size(),
                String.join(", ", wanted.stream().map(ldm.classes()::get).toList()), secs, labels.size() / secs);
        pw.flush();
        return 0;
    }

    /** Refuses a non-PNG or unwritable --out / --individual before sampling. */
    private void checkOutputs(Path file) {
        if (!file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".png")) {
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

    private static void writeSettings(Path png, SampleRequest r, List<String> rows, int perClass, double secs, boolean ema) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sampler", r.sampler());
        m.put("steps", r.steps());
        m.put("cfg", r.cfg());
        m.put("eta", r.eta());
        m.put("spacing", r.spacing());
        m.put("seed", r.seed());
        m.put("weights", ema ? "ema" : "raw");
        m.put("rows", rows);
        m.put("per_class", perClass);
        m.put("seconds", secs);
        String name = png.getFileName().toString().replaceFirst("\\.png$", "") + ".json";
        try {
            AtomicFiles.writeBytes(png.resolveSibling(name), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png.resolveSibling(name) + ": " + e.getMessage(), e);
        }
    }
}
