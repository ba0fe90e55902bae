package ldm4j.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import ldm4j.io.npz.NpzReader;
import ldm4j.torch.ImageGrid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** {@code sample --npz} on the tiny run: an ADM batch with balanced labels, the same pixels as {@code sample}, and clean refusals. */
@Tag("slow") // child processes or a trained run: left out of ./mvnw test -Pfast
class SampleNpzCliTest {
    @TempDir
    Path tmp;

    @Test
    void writesABalancedBatchWithTheSamePixelsAsThePngPath() throws Exception {
        Path run = TinyRun.shared();
        Path npz = tmp.resolve("s.npz");
        String[] r = TinyRun.cli("sample", "--run", run.toString(), "--npz", npz.toString(), "--n", "7", "--steps", "2",
                "--batch", "3", "--seed", "5");
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(Files.isRegularFile(npz.resolveSibling("s.npz.json")));
        byte[] pixels;
        try (NpzReader f = NpzReader.open(npz)) {
            assertArrayEquals(new long[]{7, 16, 16, 3}, f.imageBatch("arr_0").shape());
            assertArrayEquals(new long[]{0, 1, 2, 0, 1, 2, 0}, f.longs("arr_1"));
            try (InputStream in = f.data("arr_0")) {
                pixels = in.readAllBytes();
            }
        }
        // image 0 (class 0) again through the in-memory sampler with the same request: same bytes
        try (ldm4j.LatentDiffusion ldm = ldm4j.LatentDiffusion.load(run)) {
            SampleRequest req = new SampleRequest(List.of(0, 1, 2, 0, 1, 2, 0), ldm.defaults().sampler(), 2,
                    ldm.defaults().cfg(), ldm.defaults().eta(), ldm.defaults().spacing(), 5, 3);
            LatentSampler.Images im = ldm.sampler().generate(req, 0, 3, SampleListener.batches(n -> { }));
            int plane = 16 * 16;
            for (int p = 0; p < plane; p++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(ImageGrid.toByte(im.chw()[c * plane + p]), pixels[p * 3 + c] & 0xff, "pixel " + p + "," + c);
                }
            }
        }
        String[] again = TinyRun.cli("sample", "--run", run.toString(), "--npz", npz.toString(), "--n", "7");
        assertEquals("2", again[0]);
        assertTrue(again[2].contains("already exists"), again[2]);
        String[] noN = TinyRun.cli("sample", "--run", run.toString(), "--npz", tmp.resolve("t.npz").toString());
        assertEquals("2", noN[0]);
        assertTrue(noN[2].contains("--npz needs --n"), noN[2]);
    }

    @Test
    void evalWithoutInceptionWeightsSaysInOneLineWhereToGetThem() {
        Path run = TinyRun.shared();
        String[] r = TinyRun.cli("eval", "--run", run.toString(), "--features", "inception", "--inception",
                tmp.resolve("missing.npz").toString(), "--ref-data", "x");
        assertEquals("2", r[0], r[1] + r[2]);
        String error = r[2].lines().filter(l -> l.startsWith("ldm4j: error:")).findFirst().orElse("");
        assertTrue(error.contains("pt_inception-2015-12-05-6726825d.pth") && error.contains("np.savez"), r[2]);
    }
}
