package ldm4j.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.BitSet;
import java.util.List;
import java.util.zip.ZipFile;

import ldm4j.LdmException;
import ldm4j.distributed.Collective;
import ldm4j.io.npz.NpzReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADM sample batches written batch by batch in any order, resumed, finished, and read back; the
 * committed fixtures {@code fixtures/npz/java_written*.npz} are this writer's output, which
 * scripts/fixtures/make_npz_fixtures.py checks with numpy.load (regenerate them with
 * {@code -Dldm4j.updateFixtures=true -Dtest=NpzSampleBatchTest#writesTheCommittedFixturesByteForByte}).
 *
 * <p>Fixture content: 5 images of 3 x 2 in batches of 2, pixel (i, y, x, c) = (31 i + 7 y + 3 x + 50 c) mod 256,
 * labels 0, 1, 2, 0, 1 (three classes, balanced).
 */
class NpzSampleBatchTest {
    static final int N = 5;
    static final int H = 3;
    static final int W = 2;
    static final int B = 2;

    @TempDir
    Path tmp;

    static int pixel(int i, int y, int x, int c) {
        return (31 * i + 7 * y + 3 * x + 50 * c) % 256;
    }

    /** Batch j's images as the sampler returns them: CHW floats in [-1, 1] that round to {@link #pixel}. */
    static LatentSampler.Images images(NpzSampleBatch f, int j) {
        int n = f.endImage(j) - f.firstImage(j);
        float[] chw = new float[n * 3 * H * W];
        for (int k = 0; k < n; k++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        chw[((k * 3 + c) * H + y) * W + x] = pixel(f.firstImage(j) + k, y, x, c) / 127.5f - 1f;
                    }
                }
            }
        }
        return new LatentSampler.Images(chw, n, H, W);
    }

    static long[] labels() {
        return NpzSampleBatch.balancedLabels(List.of(0, 1, 2), N);
    }

    static void writeAll(Path file, boolean zip64) {
        NpzSampleBatch f = new NpzSampleBatch(file, N, H, W, B, zip64);
        BitSet done = f.prepare("{}", labels(), Collective.single());
        for (int j : f.share(done, Collective.single())) {
            f.writeBatch(j, images(f, j), 0);
        }
        f.finish(b -> { });
    }

    static void checkContent(Path file) throws Exception {
        try (NpzReader r = NpzReader.open(file)) {
            assertEquals(List.of("arr_0", "arr_1"), r.names());
            assertArrayEquals(new long[]{N, H, W, 3}, r.imageBatch("arr_0").shape());
            byte[] got;
            try (InputStream in = r.data("arr_0")) {
                got = in.readAllBytes();
            }
            assertEquals(N * H * W * 3, got.length);
            for (int i = 0; i < N; i++) {
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        for (int c = 0; c < 3; c++) {
                            assertEquals(pixel(i, y, x, c), got[((i * H + y) * W + x) * 3 + c] & 0xff, "pixel " + i + "," + y + "," + x + "," + c);
                        }
                    }
                }
            }
            assertArrayEquals(new long[]{0, 1, 2, 0, 1}, r.longs("arr_1"));
        }
        try (ZipFile z = new ZipFile(file.toFile())) {                      // java.util.zip checks the CRC-32s on a full read
            for (String name : List.of("arr_0.npy", "arr_1.npy")) {
                try (InputStream in = z.getInputStream(z.getEntry(name))) {
                    in.readAllBytes();
                }
            }
        }
    }

    @Test
    void writesBatchesInAnyOrderAndResumesAnInterruptedFile() throws Exception {
        Path file = tmp.resolve("samples.npz");
        NpzSampleBatch f = new NpzSampleBatch(file, N, H, W, B, false);
        BitSet done = f.prepare("{\"cfg\": 2}", labels(), Collective.single());
        assertTrue(done.isEmpty());
        f.writeBatch(2, images(f, 2), 0);                                   // the last batch first
        f.writeBatch(0, images(f, 0), 1);                                   // another rank's log
        assertFalse(Files.exists(file), "nothing at FILE before it is finished");

        NpzSampleBatch again = new NpzSampleBatch(file, N, H, W, B, false);
        BitSet resumed = again.prepare("{\"cfg\": 2}", labels(), Collective.single());
        assertEquals(BitSet.valueOf(new long[]{0b101}), resumed);
        assertEquals(List.of(1), again.share(resumed, Collective.single()));
        again.writeBatch(1, images(again, 1), 0);
        again.finish(b -> { });
        checkContent(file);
        assertFalse(Files.exists(again.partial()));
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(file), files.toList(), "no .partial, .json or .done left behind");
        }
    }

    @Test
    void forcedZip64IsReadToo() throws Exception {
        Path file = tmp.resolve("z64.npz");
        writeAll(file, true);
        checkContent(file);
    }

    @Test
    void refusesToResumeWithOtherSettings() {
        Path file = tmp.resolve("samples.npz");
        NpzSampleBatch f = new NpzSampleBatch(file, N, H, W, B, false);
        f.prepare("{\"cfg\": 2}", labels(), Collective.single());
        LdmException e = assertThrows(LdmException.class,
                () -> new NpzSampleBatch(file, N, H, W, B, false).prepare("{\"cfg\": 3}", labels(), Collective.single()));
        assertTrue(e.getMessage().contains("other settings"), e.getMessage());
    }

    @Test
    void dealsTheMissingBatchesRoundRobin() {
        NpzSampleBatch f = new NpzSampleBatch(tmp.resolve("s.npz"), 11, H, W, 2, false);   // 6 batches
        BitSet done = new BitSet();
        done.set(1);
        done.set(4);
        assertEquals(List.of(0, 3), f.share(done, FakeRanks.of(0, 2)));
        assertEquals(List.of(2, 5), f.share(done, FakeRanks.of(1, 2)));
    }

    @Test
    void writesTheCommittedFixturesByteForByte() throws Exception {
        for (boolean zip64 : new boolean[]{false, true}) {
            String name = zip64 ? "java_written_zip64.npz" : "java_written.npz";
            Path file = tmp.resolve(name);
            writeAll(file, zip64);
            Path source = Path.of("src/test/resources/fixtures/npz", name);
            if (Boolean.getBoolean("ldm4j.updateFixtures")) {
                Files.copy(file, source, StandardCopyOption.REPLACE_EXISTING);
            }
            URL url = getClass().getResource("/fixtures/npz/" + name);
            assertTrue(url != null, "missing fixture " + name + "; see scripts/fixtures/make_npz_fixtures.py");
            assertArrayEquals(Files.readAllBytes(Path.of(url.toURI())), Files.readAllBytes(file), name);
        }
    }
}
