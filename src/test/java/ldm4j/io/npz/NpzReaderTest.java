package ldm4j.io.npz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import ldm4j.io.DType;
import ldm4j.io.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** .npz files written by numpy.savez / savez_compressed (scripts/fixtures/make_npz_fixtures.py) and malformed ones. */
class NpzReaderTest {
    @TempDir
    Path tmp;

    static Path fixture(String name) throws Exception {
        return Path.of(NpzReaderTest.class.getResource("/fixtures/npz/" + name).toURI());
    }

    @ParameterizedTest
    @ValueSource(strings = {"python_written.npz", "python_written_compressed.npz"})
    void readsWhatNumpyWrote(String name) throws Exception {
        try (NpzReader r = NpzReader.open(fixture(name))) {
            assertEquals(List.of("mu", "sigma", "mu_s", "sigma_s", "arr_0", "arr_1"), r.names());
            assertArrayEquals(new double[]{-1, -0.5, 0, 0.5}, r.doubles("mu"));
            double[] sigma = r.doubles("sigma");
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    assertEquals(i + 10 * j + 0.25, sigma[i * 4 + j]);
                }
            }
            assertEquals(DType.F32, r.header("mu_s").dtype());
            assertArrayEquals(new double[]{1.5, -2.25, 3}, r.doubles("mu_s"));
            assertArrayEquals(new long[]{1, 1}, r.header("sigma_s").shape());
            assertArrayEquals(new long[]{2, 3, 2, 3}, r.imageBatch("arr_0").shape());
            byte[] px;
            try (InputStream in = r.data("arr_0")) {
                px = in.readAllBytes();
            }
            for (int n = 0; n < 2; n++) {
                for (int y = 0; y < 3; y++) {
                    for (int x = 0; x < 2; x++) {
                        for (int c = 0; c < 3; c++) {
                            assertEquals((31 * n + 7 * y + 3 * x + 50 * c) % 256, px[((n * 3 + y) * 2 + x) * 3 + c] & 0xff);
                        }
                    }
                }
            }
            assertArrayEquals(new long[]{2, 0}, r.longs("arr_1"));
            FormatException e = assertThrows(FormatException.class, () -> r.doubles("mu_x"));
            assertTrue(e.getMessage().contains("has no array 'mu_x'"), e.getMessage());
            assertThrows(FormatException.class, () -> r.imageBatch("sigma"));
        }
    }

    @Test
    void headersRoundTripAsNumpyWritesThem() {
        byte[] h = new NpyHeader(DType.U8, new long[]{50000, 256, 256, 3}).encode();
        assertEquals(0, h.length % 64);
        String dict = new String(h, 10, h.length - 10, StandardCharsets.US_ASCII);
        assertTrue(dict.startsWith("{'descr': '|u1', 'fortran_order': False, 'shape': (50000, 256, 256, 3), }"), dict);
        assertTrue(dict.endsWith(" \n"));
        NpyHeader one = NpyHeader.decode(ByteBuffer.wrap(new NpyHeader(DType.I64, new long[]{7}).encode()));
        assertArrayEquals(new long[]{7}, one.shape());
        assertEquals(DType.I64, one.dtype());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }",
            "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }",
            "{'descr': '<c16', 'fortran_order': False, 'shape': (2, 2), }",
            "{'descr': 'O', 'fortran_order': False, 'shape': (2,), }",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 2), }",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }",
            "__import__('os')"})
    void refusesHeadersItCannotRead(String dict) {
        assertThrows(IllegalArgumentException.class, () -> NpyHeader.parse(dict));
    }

    @Test
    void refusesAnEntryWhoseSizeDisagreesWithItsHeaderAndANonZip() throws Exception {
        Path bad = tmp.resolve("bad.npz");
        byte[] header = new NpyHeader(DType.F64, new long[]{3}).encode();
        StoredZip zip = new StoredZip(List.of("mu.npy"), new long[]{header.length + 16}, false);   // 2 of 3 doubles
        ByteBuffer all = ByteBuffer.allocate((int) zip.fileSize());
        all.put(zip.localHeader(0, 0)).put(header).put(new byte[16]).put(zip.centralDirectory(new int[]{0}));
        Files.write(bad, all.array());
        FormatException e = assertThrows(FormatException.class, () -> NpzReader.open(bad));
        assertTrue(e.getMessage().contains("mu.npy holds"), e.getMessage());
        Path text = tmp.resolve("text.npz");
        Files.writeString(text, "not a zip");
        assertThrows(FormatException.class, () -> NpzReader.open(text));
    }
}
