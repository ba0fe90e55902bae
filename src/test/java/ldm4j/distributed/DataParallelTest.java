package ldm4j.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.LdmException;
import ldm4j.autoencoder.VaeTrainerTest;
import ldm4j.cli.Main;
import ldm4j.data.SyntheticData;
import ldm4j.io.HostTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training on c10d (Gloo over 127.0.0.1): K steps of train-unet with 2 ranks equal K
 * steps with 1 rank at the same global batch; ranks started with different configs are refused.
 */
@Tag("slow") // data-parallel jobs: left out of ./mvnw test -Pfast
class DataParallelTest {
    @TempDir
    static Path dir;
    static Path base;

    static final List<String> UNET = List.of("unet.model.channels=8", "unet.model.multipliers=[1,2]",
            "unet.model.resBlocks=1", "unet.model.attentionResolutions=[4]", "unet.model.headChannels=8",
            "unet.model.groups=4", "unet.model.numClasses=3", "unet.model.dropout=0.1", "unet.train.batchSize=6",
            "unet.train.steps=4", "unet.train.warmup=1", "unet.train.logEvery=1", "unet.train.evalEvery=4",
            "unet.train.evalLatents=4", "unet.train.checkpointEvery=2", "threads=1",
            "precision=fp32"); // the equivalences hold to fp32 rounding; bf16 would round each rank's slice differently

    static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new String[]{Integer.toString(code), out.toString(), err.toString()};
    }

    /** A finished tiny VAE and its latent cache, copied into a fresh run folder for each UNet run. */
    @BeforeAll
    static void vaeAndCache() throws Exception {
        Path data = dir.resolve("ds");
        SyntheticData.imageFolder(data, List.of("train", "test"), List.of("a", "b", "c"), 8, 16);
        base = dir.resolve("base");
        List<String> vae = new ArrayList<>(List.of("train-vae", "--data", "folder:" + data, "--run", base.toString()));
        for (String s : List.of("data.resolution=16", "data.workers=1", "data.prefetch=2", "threads=2",
                "vae.model.channels=8", "vae.model.multipliers=[1,2]", "vae.model.resBlocks=1", "vae.model.groups=4",
                "vae.model.patchSize=1", "vae.disc.channels=8", "vae.disc.layers=2", "vae.disc.groups=4",
                "vae.train.batchSize=4", "vae.train.steps=2", "vae.train.evalImages=6", "vae.train.finalEvalImages=6",
                "latents.shardSize=10", "latents.batchSize=7")) {
            vae.add("--set");
            vae.add(s);
        }
        String[] r = run(vae.toArray(new String[0]));
        assertEquals("0", r[0], r[1] + r[2]);
        String[] e = run("encode", "--run", base.toString());
        assertEquals("0", e[0], e[1] + e[2]);
    }

    static Path copyOfBase(String name) throws Exception {
        Path to = dir.resolve(name);
        try (var paths = Files.walk(base)) {
            for (Path p : paths.toList()) {
                Path rel = base.relativize(p);
                if (rel.toString().startsWith("checkpoints") || rel.toString().startsWith("tb")
                        || rel.toString().equals("metrics.jsonl")) {
                    continue;
                }
                Path q = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return to;
    }

    static String[] trainUnet(Path run, List<String> launch, List<String> extra) {
        List<String> args = new ArrayList<>(launch);
        args.addAll(List.of("train-unet", "--run", run.toString()));
        for (String s : UNET) {
            args.add("--set");
            args.add(s);
        }
        args.addAll(extra);
        return run(args.toArray(new String[0]));
    }

    @Test
    void twoRanksEqualOneRankAtTheSameGlobalBatch() throws Exception {
        Path one = copyOfBase("one");
        String[] a = trainUnet(one, List.of(), List.of());
        assertEquals("0", a[0], a[1] + a[2]);
        Path two = copyOfBase("two");
        String[] b = trainUnet(two, List.of("launch", "--nproc", "2", "--threads-per-rank", "1", "--timeout", "60", "--"),
                List.of());
        assertEquals("0", b[0], b[1] + b[2]);
        assertTrue(b[1].contains("launch: 2 rank(s)"), b[1]);

        assertSameSeries(one, two, "loss", 4);
        // AdamW's step barely changes if every gradient is scaled by the same constant (a sum over the
        // ranks instead of a mean would largely pass the weight check below): the norm of the averaged gradient,
        // taken before clipping, must be the norm of the one-rank gradient
        assertSameSeries(one, two, "grad_norm", 4);
        double[] d = assertSameWeights(one.resolve("unet.safetensors"), two.resolve("unet.safetensors"));
        System.out.printf("data-parallel train-unet, 4 steps, batch 6, 1 vs 2 ranks: relative difference (L2) of all "
                + "weights %.3g, of the worst tensor %.3g%n", d[0], d[1]);
    }

    /**
     * The same function up to float summation order: the batch mean is now two half-batch means, and
     * AdamW's first updates (about lr * sign(g)) amplify rounding in gradients that nearly cancel. Returns
     * the relative L2 difference of all weights and of the worst tensor.
     */
    static double[] assertSameWeights(Path a, Path b) throws Exception {
        Map<String, HostTensor> x = VaeTrainerTest.tensors(a);
        Map<String, HostTensor> y = VaeTrainerTest.tensors(b);
        assertEquals(x.keySet(), y.keySet());
        double worst = 0;
        String worstKey = null;
        double diff2 = 0;
        double norm2 = 0;
        for (String k : x.keySet()) {
            float[] p = x.get(k).toFloats();
            float[] q = y.get(k).toFloats();
            double r = relativeDifference(p, q);
            if (r >= worst) {
                worst = r;
                worstKey = k;
            }
            for (int i = 0; i < p.length; i++) {
                diff2 += (double) (p[i] - q[i]) * (p[i] - q[i]);
                norm2 += (double) p[i] * p[i];
            }
        }
        double whole = Math.sqrt(diff2 / norm2);
        assertTrue(whole < 1e-5, "relative difference of all weights " + whole);
        assertTrue(worst < 1e-4, "relative weight difference " + worst + " in " + worstKey);
        return new double[]{whole, worst};
    }

    static final List<String> TWO_RANKS = List.of("launch", "--nproc", "2", "--threads-per-rank", "1", "--timeout", "60", "--");

    @Test
    void resumeAcrossWorldSizesEqualsAnUninterruptedRun() throws Exception {
        Path straight = copyOfBase("straight");
        assertEquals("0", trainUnet(straight, List.of(), List.of())[0]);
        Path twoThenOne = copyOfBase("two-then-one");
        String[] a = trainUnet(twoThenOne, TWO_RANKS, List.of("--max-steps", "2"));
        assertEquals("0", a[0], a[1] + a[2]);
        String[] b = trainUnet(twoThenOne, List.of(), List.of("--resume"));
        assertEquals("0", b[0], b[1] + b[2]);
        Path oneThenTwo = copyOfBase("one-then-two");
        // one rank in a child process: the run lock of an in-process run lasts as long as this JVM
        List<String> oneRank = List.of("launch", "--nproc", "1", "--threads-per-rank", "1", "--timeout", "60", "--");
        assertEquals("0", trainUnet(oneThenTwo, oneRank, List.of("--max-steps", "2"))[0]);
        String[] c = trainUnet(oneThenTwo, TWO_RANKS, List.of("--resume"));
        assertEquals("0", c[0], c[1] + c[2]);
        assertTrue(c[1].contains("at step 2 of 4"), c[1]);
        double[] d1 = assertSameWeights(straight.resolve("unet.safetensors"), twoThenOne.resolve("unet.safetensors"));
        double[] d2 = assertSameWeights(straight.resolve("unet.safetensors"), oneThenTwo.resolve("unet.safetensors"));
        System.out.printf("resume 2 -> 1 ranks: %.3g / %.3g; 1 -> 2 ranks: %.3g / %.3g (all weights / worst tensor)%n",
                d1[0], d1[1], d2[0], d2[1]);
    }

    @Test
    void trainVaeWithItsDiscriminatorTwoRanksEqualOneRank() throws Exception {
        Path data = dir.resolve("ds");
        List<String> sets = new ArrayList<>();
        for (String s : List.of("data.resolution=16", "data.workers=1", "data.prefetch=2", "threads=1", "precision=fp32",
                "vae.model.channels=8", "vae.model.multipliers=[1,2]", "vae.model.resBlocks=1", "vae.model.groups=4",
                "vae.model.patchSize=1", "vae.disc.channels=8", "vae.disc.layers=2", "vae.disc.groups=4",
                "vae.loss.klWarmup=2", "vae.loss.advStart=1", "vae.loss.advWarmup=2",
                "vae.train.batchSize=4", "vae.train.steps=4", "vae.train.logEvery=1", "vae.train.evalEvery=4",
                "vae.train.evalImages=6", "vae.train.finalEvalImages=6", "vae.train.checkpointEvery=2")) {
            sets.add("--set");
            sets.add(s);
        }
        List<String> one = new ArrayList<>(List.of("train-vae", "--data", "folder:" + data, "--run", dir.resolve("vae1").toString()));
        one.addAll(sets);
        String[] a = run(one.toArray(new String[0]));
        assertEquals("0", a[0], a[1] + a[2]);
        List<String> two = new ArrayList<>(TWO_RANKS);
        two.addAll(List.of("train-vae", "--data", "folder:" + data, "--run", dir.resolve("vae2").toString()));
        two.addAll(sets);
        String[] b = run(two.toArray(new String[0]));
        assertEquals("0", b[0], b[1] + b[2]);
        Path ck = Path.of("checkpoints/vae/last.safetensors");
        Map<String, HostTensor> x = VaeTrainerTest.tensors(dir.resolve("vae1").resolve(ck));
        assertTrue(x.keySet().stream().anyMatch(k -> k.startsWith("opt.disc.exp_avg.")), "the discriminator trained");
        assertSameSeries(dir.resolve("vae1"), dir.resolve("vae2"), "grad_norm_vae", 4);
        assertSameSeries(dir.resolve("vae1"), dir.resolve("vae2"), "grad_norm_disc", 2); // the adversarial ramp is 0 up to advStart
        double[] d = assertSameWeights(dir.resolve("vae1").resolve(ck), dir.resolve("vae2").resolve(ck));
        System.out.printf("data-parallel train-vae (VAE + discriminator + both optimisers), 4 steps, batch 4, 1 vs 2 "
                + "ranks: %.3g / %.3g (all weights / worst tensor)%n", d[0], d[1]);
    }

    /** ||p - q|| / ||p|| (the difference of a tensor that is all zeros is compared absolutely). */
    static double relativeDifference(float[] p, float[] q) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < p.length; i++) {
            num += (double) (p[i] - q[i]) * (p[i] - q[i]);
            den += (double) p[i] * p[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /** The {@code key} of every logged training step of runs {@code a} and {@code b}: {@code steps} values, equal to 1e-5. */
    static void assertSameSeries(Path a, Path b, String key, int steps) throws Exception {
        List<Double> x = series(a, key);
        List<Double> y = series(b, key);
        assertEquals(steps, x.size(), key + " in " + x);
        assertEquals(steps, y.size(), key + " in " + y);
        for (int i = 0; i < steps; i++) {
            assertTrue(x.get(i) != 0, key + " is logged as 0 at step " + (i + 1));
            assertEquals(x.get(i), y.get(i), 1e-5 * Math.abs(x.get(i)), key + " at logged step " + (i + 1));
        }
    }

    private static List<Double> series(Path run, String key) throws Exception {
        return logged(run, key);
    }

    /** A training metric of every logged step (metrics.jsonl). */
    private static List<Double> logged(Path run, String metric) throws Exception {
        List<Double> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = json.readTree(line);
            if (n.path("event").asText().equals("train") && n.has(metric)) {
                out.add(n.get(metric).asDouble());
            }
        }
        return out;
    }

    /**
     * The DiT backbone: 1 vs 2 ranks give the same weights, losses and (averaged, before clipping) gradient
     * norms. The gradient norm is what a sum instead of a mean over the ranks would double; AdamW's weights
     * would hardly show it.
     */
    @Test
    void aDitTwoRanksEqualOneRank() throws Exception {
        // without QK-norm: k_norm.bias has no gradient but round-off (a shift of every key cancels in the softmax),
        // which AdamW turns into lr-sized steps of either sign, so its weights differ between any two summation orders
        List<String> dit = List.of("--set", "unet.model.type=dit", "--set", "unet.model.dit.size=DiT-T/4");
        Path one = copyOfBase("dit-one");
        String[] a = trainUnet(one, List.of(), dit);
        assertEquals("0", a[0], a[1] + a[2]);
        assertTrue(a[1].contains("DiT-T/4"), a[1]);
        Path two = copyOfBase("dit-two");
        String[] b = trainUnet(two, TWO_RANKS, dit);
        assertEquals("0", b[0], b[1] + b[2]);
        double[] d = assertSameWeights(one.resolve("unet.safetensors"), two.resolve("unet.safetensors"));
        for (String metric : List.of("loss", "grad_norm")) {
            List<Double> x = logged(one, metric);
            List<Double> y = logged(two, metric);
            assertEquals(4, x.size(), metric);
            for (int i = 0; i < x.size(); i++) {
                assertEquals(x.get(i), y.get(i), 1e-5 * Math.abs(x.get(i)), metric + " at step " + (i + 1));
            }
        }
        System.out.printf("data-parallel DiT-T/4 train-unet, 4 steps, batch 6, 1 vs 2 ranks: relative difference (L2) "
                + "of all weights %.3g, of the worst tensor %.3g; losses and gradient norms within 1e-5%n", d[0], d[1]);
    }

    @Test
    void trainClassifierWithTwoRanksDiffersOnlyByPerRankBatchNorm() throws Exception {
        Path data = dir.resolve("ds");
        String[] common = {"train-classifier", "--data", "folder:" + data, "--epochs", "2", "--batch", "8",
                "--widths", "8,8,8,8", "--threads", "1", "--precision", "fp32"};
        Path one = dir.resolve("clf1/c.safetensors");
        String[] a = run(concat(new String[0], concat(common, "--out", one.toString())));
        assertEquals("0", a[0], a[1] + a[2]);
        Path two = dir.resolve("clf2/c.safetensors");
        String[] b = run(concat(TWO_RANKS.toArray(new String[0]), concat(common, "--out", two.toString())));
        assertEquals("0", b[0], b[1] + b[2]);
        assertTrue(b[1].contains("classifier: test accuracy"), b[1]);
        Map<String, HostTensor> x = VaeTrainerTest.tensors(one);
        Map<String, HostTensor> y = VaeTrainerTest.tensors(two);
        assertEquals(x.keySet(), y.keySet());
        double diff2 = 0;
        double norm2 = 0;
        for (String k : x.keySet()) {
            if (!k.endsWith("weight") && !k.endsWith("bias")) {
                continue; // BatchNorm's running statistics are rank 0's own
            }
            float[] p = x.get(k).toFloats();
            float[] q = y.get(k).toFloats();
            for (int i = 0; i < p.length; i++) {
                diff2 += (double) (p[i] - q[i]) * (p[i] - q[i]);
                norm2 += (double) p[i] * p[i];
            }
        }
        double rel = Math.sqrt(diff2 / norm2);
        System.out.printf("data-parallel train-classifier, 2 epochs of batch 8, 1 vs 2 ranks: relative weight difference "
                + "%.3g (BatchNorm statistics over 4 instead of 8 images per step)%n", rel);
        assertTrue(rel > 0 && rel < 0.2, "relative weight difference " + rel);
        List<String> files;
        try (var list = Files.list(dir.resolve("clf2"))) {
            files = list.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(List.of("c.metrics.jsonl", "c.safetensors", "checkpoints", "tb"), files, "rank 0 alone writes");
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void aBatchNotDivisibleByTheRanksIsAClearError() {
        LdmException e = assertThrows(LdmException.class, () -> new DistEnv(0, 4, 0, 4, "127.0.0.1", 1234).slice(6));
        assertTrue(e.getMessage().contains("not divisible by the 4 ranks"), e.getMessage());
        assertEquals(new DistEnv.Slice(3, 3), new DistEnv(1, 2, 1, 2, "127.0.0.1", 1234).slice(6));
        assertEquals(DistEnv.single(), DistEnv.from(Map.of()));
        LdmException bad = assertThrows(LdmException.class, () -> DistEnv.from(Map.of("WORLD_SIZE", "2", "RANK", "x")));
        assertTrue(bad.getMessage().contains("RANK = 'x' is not an integer"), bad.getMessage());
        String[] pipeline = run("launch", "--nproc", "2", "--", "pipeline", "--run", dir.resolve("nothing").toString());
        assertEquals("2", pipeline[0], pipeline[1] + pipeline[2]);
        assertTrue(pipeline[2].contains("'pipeline' runs in one process: start it without launch"), pipeline[2]);
    }
}
