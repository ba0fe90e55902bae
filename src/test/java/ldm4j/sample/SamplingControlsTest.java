package ldm4j.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import ldm4j.LatentDiffusion;
import ldm4j.autoencoder.VaeCheckpoints;
import ldm4j.diffusion.CosineSchedule;
import ldm4j.diffusion.NoiseSchedule;
import ldm4j.diffusion.TimeGrid;
import ldm4j.io.PngText;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Time spacings, guidance interval, SDEdit, interpolation, PNG settings and --from-png on a tiny trained model. */
@Tag("slow") // a training run: left out of ./mvnw test -Pfast
class SamplingControlsTest {
    @TempDir
    static Path dir;
    static Path run;
    static LatentDiffusion ldm;

    @BeforeAll
    static void train() throws Exception {
        run = TinyRun.shared();
        ldm = LatentDiffusion.load(run, "cpu", "fp32", null); // the reconstruction identity is checked against fp32 calls
    }

    @AfterAll
    static void close() {
        ldm.close();
    }

    static SampleRequest plain(List<Integer> classes, long seed, int batch) {
        return new SampleRequest(classes, "ddim", 4, 3.0, 0.0, "auto", seed, batch);
    }

    static float[] pixels(SampleRequest r) {
        return ldm.sampler().generate(r, k -> { }).chw();
    }

    static float maxDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void karrasSpacingIsUniformInSigmaToTheOneOverRho() {
        NoiseSchedule s = CosineSchedule.standard();
        double[] t = TimeGrid.of(s, 10, TimeGrid.Spacing.KARRAS);
        assertEquals(s.tMax(), t[0]);
        assertEquals(s.tMin(), t[10]);
        double[] root = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            root[i] = Math.pow(s.sigma(t[i]) / s.alpha(t[i]), 1 / 7.0);            // sigma~^(1/rho)
        }
        double step = root[1] - root[0];
        for (int i = 1; i < t.length; i++) {
            assertEquals(step, root[i] - root[i - 1], 1e-9 * Math.abs(step) * 100, "equal steps in sigma~^(1/7) at " + i);
        }
        for (int i = 2; i < t.length; i++) {
            double before = s.sigma(t[i - 2]) / s.alpha(t[i - 2]) - s.sigma(t[i - 1]) / s.alpha(t[i - 1]);
            double now = s.sigma(t[i - 1]) / s.alpha(t[i - 1]) - s.sigma(t[i]) / s.alpha(t[i]);
            assertTrue(now < before, "steps in sigma~ shrink as the noise falls, at " + i);
        }
        double[] sdedit = TimeGrid.of(s, 4, TimeGrid.Spacing.KARRAS, 0.5);
        assertEquals(0.5, sdedit[0]);
        assertEquals(s.tMin(), sdedit[4]);
        assertEquals(TimeGrid.Spacing.KARRAS, TimeGrid.byName("karras", "ddim"));
    }

    @Test
    void karrasSpacingChangesTheImagesAndIsAcceptedByTheCommand() {
        List<Integer> labels = List.of(0, 1);
        SampleRequest k = new SampleRequest(labels, "dpmpp2m", 4, 3.0, 0.0, "karras", 5, 2);
        SampleRequest u = new SampleRequest(labels, "dpmpp2m", 4, 3.0, 0.0, "uniform-t", 5, 2);
        assertFalse(Arrays.equals(pixels(k), pixels(u)));
        String[] r = PipelineAndApiTest.run("sample", "--run", run.toString(), "--spacing", "karras", "--steps", "2", "--n", "1",
                "--out", dir.resolve("karras.png").toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(PngText.read(dir.resolve("karras.png")).get("parameters").contains("Schedule type: karras"));
        String[] bad = PipelineAndApiTest.run("sample", "--run", run.toString(), "--spacing", "cubic");
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("sample.spacing = 'cubic' is not allowed: expected one of auto, uniform-t, uniform-logsnr, karras"),
                bad[2]);
    }

    @Test
    void guidanceOnlyInsideTheInterval() {
        List<Integer> labels = List.of(0, 2);
        float[] unguided = pixels(new SampleRequest(labels, "ddim", 4, 1.0, 0.0, "auto", 9, 2));
        float[] guided = pixels(new SampleRequest(labels, "ddim", 4, 3.0, 0.0, "auto", 9, 2));
        // no grid time lies in [0, 0] (t >= tMin > 0): guidance never applies, exactly the unguided images
        float[] never = pixels(new SampleRequest(labels, "ddim", 4, 3.0, 0.0, "auto", 9, 2).withGuidanceInterval(0, 0));
        float[] middle = pixels(new SampleRequest(labels, "ddim", 4, 3.0, 0.0, "auto", 9, 2).withGuidanceInterval(0.3, 0.8));
        assertArrayEquals(unguided, never);
        assertFalse(Arrays.equals(guided, unguided));
        assertFalse(Arrays.equals(middle, guided), "interval [0.3, 0.8] skips the steps at t = 1 and 0.25, 0");
        assertFalse(Arrays.equals(middle, unguided));
        String[] bad = PipelineAndApiTest.run("sample", "--run", run.toString(), "--guidance-interval", "0.9,0.2");
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("--guidance-interval '0.9,0.2' is not LOW,HIGH with 0 <= LOW <= HIGH <= 1"), bad[2]);
    }

    @Test
    void sdeditAtStrengthZeroIsTheReconstructionAndAtOneIsPlainSampling() throws Exception {
        BufferedImage picture = ImageIO.read(Files.list(run.getParent().resolve("ds/test/green")).sorted().findFirst().orElseThrow().toFile());
        List<Integer> labels = List.of(0, 0);
        SampleRequest.InitImage zero = InitImages.of(picture, 0.0, 16, 16);
        float[] rec = pixels(plain(labels, 4, 2).withInit(zero));
        VaeCheckpoints.LoadedVae vae = VaeCheckpoints.loadVae(run.resolve("vae.safetensors"));
        try (StepScope s = StepScope.open(); InferenceMode m = new InferenceMode()) {
            vae.vae().train(false);
            Tensor x = Tensors.fromFloats(zero.chw(), 1, 3, 16, 16);
            float[] direct = Tensors.toFloats(vae.vae().decode(vae.vae().encode(x).mean()).clamp(
                    new ScalarOptional(new Scalar(-1.0)),
                    new ScalarOptional(new Scalar(1.0))));
            assertTrue(maxDiff(direct, Arrays.copyOf(rec, direct.length)) < 1e-4, "strength 0: decode(encode(x))");
        }
        float[] one = pixels(plain(labels, 4, 2).withInit(InitImages.of(picture, 1.0, 16, 16)));
        assertArrayEquals(pixels(plain(labels, 4, 2)), one, "strength 1: plain sampling with that seed");
        float[] half = pixels(plain(labels, 4, 2).withInit(InitImages.of(picture, 0.5, 16, 16)));
        assertFalse(Arrays.equals(half, one) || Arrays.equals(half, rec));

        Path init = dir.resolve("init.png");
        ImageIO.write(picture, "png", init.toFile());
        String[] r = PipelineAndApiTest.run("sample", "--run", run.toString(), "--init", init.toString(), "--strength", "0.5",
                "--class", "red", "--n", "2", "--out", dir.resolve("sdedit.png").toString(), "--individual",
                dir.resolve("sdedit").toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(PngText.read(dir.resolve("sdedit/red-001.png")).get("parameters").contains("Denoising strength: 0.5"));
        String[] again = PipelineAndApiTest.run("sample", "--run", run.toString(), "--from-png",
                dir.resolve("sdedit/red-001.png").toString());
        assertEquals("0", again[0], again[1] + again[2]);
        assertTrue(again[1].contains("pixel-identical"), again[1]);
        String[] bad = PipelineAndApiTest.run("sample", "--run", run.toString(), "--init", init.toString(), "--strength", "1.5");
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("--strength 1.5 is out of range: expected 0 <= --strength <= 1"), bad[2]);
    }

    @Test
    void interpolationEndFramesAreTheTwoSeedsImages() throws Exception {
        int frames = 5;
        SampleRequest between = plain(Collections.nCopies(frames, 0), 3, 1)
                .withInterpolation(new SampleRequest.Interpolation(0, 4, 0, 2));
        LatentSampler.Images strip = ldm.sampler().generate(between, k -> { });
        int per = strip.chw().length / frames;
        float[] a = pixels(plain(List.of(0), 3, 1));
        float[] b = pixels(plain(List.of(2), 4, 1));
        assertArrayEquals(a, Arrays.copyOfRange(strip.chw(), 0, per), "frame 0: seed 3, class 0");
        assertArrayEquals(b, Arrays.copyOfRange(strip.chw(), (frames - 1) * per, frames * per), "last frame: seed 4, class 2");
        assertFalse(Arrays.equals(a, Arrays.copyOfRange(strip.chw(), 2 * per, 3 * per)), "the middle frame is neither");
        // batched frames: the same up to float rounding
        LatentSampler.Images batched = ldm.sampler().generate(plain(Collections.nCopies(frames, 0), 3, 5)
                .withInterpolation(new SampleRequest.Interpolation(0, 4, 0, 2)), k -> { });
        assertTrue(maxDiff(strip.chw(), batched.chw()) < 1e-3);

        Path out = dir.resolve("lerp/strip.png");
        String[] r = PipelineAndApiTest.run("sample", "--run", run.toString(), "--interpolate", "3,4", "--frames", "4",
                "--class", "blue", "--class", "red", "--out", out.toString());
        assertEquals("0", r[0], r[1] + r[2]);
        BufferedImage png = ImageIO.read(out.toFile());
        assertEquals(4 * 16 + 5 * 2, png.getWidth(), "one row of 4 frames");
        try (ImageInputStream in = ImageIO.createImageInputStream(dir.resolve("lerp/strip.gif").toFile())) {
            ImageReader reader = ImageIO.getImageReaders(in).next();
            reader.setInput(in);
            assertEquals(4, reader.getNumImages(true), "animated GIF with every frame");
        }
        String[] bad = PipelineAndApiTest.run("sample", "--run", run.toString(), "--interpolate", "3");
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("--interpolate '3' is not two seeds"), bad[2]);
    }

    @Test
    void everyPngCarriesItsSettingsAndFromPngRegeneratesItPixelForPixel() throws Exception {
        Path grid = dir.resolve("p/grid.png");
        String[] r = PipelineAndApiTest.run("sample", "--run", run.toString(), "--n", "3", "--batch", "2", "--seed", "42",
                "--sampler", "ddim", "--steps", "3", "--eta", "0.5", "--out", grid.toString(), "--individual", dir.resolve("p/ind").toString());
        assertEquals("0", r[0], r[1] + r[2]);
        Map<String, String> text = PngText.read(dir.resolve("p/ind/green-002.png"));
        String params = text.get("parameters");
        assertTrue(params.startsWith("class: green\nSteps: 3, Sampler: ddim, CFG scale: 5, Seed: 42, Image index: 5, Size: 16x16, Model hash: "
                + ldm.model().sha256().substring(0, 10) + ", Model: run"), params);
        ImageSettings s = ImageSettings.fromJson(text.get("ldm4j"), "test");
        assertEquals(5, s.image());
        assertEquals(ldm.model().sha256(), s.modelSha256());
        assertTrue(PngText.read(grid).get("parameters").startsWith("class: blue | green | red\n"));
        for (String f : List.of("p/ind/green-002.png", "p/grid.png")) {
            String[] again = PipelineAndApiTest.run("sample", "--run", run.toString(), "--from-png", dir.resolve(f).toString());
            assertEquals("0", again[0], again[1] + again[2]);
            assertTrue(again[1].contains("pixel-identical to " + dir.resolve(f)), again[1]);
            Path copy = dir.resolve(f.replace(".png", "-again.png"));
            assertEquals(0, FromPng.differingPixels(ImageIO.read(dir.resolve(f).toFile()), ImageIO.read(copy.toFile())));
        }
        // the precision is part of the settings: an fp32 image is regenerated in fp32 whatever auto picks here
        Path fp32 = dir.resolve("p/fp32.png");
        String[] f = PipelineAndApiTest.run("sample", "--run", run.toString(), "--n", "2", "--seed", "7", "--steps", "3",
                "--precision", "fp32", "--out", fp32.toString());
        assertEquals("0", f[0], f[1] + f[2]);
        assertTrue(PngText.read(fp32).get("parameters").contains(", Precision: fp32, "), PngText.read(fp32).get("parameters"));
        assertEquals("fp32", ImageSettings.fromJson(PngText.read(fp32).get("ldm4j"), "test").precision());
        String[] fAgain = PipelineAndApiTest.run("sample", "--run", run.toString(), "--from-png", fp32.toString());
        assertTrue(fAgain[1].contains("pixel-identical to " + fp32), fAgain[1] + fAgain[2]);
        String[] noChunk = PipelineAndApiTest.run("sample", "--run", run.toString(), "--from-png",
                Files.list(run.getParent().resolve("ds/test/red")).findFirst().orElseThrow().toString());
        assertEquals("2", noChunk[0]);
        assertTrue(noChunk[2].contains("has no 'ldm4j' settings chunk"), noChunk[2]);
        String[] mixed = PipelineAndApiTest.run("sample", "--run", run.toString(), "--from-png", grid.toString(), "--steps", "9");
        assertEquals("2", mixed[0]);
        assertTrue(mixed[2].contains("--from-png takes every setting from the file"), mixed[2]);
    }
}
