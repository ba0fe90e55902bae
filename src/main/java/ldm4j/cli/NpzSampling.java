package ldm4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.LatentDiffusion;
import ldm4j.LdmException;
import ldm4j.config.SampleConfig;
import ldm4j.distributed.Collective;
import ldm4j.distributed.DistEnv;
import ldm4j.distributed.Ranks;
import ldm4j.io.AtomicFiles;
import ldm4j.sample.LatentSampler;
import ldm4j.sample.NpzSampleBatch;
import ldm4j.sample.SampleListener;
import ldm4j.sample.SampleRequest;
import ldm4j.sample.ShardedSampling;
import ldm4j.train.Progress;

/** {@code sample --npz FILE --n N}: N class-balanced images as an ADM evaluation batch ({@link NpzSampleBatch}). */
final class NpzSampling {
    static final int MAX_IMAGES = 10_000_000;

    private NpzSampling() {
    }

    /** Refuses options that make no sense for a sample batch, and a target that exists or cannot be written. */
    static void check(SampleCommand c) {
        if (c.fromPng != null || c.init != null || c.interpolate != null || c.frames != null || c.individual != null
                || c.out != null) {
            throw new LdmException("--npz writes a sample batch: drop --from-png, --init, --interpolate, --frames, --individual "
                    + "and --out");
        }
        if (c.n == null || c.n < 1 || c.n > MAX_IMAGES) {
            throw new LdmException("--npz needs --n N, the number of images in total (1.." + MAX_IMAGES
                    + "), e.g. --n 50000 for an FID-50K batch");
        }
        if (!c.npz.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npz")) {
            throw new LdmException("--npz " + c.npz + ": give the file a .npz name (NumPy and ADM's evaluator expect one)");
        }
        if (Files.exists(c.npz)) {
            throw new LdmException("--npz " + c.npz + " already exists: delete it or choose another file");
        }
        try {
            AtomicFiles.checkWritable(c.npz);
        } catch (IOException | RuntimeException e) {
            throw new LdmException("cannot write --npz " + c.npz + " (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "): choose a writable path");
        }
    }

    static int run(LatentDiffusion ldm, SampleCommand c, PrintWriter pw) {
        SampleConfig d = ldm.defaults();
        if (ldm.classes().size() == 1 && (!c.classNames.isEmpty() || c.cfg != null && c.cfg != 1.0)) {
            throw new LdmException(c.run + " holds an unconditional model (one class): sample it without --class and --cfg");
        }
        SampleConfig s = new SampleConfig(c.sampler != null ? c.sampler : d.sampler(), c.steps != null ? c.steps : d.steps(),
                c.cfg != null ? c.cfg : d.cfg(), c.eta != null ? c.eta : d.eta(), c.spacing != null ? c.spacing : d.spacing(),
                d.perClass(), c.batch != null ? c.batch : d.batchSize(), true);
        double[] interval = c.guidanceInterval == null ? new double[]{0, 1} : SampleCommand.interval(c.guidanceInterval);
        List<Integer> wanted = new ArrayList<>();
        if (c.classNames.isEmpty()) {
            for (int k = 0; k < ldm.classes().size(); k++) {
                wanted.add(k);
            }
        } else {
            for (String name : c.classNames) {
                wanted.add(ldm.classIndex(name));
            }
        }
        int count = c.n;
        long[] labels = NpzSampleBatch.balancedLabels(wanted, count);
        List<Integer> labelList = new ArrayList<>(count);
        for (long l : labels) {
            labelList.add((int) l);
        }
        SampleRequest request = new SampleRequest(labelList, s.sampler(), s.steps(), s.cfg(), s.eta(), s.spacing(), c.seed,
                s.batchSize(), interval[0], interval[1], null, null);
        int res = ldm.model().resolution();
        String settings = settingsJson(ldm, request, wanted, count, res);
        NpzSampleBatch batch = new NpzSampleBatch(c.npz, count, res, res, s.batchSize(), false);
        try (Collective ranks = Ranks.join(DistEnv.fromEnvironment(), ShardedSampling.identity(ldm.model().sha256(), request))) {
            BitSet done = batch.prepare(settings, labels, ranks);
            List<Integer> mine = batch.share(done, ranks);
            int images = mine.stream().mapToInt(j -> batch.endImage(j) - batch.firstImage(j)).sum();
            if (ranks.rank() == 0) {
                pw.printf("sampling %,d images (%d classes, balanced) with %s, %d steps, guidance %.2f, seed %d into %s%s%n", count,
                        wanted.size(), s.sampler(), s.steps(), s.cfg(), c.seed, c.npz,
                        done.isEmpty() ? "" : String.format(" (resuming: %d of %d batches already written)", done.cardinality(),
                                batch.batches()));
                pw.flush();
            }
            long start = System.nanoTime();
            try (Progress p = Progress.start("sample", images, "img")) {
                for (int j : mine) {
                    LatentSampler.Images im = ldm.sampler().generate(request, batch.firstImage(j), batch.endImage(j),
                            SampleListener.batches(p::step));
                    batch.writeBatch(j, im, ranks.rank());
                }
            }
            double secs = (System.nanoTime() - start) / 1e9;
            ranks.barrier("sampling " + c.npz);
            if (ranks.rank() != 0) {
                return 0;
            }
            batch.finish(b -> { });
            Path json = c.npz.resolveSibling(c.npz.getFileName() + ".json");
            try {
                AtomicFiles.writeBytes(json, settings.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + json + ": " + e.getMessage(), e);
            }
            pw.printf("wrote %s (%,d images of %dx%d, %d sampled by this rank in %.1f s) and %s%n", c.npz, count, res, res,
                    images, secs, json);
            pw.flush();
        }
        return 0;
    }

    /** What the batch is: every setting that changes its pixels, and how its labels and pixels are laid out. */
    static String settingsJson(LatentDiffusion ldm, SampleRequest r, List<Integer> wanted, int count, int res) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "ADM sample batch: arr_0 uint8 (N, H, W, 3), arr_1 int64 (N,) labels");
        m.put("images", count);
        m.put("height", res);
        m.put("width", res);
        m.put("classes", wanted.stream().map(ldm.classes()::get).toList());
        m.put("labels", "class-balanced: image i has class classes[i mod " + wanted.size() + "]");
        m.put("pixels", "round((x + 1) * 127.5) clamped to 0..255, as in ldm4j's PNGs");
        m.put("model", ldm.model().name());
        m.put("model_sha256", ldm.model().sha256());
        m.put("weights", ldm.usesEma() ? "ema" : "raw");
        m.put("sampler", r.sampler());
        m.put("steps", r.steps());
        m.put("cfg", r.cfg());
        m.put("guidance_interval", List.of(r.guidanceLow(), r.guidanceHigh()));
        m.put("eta", r.eta());
        m.put("spacing", r.spacing());
        m.put("seed", r.seed());
        m.put("batch", r.batchSize());
        m.put("numeric_precision", ldm.sampler().precision().label());
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
