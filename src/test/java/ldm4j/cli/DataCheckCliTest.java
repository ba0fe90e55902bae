package ldm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import ldm4j.data.SyntheticData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code data} decodes every image of both splits and reports every bad file at once. */
class DataCheckCliTest {

    @Test
    void threeDifferentBadFilesAreAllReported(@TempDir Path dir) throws Exception {
        Path ds = SyntheticData.mixedFolder(dir.resolve("ds"), List.of("train", "test"), List.of("a", "b"), 4);
        Path empty = Files.write(ds.resolve("test/a/zero.png"), new byte[0]);
        byte[] jpeg = Files.readAllBytes(ds.resolve("train/a/000-rgb.png").resolveSibling("000-rgb.png"));
        Path truncated = Files.write(ds.resolve("train/b/cut.png"), Arrays.copyOf(jpeg, jpeg.length / 3));
        Path bomb = Files.write(ds.resolve("train/a/bomb.png"), SyntheticData.pngDeclaring(20000, 20000));
        CliTest.Result r = CliTest.run("data", "--data", "folder:" + ds, "--set", "data.workers=2", "--set", "data.resolution=128");
        assertEquals(2, r.code(), r.out() + r.err());
        System.out.println("data --check on a folder with bad files:\n" + r.out() + r.err());
        List<String> bad = r.err().lines().filter(l -> l.startsWith("bad image: ")).toList();
        assertEquals(3, bad.size(), r.err());
        assertTrue(r.err().contains("bad image: " + empty + " is empty (0 bytes)"), r.err());
        assertTrue(r.err().contains("bad image: " + truncated + " is not a readable PNG/JPEG image"), r.err());
        assertTrue(r.err().contains("bad image: " + bomb + " declares 20000x20000"), r.err());
        assertTrue(r.err().strip().endsWith("ldm4j: error: 3 bad images in folder:" + ds
                + " (listed above): replace or remove them, then run 'bin/ldm4j data' again"), r.err());
        assertTrue(r.out().contains("train: 10 images decoded"), r.out());
        assertTrue(r.out().contains("sizes: width 90..300 (median 90), height 120..200 (median 120); 8 of 8 not square"), r.out());
        assertTrue(r.out().contains("4 with a short side below 128 px (upscaled)"), r.out());
        assertFalse(r.err().contains("at ldm4j"), "no stack trace");
    }

    @Test
    void quickSkipsDecodingAndAGoodFolderPasses(@TempDir Path dir) throws Exception {
        Path ds = SyntheticData.mixedFolder(dir.resolve("ds"), List.of("train", "test"), List.of("a", "b", "c"), 2);
        CliTest.Result ok = CliTest.run("data", "--data", "folder:" + ds, "--set", "data.resolution=128");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("train: 6 images decoded"), ok.out());
        assertTrue(ok.out().contains("0 bad"), ok.out());
        assertTrue(ok.out().contains("3 with a short side below 128 px"), ok.out());
        Files.write(ds.resolve("test/a/zero.png"), new byte[0]);
        CliTest.Result quick = CliTest.run("data", "--data", "folder:" + ds, "--quick");
        assertEquals(0, quick.code(), quick.err());
        assertTrue(quick.out().contains("not decoded: --quick"), quick.out());
    }

    @Test
    void dataChecksOnlyDataSettings(@TempDir Path dir) throws Exception {
        Path ds = SyntheticData.mixedFolder(dir.resolve("ds"), List.of("train", "test"), List.of("a", "b"), 2);
        // 256 px: the tiny preset's UNet attention sizes do not fit this resolution, which only training checks
        CliTest.Result r = CliTest.run("data", "--data", "folder:" + ds, "--set", "data.resolution=256", "--quick",
                "--set", "data.crop=adm");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("transform: ADM center crop to 256x256"), r.out());
        CliTest.Result bench = CliTest.run("bench", "data", "--data", "folder:" + ds, "--set", "data.resolution=256", "--set", "data.crop=adm",
                "--set", "data.workers=1", "--batch", "2", "--steps", "1", "--warmup", "0");
        assertEquals(0, bench.code(), bench.out() + bench.err());
        assertTrue(bench.out().contains("data 256px adm"), bench.out());
        CliTest.Result bad = CliTest.run("data", "--data", "folder:" + ds, "--set", "data.resolution=250", "--quick");
        assertEquals(2, bad.code(), bad.out() + bad.err());
        assertTrue(bad.err().contains("data.resolution = 250"), bad.err());
    }

    @Test
    void unconditionalFolderIsOneClass(@TempDir Path dir) throws Exception {
        Path ds = SyntheticData.mixedFolder(dir.resolve("ds"), List.of(""), List.of(""), 5);
        CliTest.Result r = CliTest.run("data", "--data", "folder:" + ds);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("classes 1: unconditional"), r.out());
        assertTrue(r.out().contains("trains an unconditional model"), r.out());
        Files.createDirectories(ds.resolve("cats"));
        CliTest.Result mixed = CliTest.run("data", "--data", "folder:" + ds);
        assertEquals(2, mixed.code());
        assertTrue(mixed.err().contains("holds both image files and folders [cats]"), mixed.err());
    }
}
