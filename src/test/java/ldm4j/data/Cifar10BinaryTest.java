package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("slow") // full-size CIFAR-10 archives (60,000 images): left out of ./mvnw test -Pfast
class Cifar10BinaryTest {

    @TempDir
    static Path shared;
    static Path tarball;

    @BeforeAll
    static void makeTarball() throws IOException {
        tarball = SyntheticData.cifarTarball(shared);
    }

    @Test
    void readsOfficialTarballLayout() {
        Splits s = Cifar10Binary.open(tarball, "cifar10:" + tarball);
        assertEquals(50_000, s.train().size());
        assertEquals(10_000, s.requireTest().size());
        assertEquals(Cifar10.CLASSES, s.classes());
        int[] counts = s.train().countsPerClass();
        assertArrayEquals(new int[]{5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000}, counts);
        // record 3 of data_batch_2 (offset 1): label 4
        int i = 10_000 + 3;
        assertEquals(4, s.train().label(i));
        RawImage img = s.train().load(i);
        assertEquals(32, img.height());
        assertEquals(32, img.width());
        assertEquals((byte) 255, img.planes()[0]);
        assertEquals(SyntheticData.pixel(4, 0, 3), img.planes()[1]);
        assertEquals(SyntheticData.pixel(4, 1, 3), img.planes()[1024 + 5]);
        assertEquals(SyntheticData.pixel(4, 2, 3), img.planes()[2048 + 1023]);
        // test batch has offset 7
        assertEquals(7, s.requireTest().label(0));
    }

    @Test
    void readsExtractedFolderAndItsParent(@TempDir Path dir) throws IOException {
        Path folder = SyntheticData.cifarFolder(dir);
        Splits a = Cifar10Binary.open(folder, "x");
        Splits b = Cifar10Binary.open(dir, "x");
        assertEquals(50_000, a.train().size());
        assertArrayEquals(a.train().load(12345).planes(), b.train().load(12345).planes());
        assertEquals(a.train().label(777), b.train().label(777));
    }

    @Test
    void truncatedBatchInFolderIsNamed(@TempDir Path dir) throws IOException {
        Path folder = SyntheticData.cifarFolder(dir);
        Path f = folder.resolve("data_batch_3.bin");
        Files.write(f, Arrays.copyOf(Files.readAllBytes(f), 12_345));
        DataException e = assertThrows(DataException.class, () -> Cifar10Binary.open(folder, "x"));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("12345 bytes, expected 30730000"), e.getMessage());
    }

    @Test
    void wrongSizedBatchInTarballIsNamed(@TempDir Path dir) throws IOException {
        Path t = dir.resolve("bad.tar.gz");
        try (OutputStream out = Files.newOutputStream(t);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
            byte[] data = new byte[Cifar10.RECORD_BYTES * 9_999];
            TarArchiveEntry e = new TarArchiveEntry(Cifar10.FOLDER + "/data_batch_1.bin");
            e.setSize(data.length);
            tar.putArchiveEntry(e);
            tar.write(data);
            tar.closeArchiveEntry();
        }
        DataException e = assertThrows(DataException.class, () -> Cifar10Binary.open(t, "x"));
        assertTrue(e.getMessage().contains("bad.tar.gz!cifar-10-batches-bin/data_batch_1.bin"), e.getMessage());
        assertTrue(e.getMessage().contains("expected 30730000"), e.getMessage());
    }

    @Test
    void truncatedTarballIsReported(@TempDir Path dir) throws IOException {
        Path t = dir.resolve("cut.tar.gz");
        byte[] all = Files.readAllBytes(tarball);
        Files.write(t, Arrays.copyOf(all, all.length / 2));
        DataException e = assertThrows(DataException.class, () -> Cifar10Binary.open(t, "x"));
        assertTrue(e.getMessage().contains("cut.tar.gz"), e.getMessage());
        assertTrue(!e.getMessage().contains("(null)") && e.getMessage().contains("it ends too early"), e.getMessage());
    }

    @Test
    void badLabelIsReported(@TempDir Path dir) throws IOException {
        Path folder = SyntheticData.cifarFolder(dir);
        Path f = folder.resolve("test_batch.bin");
        byte[] b = Files.readAllBytes(f);
        b[5 * Cifar10.RECORD_BYTES] = 42;
        Files.write(f, b);
        DataException e = assertThrows(DataException.class, () -> Cifar10Binary.open(folder, "x"));
        assertTrue(e.getMessage().contains("record 5 has label 42"), e.getMessage());
    }

    @Test
    void notATarballAndMissingPath(@TempDir Path dir) throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.tar.gz"), "hello");
        DataException e = assertThrows(DataException.class, () -> Cifar10Binary.open(junk, "x"));
        assertTrue(e.getMessage().startsWith(junk + " is not a readable tar.gz"), e.getMessage());
        Path none = dir.resolve("nope");
        DataException e2 = assertThrows(DataException.class, () -> Cifar10Binary.open(none, "x"));
        assertTrue(e2.getMessage().startsWith(none + " does not exist"), e2.getMessage());
    }

    @Test
    void missingBatchInFolderIsNamed(@TempDir Path dir) throws IOException {
        Path folder = SyntheticData.cifarFolder(dir);
        Files.delete(folder.resolve("data_batch_5.bin"));
        DataException e = assertThrows(DataException.class, () -> Cifar10Binary.open(folder, "x"));
        assertTrue(e.getMessage().contains("data_batch_5.bin is missing"), e.getMessage());
    }
}
