package ldm4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import ldm4j.cli.TestCli;
import ldm4j.data.SyntheticData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.imageio.ImageIO;

/**
 * Work split across ranks gives the same files as one process: encode's shards, sample's and eval's
 * batches hold the same images and draw the same noise whichever rank runs them and however many
 * ranks there are.
 */
@Tag("slow") // data-parallel jobs: left out of ./mvnw test -Pfast
class ShardedWorkTest {
    @TempDir
    static Path dir;
    static Path vaeRun;
    /** The VAE, its latent cache and a tiny UNet trained for two steps. */
    static Path ldmRun;

    static final List<String> TWO_RANKS = List.of("launch", "--nproc", "2", "--threads-per-rank", "1", "--timeout", "60", "--");

    /** A tiny VAE trained for two steps: the model every test encodes or samples with. */
    @BeforeAll
    static void tinyVae() throws Exception {
        Path data = dir.resolve("ds");
        SyntheticData.imageFolder(data, List.of("train", "test"), List.of("a", "b", "c"), 8, 16);
        vaeRun = dir.resolve("vae");
        List<String> args = new ArrayList<>(List.of("train-vae", "--data", "folder:" + data, "--run", vaeRun.toString()));
        args.addAll(TestCli.tinyVae("threads=1", "vae.train.steps=2", "vae.train.finalEvalImages=6",
                "latents.shardSize=5", "latents.batchSize=3"));
        String[] r = TestCli.run(args.toArray(new String[0]));
        assertEquals("0", r[0], r[1] + r[2]);
        ldmRun = copyOfVae("ldm");
        String[] e = TestCli.run("encode", "--run", ldmRun.toString());
        assertEquals("0", e[0], e[1] + e[2]);
        List<String> unet = new ArrayList<>(List.of("train-unet", "--run", ldmRun.toString()));
        for (String set : DataParallelTest.UNET) {
            unet.add("--set");
            unet.add(set.equals("unet.train.steps=4") ? "unet.train.steps=2" : set);
        }
        String[] u = TestCli.run(unet.toArray(new String[0]));
        assertEquals("0", u[0], u[1] + u[2]);
    }

    /** A new run folder holding the VAE and its config only. */
    static Path copyOfVae(String name) throws Exception {
        Path to = Files.createDirectories(dir.resolve(name));
        for (String f : List.of("vae.safetensors", "config.json")) {
            Files.copy(vaeRun.resolve(f), to.resolve(f));
        }
        return to;
    }

    @Test
    void shardedEncodeProducesTheSameCacheAsOneProcess() throws Exception {
        Path one = copyOfVae("encode-1");
        String[] a = TestCli.run("encode", "--run", one.toString());
        assertEquals("0", a[0], a[1] + a[2]);
        Path two = copyOfVae("encode-2");
        List<String> args = new ArrayList<>(TWO_RANKS);
        args.addAll(List.of("encode", "--run", two.toString()));
        String[] b = TestCli.run(args.toArray(new String[0]));
        assertEquals("0", b[0], b[1] + b[2]);
        assertTrue(b[1].contains("on rank 0 of 2"), b[1]);
        assertTrue(b[2].contains("[rank 1] encoded 24 of 48 images on rank 1 of 2"), b[2]);
        List<String> files = files(one.resolve("latents"));
        assertEquals(files, files(two.resolve("latents")));
        assertEquals(11, files.size(), files.toString()); // 24 train and 24 test images in shards of 5, and the manifest
        int identical = 0;
        for (String f : files) {
            assertArrayEquals(Files.readAllBytes(one.resolve("latents").resolve(f)),
                    Files.readAllBytes(two.resolve("latents").resolve(f)), f + " differs");
            identical++;
        }
        System.out.printf("encode on 2 ranks vs 1 process: %d of %d files of the latent cache byte-identical%n", identical,
                files.size());
    }

    @Test
    void shardedSampleEqualsOneProcess() throws Exception {
        // 12 images in batches of 5: rank 0 samples batches 0 and 2 (images 0-4, 10-11), rank 1 batch 1 (5-9)
        List<String> common = List.of("sample", "--run", ldmRun.toString(), "--n", "4", "--batch", "5", "--steps", "3",
                "--seed", "7", "--threads", "1");
        Path one = dir.resolve("sample-1.png");
        List<String> a = new ArrayList<>(common);
        a.addAll(List.of("--out", one.toString()));
        String[] r1 = TestCli.run(a.toArray(new String[0]));
        assertEquals("0", r1[0], r1[1] + r1[2]);
        Path two = dir.resolve("sample-2.png");
        List<String> b = new ArrayList<>(TWO_RANKS);
        b.addAll(common);
        b.addAll(List.of("--out", two.toString(), "--individual", dir.resolve("individual-2").toString()));
        String[] r2 = TestCli.run(b.toArray(new String[0]));
        assertEquals("0", r2[0], r2[1] + r2[2]);
        BufferedImage x = ImageIO.read(one.toFile());
        BufferedImage y = ImageIO.read(two.toFile());
        assertEquals(x.getWidth(), y.getWidth());
        assertEquals(x.getHeight(), y.getHeight());
        long differing = 0;
        for (int v = 0; v < x.getHeight(); v++) {
            for (int u = 0; u < x.getWidth(); u++) {
                differing += x.getRGB(u, v) != y.getRGB(u, v) ? 1 : 0;
            }
        }
        assertEquals(0, differing, "pixels that differ between 1 process and 2 ranks");
        assertEquals(12, files(dir.resolve("individual-2")).size(), "rank 0 wrote every image");
        System.out.printf("sample of 12 images in batches of 5 on 2 ranks vs 1 process: %d of %d grid pixels differ%n",
                differing, (long) x.getWidth() * x.getHeight());
    }

    @Test
    void evalWithShardedSamplingGivesTheFiguresOfOneProcess() throws Exception {
        Path clf = dir.resolve("clf/judge.safetensors");
        String[] t = TestCli.run("train-classifier", "--data", "folder:" + dir.resolve("ds"), "--out", clf.toString(),
                "--epochs", "1", "--batch", "8", "--widths", "8,8,8,8", "--threads", "1");
        assertEquals("0", t[0], t[1] + t[2]);
        List<String> common = List.of("--classifier", clf.toString(), "--per-class", "4", "--steps", "2", "--batch", "5",
                "--threads", "1");
        Path one = copyOf(ldmRun, "eval-1");
        List<String> a = new ArrayList<>(List.of("eval", "--run", one.toString()));
        a.addAll(common);
        String[] r1 = TestCli.run(a.toArray(new String[0]));
        assertEquals("0", r1[0], r1[1] + r1[2]);
        Path two = copyOf(ldmRun, "eval-2");
        List<String> b = new ArrayList<>(TWO_RANKS);
        b.addAll(List.of("eval", "--run", two.toString()));
        b.addAll(common);
        String[] r2 = TestCli.run(b.toArray(new String[0]));
        assertEquals("0", r2[0], r2[1] + r2[2]);
        ObjectMapper json = new ObjectMapper();
        JsonNode x = json.readTree(one.resolve("eval.json").toFile());
        JsonNode y = json.readTree(two.resolve("eval.json").toFile());
        for (String part : List.of("settings", "reference", "samples", "floors")) {
            assertEquals(x.get(part), y.get(part), part + " of eval.json");
        }
        assertArrayEquals(Files.readAllBytes(one.resolve("images/eval-samples.png")),
                Files.readAllBytes(two.resolve("images/eval-samples.png")), "eval-samples.png");
        System.out.printf("eval (12 samples in batches of 5) on 2 ranks vs 1 process: equal figures (Frechet distance "
                + "%s both), byte-identical sample grid%n", y.at("/samples/frechet_distance"));
    }

    /** A copy of a run folder without its checkpoints and TensorBoard logs. */
    static Path copyOf(Path from, String name) throws Exception {
        Path to = dir.resolve(name);
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                String rel = from.relativize(p).toString();
                if (rel.startsWith("checkpoints") || rel.startsWith("tb")) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to.resolve(rel));
                } else {
                    Files.copy(p, to.resolve(rel));
                }
            }
        }
        return to;
    }

    static List<String> files(Path d) throws Exception {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
