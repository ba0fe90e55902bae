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

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import ldm4j.LatentDiffusion;
import ldm4j.io.PngText;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sampling commands on a 256-px run (f = 8, 4x32x32 latents) with ImageNet class folders: class names from
 * the bundled table, {@code --from-png} regenerates an image, SDEdit from a 256-px or a differently sized
 * picture, interpolation between two seeds.
 */
@Tag("slow") // a training run: left out of ./mvnw test -Pfast
class Sampling256Test {
    @TempDir
    static Path dir;
    static Path run;
    static LatentDiffusion ldm;

    @BeforeAll
    static void load() {
        run = TinyRun.shared256();
        ldm = LatentDiffusion.load(run, "cpu", "fp32", null);
    }

    @AfterAll
    static void close() {
        ldm.close();
    }

    static SampleRequest plain(List<Integer> classes, long seed) {
        return new SampleRequest(classes, "ddim", 2, 3.0, 0.0, "auto", seed, classes.size());
    }

    @Test
    void theRunIs256PxWith32x32LatentsAndImagenetClassNames() {
        assertEquals(256, ldm.model().resolution());
        assertEquals(List.of("robin (n01558993)", "bullfrog (n01641577)", "golden retriever (n02099601)"), ldm.classes());
        assertEquals(0, ldm.classIndex("robin"));
        assertEquals(2, ldm.classIndex("n02099601"));
        float[] chw = ldm.sampler().generate(plain(List.of(1), 5), k -> { }).chw();
        assertEquals(3 * 256 * 256, chw.length, "one 3x256x256 image");
    }

    @Test
    void fromPngRegeneratesA256PxImagePixelForPixel() throws Exception {
        Path grid = dir.resolve("p/grid.png");
        String[] r = TinyRun.cli("sample", "--run", run.toString(), "--class", "robin", "--class", "bullfrog", "--n", "1",
                "--seed", "11", "--steps", "2", "--out", grid.toString(), "--individual", dir.resolve("p/ind").toString());
        assertEquals("0", r[0], r[1] + r[2]);
        Path one;
        try (var files = Files.list(dir.resolve("p/ind"))) {
            one = files.filter(f -> f.getFileName().toString().startsWith("robin")).sorted().findFirst().orElseThrow();
        }
        BufferedImage img = ImageIO.read(one.toFile());
        assertEquals(256, img.getWidth());
        assertEquals(256, img.getHeight());
        String params = PngText.read(one).get("parameters");
        assertTrue(params.startsWith("class: robin (n01558993)\n") && params.contains("Size: 256x256"), params);
        for (Path f : List.of(one, grid)) {
            String[] again = TinyRun.cli("sample", "--run", run.toString(), "--from-png", f.toString());
            assertEquals("0", again[0], again[1] + again[2]);
            assertTrue(again[1].contains("pixel-identical to " + f), again[1]);
        }
    }

    @Test
    void sdeditStartsFromA256PxPictureAndResizesAnyOtherSize() throws Exception {
        Path picture;
        try (var files = Files.list(run.getParent().resolve("ds/val/n01558993"))) {
            picture = files.sorted().findFirst().orElseThrow();
        }
        BufferedImage image = ImageIO.read(picture.toFile());
        assertEquals(256, image.getWidth());
        Path out = dir.resolve("sdedit/out.png");
        String[] r = TinyRun.cli("sample", "--run", run.toString(), "--init", picture.toString(), "--strength", "0.5",
                "--class", "robin", "--n", "2", "--steps", "2", "--out", out.toString(),
                "--individual", dir.resolve("sdedit/ind").toString());
        assertEquals("0", r[0], r[1] + r[2]);
        Path first;
        try (var files = Files.list(dir.resolve("sdedit/ind"))) {
            first = files.sorted().findFirst().orElseThrow();
        }
        assertEquals(256, ImageIO.read(first.toFile()).getWidth());
        assertTrue(PngText.read(first).get("parameters").contains("Denoising strength: 0.5"));

        // a 64x48 picture is resized (bicubic, stretched) to 256x256 before encoding, as the option's help says
        BufferedImage small = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        small.getGraphics().drawImage(image, 0, 0, 64, 48, null);
        Path smallFile = dir.resolve("small.png");
        ImageIO.write(small, "png", smallFile.toFile());
        SampleRequest.InitImage init = InitImages.read(smallFile, 0.5, 256, 256, ldm.model().config().data().maxPixels());
        assertEquals(256, init.height());
        assertEquals(256, init.width());
        assertEquals(3 * 256 * 256, init.chw().length);
        Path fromSmall = dir.resolve("sdedit/small-out.png");
        String[] s = TinyRun.cli("sample", "--run", run.toString(), "--init", smallFile.toString(), "--strength", "0.5",
                "--class", "robin", "--n", "1", "--steps", "2", "--out", fromSmall.toString());
        assertEquals("0", s[0], s[1] + s[2]);
        BufferedImage result = ImageIO.read(fromSmall.toFile());
        assertEquals(256 + 2 * 2, result.getWidth(), "a grid of one 256-px image, 2-px border");
        assertEquals(256 + 2 * 2, result.getHeight());

        // a picture declaring more pixels than data.maxPixels: one line, before decoding, nothing written
        Path bomb = Files.write(dir.resolve("bomb.png"), PngBomb.of(10_000));
        Path notWritten = dir.resolve("sdedit/bomb-out.png");
        String[] b = TinyRun.cli("sample", "--run", run.toString(), "--init", bomb.toString(), "--class", "robin", "--n", "1",
                "--steps", "2", "--out", notWritten.toString());
        assertEquals("2", b[0], b[1] + b[2]);
        assertTrue(b[2].contains("ldm4j: error: --init " + bomb + " declares 10000x10000 = 100,000,000 pixels, above"
                + " data.maxPixels"), b[2]);
        assertFalse(Files.exists(notWritten));

        // strength 1 ignores the picture: plain sampling with that seed, at 256 px as at 16
        float[] plain = ldm.sampler().generate(plain(List.of(0), 4), k -> { }).chw();
        float[] ignored = ldm.sampler().generate(plain(List.of(0), 4).withInit(InitImages.of(image, 1.0, 256, 256)), k -> { }).chw();
        assertArrayEquals(plain, ignored);
    }

    @Test
    void interpolationBetweenTwoSeedsAt256Px() throws Exception {
        int frames = 3;
        LatentSampler.Images strip = ldm.sampler().generate(plain(Collections.nCopies(frames, 0), 3)
                .withInterpolation(new SampleRequest.Interpolation(0, 4, 0, 2)), k -> { });
        int per = 3 * 256 * 256;
        assertEquals(frames * per, strip.chw().length);
        float[] a = ldm.sampler().generate(plain(List.of(0), 3), k -> { }).chw();
        float[] b = ldm.sampler().generate(plain(List.of(2), 4), k -> { }).chw();
        assertTrue(maxDiff(a, Arrays.copyOfRange(strip.chw(), 0, per)) < 1e-3, "frame 0: seed 3, robin");
        assertTrue(maxDiff(b, Arrays.copyOfRange(strip.chw(), (frames - 1) * per, frames * per)) < 1e-3,
                "last frame: seed 4, golden retriever");
        assertFalse(Arrays.equals(a, Arrays.copyOfRange(strip.chw(), per, 2 * per)), "the middle frame is neither");

        Path out = dir.resolve("lerp/strip.png");
        String[] r = TinyRun.cli("sample", "--run", run.toString(), "--interpolate", "3,4", "--frames", "3", "--steps", "2",
                "--class", "robin", "--class", "golden retriever", "--out", out.toString());
        assertEquals("0", r[0], r[1] + r[2]);
        BufferedImage png = ImageIO.read(out.toFile());
        assertEquals(3 * 256 + 4 * 2, png.getWidth(), "one row of 3 frames");
        try (ImageInputStream in = ImageIO.createImageInputStream(dir.resolve("lerp/strip.gif").toFile())) {
            ImageReader reader = ImageIO.getImageReaders(in).next();
            reader.setInput(in);
            assertEquals(3, reader.getNumImages(true), "animated GIF with every frame");
            assertEquals(256, reader.getWidth(0));
        }
    }

    static float maxDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
