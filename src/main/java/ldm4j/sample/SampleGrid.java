package ldm4j.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.LatentDiffusion;
import ldm4j.config.SampleConfig;
import ldm4j.distributed.Collective;
import ldm4j.io.AtomicFiles;
import ldm4j.io.PngText;
import ldm4j.train.Progress;

/**
 * The sampling stage: generates a request with a progress bar and writes it as one PNG grid that
 * carries its settings (A1111 {@code parameters} and ldm4j JSON chunks), with the settings also in
 * {@code FILE.json} beside it. {@code sample} and {@code pipeline} both write their grids here.
 */
public final class SampleGrid {
    private SampleGrid() {
    }

    /** The images and how long they took. */
    public record Written(LatentSampler.Images images, double seconds) {
    }

    /** The run's default grid: {@code sample.perClass} images of every class with the run's sampler settings. */
    public static SampleRequest everyClass(LatentDiffusion ldm, long seed) {
        SampleConfig d = ldm.defaults();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < ldm.classes().size(); c++) {
            for (int k = 0; k < d.perClass(); k++) {
                labels.add(c);
            }
        }
        return new SampleRequest(labels, d.sampler(), d.steps(), d.cfg(), d.eta(), d.spacing(), seed, d.batchSize());
    }

    /**
     * Generates {@code request} and writes its grid of {@code columns} columns to {@code file}.
     *
     * @param rows     the row names (classes) for the settings file
     * @param perClass images per row
     */
    public static Written write(LatentDiffusion ldm, SampleRequest request, List<String> rows, int perClass, int columns,
                                Path file) {
        return write(ldm, request, rows, perClass, columns, file, Collective.single());
    }

    /**
     * {@link #write(LatentDiffusion, SampleRequest, List, int, int, Path)} with the images split across
     * {@code ranks} ({@link ShardedSampling}); rank 0 alone writes the files, every rank gets the images.
     */
    public static Written write(LatentDiffusion ldm, SampleRequest request, List<String> rows, int perClass, int columns,
                                Path file, Collective ranks) {
        long start = System.nanoTime();
        LatentSampler.Images images;
        int share = ShardedSampling.share(request, ranks);
        try (Progress progress = Progress.start("sample", share, "img")) {
            images = ShardedSampling.generate(ldm.sampler(), request, ranks, SampleListener.batches(progress::step));
        }
        double secs = (System.nanoTime() - start) / 1e9;
        if (ranks.rank() != 0) {
            return new Written(images, secs);
        }
        PngText.write(images.grid(columns), ImageSettings.of(request, ldm.classes(), ldm.model().name(), ldm.model().sha256(),
                null, columns, images.width(), images.height(), ldm.sampler().precision().label()).pngText(), file);
        writeSettings(file, request, rows, perClass, secs, ldm.usesEma());
        return new Written(images, secs);
    }

    private static void writeSettings(Path png, SampleRequest r, List<String> rows, int perClass, double secs, boolean ema) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sampler", r.sampler());
        m.put("steps", r.steps());
        m.put("cfg", r.cfg());
        m.put("eta", r.eta());
        m.put("spacing", r.spacing());
        m.put("guidance_interval", List.of(r.guidanceLow(), r.guidanceHigh()));
        m.put("seed", r.seed());
        m.put("weights", ema ? "ema" : "raw");
        m.put("rows", rows);
        m.put("per_class", perClass);
        if (r.init() != null) {
            m.put("init_strength", r.init().strength());
        }
        if (r.interpolation() != null) {
            m.put("interpolate_to_seed", r.interpolation().seedB());
        }
        m.put("seconds", secs);
        String name = png.getFileName().toString().replaceFirst("\\.png$", "") + ".json";
        try {
            AtomicFiles.writeBytes(png.resolveSibling(name), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png.resolveSibling(name) + ": " + e.getMessage(), e);
        }
    }
}
