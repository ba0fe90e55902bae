package ldm4j.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import javax.imageio.ImageIO;

import ldm4j.LatentDiffusion;
import ldm4j.LdmException;
import ldm4j.autoencoder.VaeCheckpoints;
import ldm4j.cli.Main;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.data.SyntheticData;
import ldm4j.io.DType;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.latents.LatentPipelineTest;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The whole job on a tiny synthetic dataset: pipeline, skip on rerun, sample command, Java API. */
@Tag("slow") // pipeline runs: left out of ./mvnw test -Pfast
class PipelineAndApiTest {
    @TempDir
    static Path dir;
    static Path run;
    static String firstOutput;

    static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "--debug";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
        return new String[]{Integer.toString(code), out.toString(), err.toString()};
    }

    @BeforeAll
    static void pipeline() throws Exception {
        SyntheticData.imageFolder(dir.resolve("ds"), List.of("train", "test"), List.of("red", "green", "blue"), 8, 16);
        Config c = new ConfigResolver().override(LatentPipelineTest.smallConfig(), List.of(
                "sample.steps=4", "sample.perClass=2", "sample.batchSize=4"));
        Path cfg = Files.writeString(dir.resolve("small.json"), new ConfigResolver().toJson(c));
        run = dir.resolve("run");
        // an explicit, absent classifier: the default path may hold a real CIFAR-10 classifier on a developer's machine
        String[] r = run("pipeline", "--data", "folder:" + dir.resolve("ds"), "--run", run.toString(), "--config", cfg.toString(),
                "--classifier", dir.resolve("no-classifier.safetensors").toString());
        assertEquals("0", r[0], r[1] + r[2]);
        firstOutput = r[1];
    }

    @Test
    void pipelineWritesEveryArtifactAndSkipsFinishedStages() throws Exception {
        for (String f : List.of("config.json", "vae.safetensors", "latents/manifest.json", "unet.safetensors", "samples.png",
                "samples.json", "metrics.jsonl")) {
            assertTrue(Files.exists(run.resolve(f)), f);
        }
        assertTrue(firstOutput.contains("[1/4] train-vae"), firstOutput);
        assertTrue(firstOutput.contains("pipeline finished; wall time (minutes):"), firstOutput);
        BufferedImage grid = ImageIO.read(run.resolve("samples.png").toFile());
        assertEquals(2 * 16 + 3 * 2, grid.getWidth(), "2 per class");
        assertEquals(3 * 16 + 4 * 2, grid.getHeight(), "one row per class");
        String[] again = run("pipeline", "--run", run.toString(), "--classifier", dir.resolve("no-classifier.safetensors").toString());
        assertEquals("0", again[0], again[1] + again[2]);
        assertTrue(again[1].contains("train-vae: " + run.resolve("vae.safetensors") + " exists and matches the config; skipped"),
                again[1]);
        assertTrue(again[1].contains("is up to date"), again[1]);
        assertTrue(again[1].contains("train-unet: " + run.resolve("unet.safetensors") + " exists"), again[1]);
    }

    @Test
    void sampleCommandWritesGridSettingsAndIndividualImages() throws Exception {
        Path out = dir.resolve("s/green.png");
        String[] r = run("sample", "--run", run.toString(), "--class", "green", "--class", "0", "--n", "3", "--steps", "3",
                "--sampler", "dpmpp2m", "--cfg", "2", "--out", out.toString(), "--individual", dir.resolve("ind").toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("rows: green, blue"), r[1]);
        String json = Files.readString(dir.resolve("s/green.json"));
        assertTrue(json.contains("\"sampler\" : \"dpmpp2m\"") && json.contains("\"cfg\" : 2.0"), json);
        assertEquals(6, Files.list(dir.resolve("ind")).count());
        String[] bad = run("sample", "--run", run.toString(), "--class", "purple");
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("unknown class 'purple': expected one of blue, green, red"), bad[2]);
        String[] badSteps = run("sample", "--run", run.toString(), "--steps", "0");
        assertEquals("2", badSteps[0]);
        assertTrue(badSteps[2].contains("sample.steps = 0 is out of range"), badSteps[2]);
    }

    /** A copy of the run whose unet.safetensors has one tensor changed by {@code edit}. */
    private static Path runWithDamagedUnet(String name, UnaryOperator<HostTensor> edit) throws Exception {
        Path copy = Files.createDirectories(dir.resolve(name));
        Files.copy(run.resolve("vae.safetensors"), copy.resolve("vae.safetensors"));
        Map<String, HostTensor> t = new LinkedHashMap<>();
        byte[] bytes;
        try (SafetensorsFile f = Safetensors.read(run.resolve("unet.safetensors"))) {
            t.putAll(f.getAll());
            t.put("ema.time_embed.0.weight", edit.apply(t.get("ema.time_embed.0.weight")));
            bytes = Safetensors.toBytes(t, f.metadata()); // bypasses the writer's finiteness check on purpose
        }
        Files.write(copy.resolve("unet.safetensors"), bytes);
        return copy;
    }

    @Test
    void nanOrRelabelledWeightsAreRefusedBySample() throws Exception {
        Path nan = runWithDamagedUnet("nan-run", h -> {
            ByteBuffer b = ByteBuffer.allocate((int) h.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
            b.put(h.data()).flip();
            b.putFloat(4, Float.NaN);
            return new HostTensor(h.dtype(), h.shape(), b);
        });
        String[] r = run("sample", "--run", nan.toString(), "--n", "1", "--steps", "1");
        assertEquals("2", r[0], r[1] + r[2]);
        assertTrue(r[2].contains("'ema.time_embed.0.weight' holds NaN or infinite values (element 1)"), r[2]);
        assertTrue(!Files.exists(nan.resolve("samples.png")), "no black PNG");
        Path relabelled = runWithDamagedUnet("int-run", h -> new HostTensor(DType.I32, h.shape(), h.data()));
        String[] r2 = run("sample", "--run", relabelled.toString(), "--n", "1", "--steps", "1");
        assertEquals("2", r2[0], r2[1] + r2[2]);
        assertTrue(r2[2].contains("'ema.time_embed.0.weight' is I32 but the model expects floating-point values"), r2[2]);
    }

    @Test
    void sampleChecksItsOutputBeforeSamplingAndReadsTheWeightsChoice() throws Exception {
        String[] jpg = run("sample", "--run", run.toString(), "--out", dir.resolve("x.jpg").toString());
        assertEquals("2", jpg[0]);
        assertTrue(jpg[2].contains("give the file a .png name"), jpg[2]);
        Path notAFolder = Files.writeString(dir.resolve("plain-file"), "x");
        String[] unwritable = run("sample", "--run", run.toString(), "--out", notAFolder.resolve("s.png").toString());
        assertEquals("2", unwritable[0]);
        assertTrue(unwritable[2].contains("cannot write " + notAFolder.resolve("s.png")) && unwritable[2].contains("--out"),
                unwritable[2]);
        assertTrue(!unwritable[1].contains("sampling"), "refused before sampling: " + unwritable[1]);
        Path out = dir.resolve("raw/s.png");
        String[] raw = run("sample", "--run", run.toString(), "--n", "1", "--steps", "1", "--weights", "raw", "--out", out.toString());
        assertEquals("0", raw[0], raw[1] + raw[2]);
        assertTrue(Files.readString(dir.resolve("raw/s.json")).contains("\"weights\" : \"raw\""));
    }

    @Test
    void aFloat16VaeLoads() throws Exception {
        Map<String, HostTensor> half = new LinkedHashMap<>();
        Map<String, String> meta;
        try (SafetensorsFile f = Safetensors.read(run.resolve("vae.safetensors"));
             StepScope s = StepScope.open()) {
            meta = f.metadata();
            for (var e : f.getAll().entrySet()) {
                half.put(e.getKey(), Tensors.toHost(Tensors.fromHost(e.getValue())
                        .to(ScalarType.Half)));
            }
        }
        Path f16 = dir.resolve("f16/vae.safetensors");
        Files.createDirectories(f16.getParent());
        Safetensors.write(f16, half, meta);
        var vae = VaeCheckpoints.loadVae(f16);
        assertEquals(4, vae.normalizer().channels());
    }

    @Test
    void closeFreesBothNetworks() {
        LatentDiffusion ldm = LatentDiffusion.load(run, "cpu");
        assertTrue(ldm.usesEma(), "sample.ema defaults to true");
        ldm.generate(0, 1, 1.0, 1, 0);
        ldm.close();
        ldm.close();
        assertThrows(IllegalStateException.class, ldm::sampler);
        assertThrows(IllegalStateException.class, () -> ldm.generate(0, 1, 1.0, 1, 0));
    }

    @Test
    void imageKOfASeedDoesNotDependOnBatchSize() {
        try (LatentDiffusion ldm = LatentDiffusion.load(run, "cpu")) {
            List<Integer> labels = List.of(0, 1, 2);
            LatentSampler.Images one = ldm.sampler().generate(new SampleRequest(labels, "ddim", 3, 3.0, 0.5, "auto", 7, 1), k -> { });
            LatentSampler.Images three = ldm.sampler().generate(new SampleRequest(labels, "ddim", 3, 3.0, 0.5, "auto", 7, 3), k -> { });
            float max = 0;
            for (int i = 0; i < one.chw().length; i++) {
                max = Math.max(max, Math.abs(one.chw()[i] - three.chw()[i]));
            }
            assertTrue(max < 1e-4, "batch 1 vs 3 differ by " + max);
            LatentSampler.Images other = ldm.sampler().generate(new SampleRequest(labels, "ddim", 3, 3.0, 0.5, "auto", 8, 3), k -> { });
            assertTrue(!Arrays.equals(three.chw(), other.chw()), "another seed gives other images");
        }
    }

    @Test
    void readmeJavaExampleRuns() throws Exception {
        List<BufferedImage> images = ReadmeExample.generate(run);
        assertEquals(4, images.size());
        assertEquals(16, images.get(0).getWidth());
        String readme = Files.readString(Path.of("README.md"));
        for (String line : ReadmeExample.SNIPPET.lines().toList()) {
            assertTrue(readme.contains(line.strip()), "README shows the tested example: missing line " + line);
        }
        try (LatentDiffusion ldm = LatentDiffusion.load(run, "cpu")) {
            assertEquals(List.of("blue", "green", "red"), ldm.classes(), "class folders in sorted order");
            assertThrows(LdmException.class, () -> ldm.generate(5, 1, 1.0, 2, 0));
            assertEquals(Collections.nCopies(1, 16), List.of(ldm.generate(2, 1, 1.0, 2, 0).get(0).getHeight()));
        }
    }

    @Test
    void classifierEvalReportAndPipelineEvalStage() throws Exception {
        Path clf = dir.resolve("clf/judge.safetensors");
        String ds = "folder:" + dir.resolve("ds");
        String[] t = run("train-classifier", "--data", ds, "--out", clf.toString(), "--epochs", "2", "--batch", "8",
                "--widths", "8,8,8,8");
        assertEquals("0", t[0], t[1] + t[2]);
        assertTrue(t[1].contains("epoch 2/2") && t[1].contains("classifier: test accuracy"), t[1]);
        List<String> curve = Files.readAllLines(dir.resolve("clf/judge.metrics.jsonl"));
        assertEquals(2, curve.stream().filter(l -> l.contains("\"event\":\"epoch\"")).count(), "one curve row per epoch");
        assertTrue(curve.get(curve.size() - 1).contains("\"event\":\"final\"")
                && curve.get(curve.size() - 1).contains("\"test_accuracy_tta\""), "then the 6-view accuracy");
        assertTrue(t[1].contains("test-time augmentation (6 views)"), t[1]);
        String[] again = run("train-classifier", "--data", ds, "--out", clf.toString(), "--epochs", "1");
        assertEquals("2", again[0]);
        assertTrue(again[2].contains("already exists: pass --force"), again[2]);

        String[] e = run("eval", "--run", run.toString(), "--classifier", clf.toString(), "--per-class", "4", "--steps", "2",
                "--batch", "5");
        assertEquals("0", e[0], e[1] + e[2]);
        assertTrue(e[1].contains("floor: VAE reconstructions"), e[1]);
        JsonNode j = new ObjectMapper()
                .readTree(run.resolve("eval.json").toFile());
        assertEquals(12, j.path("settings").path("samples").asInt());
        assertEquals("ddim", j.path("settings").path("sampler").asText());
        assertEquals(24, j.path("reference").path("images").asInt(), "the whole test split is the reference");
        for (String set : List.of("samples", "floors.train_vs_test", "floors.vae_reconstruction_vs_test")) {
            JsonNode n = j.at("/" + set.replace('.', '/'));
            assertTrue(n.path("class_accuracy").asDouble(-1) >= 0 && n.path("class_accuracy").asDouble() <= 1, set);
            assertTrue(n.path("frechet_distance").asDouble(-1) >= 0, set);
            assertTrue(n.path("frechet_distance_early").asDouble(-1) >= 0, set + ": the early-layer Frechet distance");
            assertTrue(n.path("precision").isNumber() && n.path("recall").isNumber(), set);
        }
        assertEquals(3, j.path("samples").path("per_class_accuracy").size());
        assertTrue(j.path("feature_spaces").path("frechet_distance_early").asText().startsWith("layer2 output averaged"),
                j.path("feature_spaces").toString());
        assertTrue(e[1].contains("FD early"), e[1]);
        assertTrue(j.path("vae").path("mse").asDouble() > 0, "VAE test MSE copied from the run's metrics");
        assertTrue(j.path("unet").path("heldout_v_mse_ema").asDouble() > 0, "held-out v-MSE copied from the run's metrics");
        assertTrue(Files.isRegularFile(run.resolve("images/eval-samples.png")));

        String html = Files.readString(run.resolve("report.html"));
        for (String id : List.of("evaluation", "curves", "reconstructions", "samples", "config")) {
            assertTrue(html.contains("<section id=\"" + id + "\">"), "section " + id);
        }
        assertTrue(html.contains("<polyline"), "loss curves drawn");
        assertTrue(html.contains("aria-label=\"Discriminator patch accuracy\""), "discriminator accuracy chart");
        assertTrue(html.contains("data:image/png;base64,"), "images inline");
        assertTrue(html.contains("floor: real train images") && html.contains("generated samples"), "evaluation table");
        assertTrue(html.contains("Frechet distance (early layer)"), "the early-layer Frechet distance column");
        assertTrue(!html.contains("src=\"http") && !html.contains("<script"), "self-contained, no scripts");

        String[] wrongKind = run("eval", "--run", run.toString(), "--classifier", run.resolve("vae.safetensors").toString());
        assertEquals("2", wrongKind[0]);
        assertTrue(wrongKind[2].contains("is a 'vae' checkpoint, but a 'classifier' checkpoint is needed"), wrongKind[2]);
        String[] tooFew = run("eval", "--run", run.toString(), "--classifier", clf.toString(), "--per-class", "2");
        assertEquals("2", tooFew[0]);
        assertTrue(tooFew[2].contains("--per-class 2 is out of range"), tooFew[2]);
        String[] beyondTest = run("eval", "--run", run.toString(), "--classifier", clf.toString(), "--per-class", "9",
                "--steps", "2");
        assertEquals("2", beyondTest[0]);
        assertTrue(beyondTest[2].contains("the test split has 24 images, fewer than the 27 samples: lower --per-class to at most 8"),
                beyondTest[2]);
        assertFalse(beyondTest[1].contains("samples per class"), "refused before any sampling: " + beyondTest[1]);

        String[] p = run("pipeline", "--run", run.toString(), "--classifier", clf.toString(), "--eval-per-class", "4");
        assertEquals("0", p[0], p[1] + p[2]);
        assertTrue(p[1].contains("[5/5] eval with " + clf), p[1]);
        assertTrue(p[1].contains(" eval ") && p[1].contains("report: " + run.resolve("report.html")), p[1]);
    }
}
