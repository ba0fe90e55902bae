package ldm4j.cli;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import ldm4j.config.ConfigResolver;
import ldm4j.data.Batch;
import ldm4j.data.DataLoader;
import ldm4j.data.DataException;
import ldm4j.data.DataSpec;
import ldm4j.data.ImageCheck;
import ldm4j.data.ImageDataset;
import ldm4j.data.ImageDecoder;
import ldm4j.data.TarSamples;
import ldm4j.data.WdsData;
import ldm4j.data.WdsStream;
import ldm4j.data.RawImage;
import ldm4j.data.Splits;
import ldm4j.data.Transform;
import ldm4j.torch.ImageGrid;
import ldm4j.torch.StepScope;
import ldm4j.torch.Threads;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ldm4j data}: describe a dataset, write an example grid, optionally time the loader. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = {"Check a dataset: decode every image of both splits with the loader's threads (data.workers), "
                + "list every unreadable or oversized file at once, and show images per class and the distribution "
                + "of image sizes; optionally write a grid of examples (one row per class) as PNG. Exit status 2 when "
                + "any image is bad.",
                "Datasets: cifar10 (downloaded to $LDM4J_CACHE, default ~/.cache/ldm4j), cifar10:PATH "
                        + "(cifar-10-binary.tar.gz or cifar-10-batches-bin/), folder:PATH (PATH/train/<class>/, PATH/test/<class>/), "
                        + "imagenet:ROOT (train/<wnid>/ with val/<wnid>/, a flat val/ with the devkit's ground truth, or Kaggle's "
                        + "ILSVRC/Data/CLS-LOC/), wds:PATTERN (tar shards such as train-{000000..000099}.tar)."})
public final class DataCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "SPEC", description = "Dataset (overrides data.spec). Default: the preset's data.spec.")
    String data;

    @Option(names = "--out", paramLabel = "FILE.png", description = "Write the example grid here.")
    Path out;

    @Option(names = "--per-class", paramLabel = "N", defaultValue = "10", description = "Examples per class in the grid. Default: ${DEFAULT-VALUE}.")
    int perClass;

    @Option(names = "--measure", paramLabel = "BATCHES", defaultValue = "0",
            description = "Also time this many training batches through the loader (shuffle, flip, resize) and print images/s.")
    int measure;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "128", description = "Batch size for --measure. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--quick", description = "Skip decoding every image (the check runs by default): list the splits and "
            + "classes only.")
    boolean quick;

    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ConfigOptions.DataSettings cfg = config.resolveDataOnly(data); // the data settings only: no UNet/VAE cross-checks
        if (config.dryRun) {
            out.println(cfg.tree().toPrettyString());
            return 0;
        }
        if (perClass < 1 || perClass > 100) {
            throw new ldm4j.LdmException("--per-class = " + perClass + " must be in 1..100");
        }
        if (batch < 1 || measure < 0) {
            throw new ldm4j.LdmException("--batch must be >= 1 and --measure >= 0");
        }
        int threads = Threads.configure(cfg.threads());
        if (DataSpec.parse(cfg.data().spec()).kind() == DataSpec.Kind.WDS) {
            return shards(out, cfg, threads);
        }
        Splits splits = DataSpec.open(cfg.data(), spec.commandLine().getErr()::println);
        out.println("dataset " + splits.spec());
        out.println("classes " + splits.classes().size() + ": " + String.join(", ", splits.classes()));
        if (splits.classes().size() == 1) {
            out.println("one class: trains an unconditional model (no class input, guidance off when sampling)");
        }
        List<ImageCheck> checks = new ArrayList<>();
        checks.add(describe(out, "train", splits.train(), cfg));
        if (splits.test().isPresent()) {
            checks.add(describe(out, "test", splits.test().get(), cfg));
        } else {
            out.println("test: none (single-split folder)");
        }
        Transform transform = Transform.of(cfg.data());
        out.println("transform: " + transform.describe() + ", scale to [-1, 1], random horizontal flip in training: "
                + cfg.data().flip());
        List<ImageCheck> bad = checks.stream().filter(c -> c != null && !c.ok()).toList();
        if (!bad.isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            int total = 0;
            for (ImageCheck c : bad) {
                for (String f : c.failures()) {
                    err.println("bad image: " + f);
                }
                total += c.failures().size();
            }
            err.flush();
            out.flush();
            throw new DataException(total + " bad image" + (total == 1 ? "" : "s") + " in " + splits.spec()
                    + " (listed above): replace or remove them, then run 'bin/ldm4j data' again");
        }
        if (this.out != null) {
            writeGrid(splits.train(), transform, this.out);
            out.println("wrote " + this.out + " (" + perClass + " examples per row, one row per class in label order)");
        }
        if (measure > 0) {
            measureLoader(out, splits.train(), transform, cfg, threads);
        }
        out.flush();
        return 0;
    }

    /** {@code data} for tar shards: one streaming pass (decoding unless --quick), counts, a grid, the stream's speed. */
    private int shards(PrintWriter out, ConfigOptions.DataSettings cfg, int threads) {
        WdsData d = WdsData.open(DataSpec.parse(cfg.data().spec()).path().toString());
        ImageDecoder decoder = new ImageDecoder(cfg.data().maxPixels());
        out.println("dataset " + cfg.data().spec() + ": " + d.shards().size() + " shards");
        out.println("classes " + d.classes().size() + ": " + String.join(", ", d.classes()));
        Transform transform = Transform.of(cfg.data());
        int[] counts = new int[d.classes().size()];
        List<List<RawImage>> rows = new ArrayList<>();
        for (int c = 0; c < counts.length; c++) {
            rows.add(new ArrayList<>());
        }
        List<String> bad = new ArrayList<>();
        long t0 = System.nanoTime();
        long n = 0;
        for (Path shard : d.shards()) {
            try (TarSamples t = new TarSamples(shard, counts.length)) {
                TarSamples.Sample x;
                while ((x = t.next()) != null) {
                    n++;
                    counts[x.label()]++;
                    boolean forGrid = this.out != null && rows.get(x.label()).size() < perClass;
                    if (quick && !forGrid) {
                        continue;
                    }
                    try {
                        RawImage img = decoder.decode(x.image(), "shard " + shard + " member " + x.key() + "." + x.imageExt());
                        if (forGrid) {
                            rows.get(x.label()).add(img);
                        }
                    } catch (DataException e) {
                        bad.add(e.getMessage());
                    }
                }
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf("samples: %,d in %.1f s (%s), %,d bad%n", n, secs, quick ? "not decoded: --quick" : "decoded", bad.size());
        StringBuilder sb = new StringBuilder("  per class:");
        for (int c = 0; c < counts.length; c++) {
            sb.append(String.format(" %s=%,d", d.classes().get(c), counts[c]));
        }
        out.println(sb);
        out.println("transform: " + transform.describe() + ", scale to [-1, 1], random horizontal flip in training: "
                + cfg.data().flip());
        if (!bad.isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            bad.forEach(b -> err.println("bad image: " + b));
            err.flush();
            out.flush();
            throw new DataException(bad.size() + " bad image" + (bad.size() == 1 ? "" : "s") + " in " + cfg.data().spec()
                    + " (listed above): re-create the shards");
        }
        if (this.out != null) {
            writeGrid(rows, transform, this.out);
            out.println("wrote " + this.out + " (" + perClass + " examples per row, one row per class in label order)");
        }
        if (measure > 0) {
            WdsStream stream = new WdsStream(d.shards(), counts.length, transform, decoder, batch, cfg.seed(), 0, 1,
                    cfg.data().workers(), 1000, cfg.data().flip(), cfg.data().prefetch() * 8);
            long images = 0;
            long start = 0;
            try (WdsStream.Epoch epoch = stream.epoch(0, 0)) {
                for (int b = 0; b <= measure && epoch.hasNext(); b++) {
                    Batch x = epoch.next();
                    if (b == 0) {
                        start = System.nanoTime(); // the first batch is warm-up
                    } else {
                        images += x.size();
                    }
                }
            }
            double s2 = (System.nanoTime() - start) / 1e9;
            out.printf("loader: %,d images in %.2f s = %,.0f images/s = %,.0f images/s per worker (wds stream, batch %d, "
                            + "%dx%d %s, %d workers, %d cores)%n", images, s2, images / s2, images / s2 / cfg.data().workers(),
                    batch, transform.resolution(), transform.resolution(), transform.crop(), cfg.data().workers(),
                    Runtime.getRuntime().availableProcessors());
        }
        out.flush();
        return 0;
    }

    private ImageCheck describe(PrintWriter out, String name, ImageDataset ds, ConfigOptions.DataSettings cfg) {
        int[] counts = ds.countsPerClass();
        ImageCheck check = null;
        if (quick) {
            out.printf("%s: %,d images (not decoded: --quick)%n", name, ds.size());
        } else {
            check = ImageCheck.run(ds, cfg.data().workers());
            out.printf("%s: %,d images decoded in %.1f s (%,.0f images/s, %d threads), %,d bad%n", name, ds.size(),
                    check.seconds(), check.imagesPerSecond(), cfg.data().workers(), check.failures().size());
            out.println("  sizes: " + check.sizeSummary(cfg.data().resolution()));
        }
        StringBuilder sb = new StringBuilder("  per class:");
        for (int c = 0; c < counts.length; c++) {
            sb.append(String.format(" %s=%,d", ds.classes().get(c), counts[c]));
        }
        out.println(sb);
        return check;
    }

    private void writeGrid(ImageDataset ds, Transform transform, Path file) {
        int classes = ds.classes().size();
        List<List<RawImage>> rows = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            rows.add(new ArrayList<>());
        }
        int found = 0;
        for (int i = 0; i < ds.size() && found < classes * perClass; i++) {
            List<RawImage> row = rows.get(ds.label(i));
            if (row.size() < perClass) {
                row.add(ds.load(i));
                found++;
            }
        }
        writeGrid(rows, transform, file);
    }

    private void writeGrid(List<List<RawImage>> rows, Transform transform, Path file) {
        List<RawImage> images = new ArrayList<>();
        for (List<RawImage> row : rows) {
            images.addAll(row);
            RawImage like = row.isEmpty() ? new RawImage(new byte[3], 1, 1) : row.get(0);
            for (int k = row.size(); k < perClass; k++) {
                images.add(new RawImage(new byte[like.planes().length], like.height(), like.width())); // black filler
            }
        }
        try (StepScope scope = StepScope.open()) {
            float[] x = transform.apply(images, new boolean[images.size()]);
            int r = transform.resolution();
            BufferedImage grid = ImageGrid.of(x, images.size(), r, r, perClass, 2);
            ImageGrid.writePng(grid, file);
        }
    }

    private void measureLoader(PrintWriter out, ImageDataset ds, Transform t, ConfigOptions.DataSettings cfg, int threads) {
        int workers = cfg.data().workers();
        try (DataLoader loader = DataLoader.training(ds, t, batch, cfg.data().flip(), cfg.seed(), workers, cfg.data().prefetch())) {
            int n = Math.min(measure, loader.batchesPerEpoch());
            long images = 0;
            long start = 0;
            try (DataLoader.Epoch epoch = loader.epoch(0)) {
                for (int b = 0; b <= n && epoch.hasNext(); b++) {
                    Batch x = epoch.next();
                    if (b == 0) {
                        start = System.nanoTime(); // first batch is warm-up
                    } else {
                        images += x.size();
                    }
                }
            }
            double secs = (System.nanoTime() - start) / 1e9;
            out.printf("loader: %,d images in %.2f s = %,.0f images/s (batch %d, %dx%d, %d workers, prefetch %d, "
                            + "%d libtorch threads, %d cores)%n",
                    images, secs, images / secs, batch, t.resolution(), t.resolution(), workers, cfg.data().prefetch(),
                    threads, Runtime.getRuntime().availableProcessors());
        }
    }
}
