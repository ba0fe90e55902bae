package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WebDataset shards: pattern expansion, writing and reading, splitting across ranks and workers, exact resume, damage. */
class WdsStreamTest {
    static final ImageDecoder DECODER = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);

    @TempDir
    Path dir;

    @Test
    void braceRangesAndLists() {
        assertEquals(List.of("a-000008.tar", "a-000009.tar", "a-000010.tar"), ShardPattern.expand("a-{000008..000010}.tar"));
        assertEquals(List.of("x/t-1.tar", "x/t-7.tar"), ShardPattern.expand("x/t-{1,7}.tar"));
        assertEquals(List.of("s0-a", "s0-b", "s1-a", "s1-b"), ShardPattern.expand("s{0..1}-{a,b}"));
        assertEquals(List.of("plain.tar"), ShardPattern.expand("plain.tar"));
        DataException e = assertThrows(DataException.class, () -> ShardPattern.expand("t-{5..2}.tar"));
        assertTrue(e.getMessage().contains("runs backwards"), e.getMessage());
        assertThrows(DataException.class, () -> ShardPattern.expand("t-{0..9.tar"));
        assertThrows(DataException.class, () -> ShardPattern.expand("t-{0..99999999}.tar"));
    }

    /** 4 classes x 5 images = 20 samples written 3 per shard: 7 shards (the last holds 2). */
    private WdsData shards() throws IOException {
        Path folder = SyntheticData.imageFolder(dir.resolve("src"), List.of(""), List.of("a", "b", "c", "d"), 5, 6);
        ImageDataset ds = ImageFolder.open(folder, "folder:src").train();
        List<Path> written = ShardWriter.write(ds, dir.resolve("shards"), "train", 3, s -> { });
        assertEquals(7, written.size());
        return WdsData.open(dir.resolve("shards") + "/train-{000000..000006}.tar");
    }

    @Test
    void writtenShardsReadBackInOrderAndAreDeterministic() throws IOException {
        WdsData data = shards();
        assertEquals(List.of("a", "b", "c", "d"), data.classes());
        List<Integer> labels = new ArrayList<>();
        for (Path p : data.shards()) {
            try (TarSamples t = new TarSamples(p, 4)) {
                TarSamples.Sample s;
                while ((s = t.next()) != null) {
                    assertEquals(String.format("%09d", labels.size()), s.key());
                    assertEquals("png", s.imageExt());
                    labels.add(s.label());
                }
            }
        }
        assertEquals(20, labels.size());
        assertEquals(List.of(0, 0, 0, 0, 0, 1), labels.subList(0, 6));
        byte[] first = Files.readAllBytes(data.shards().get(0));
        ShardWriter.write(ImageFolder.open(dir.resolve("src"), "x").train(), dir.resolve("again"), "train", 3, s -> { });
        assertArrayEquals(first, Files.readAllBytes(dir.resolve("again/train-000000.tar")));
        assertEquals(0, first.length % 512);
        assertEquals("ustar", new String(first, 257, 5, StandardCharsets.US_ASCII)); // POSIX magic
    }

    @Test
    void ranksAndWorkersSeeEverySampleOncePerEpoch() throws IOException {
        WdsData data = shards();
        for (int epoch = 0; epoch < 3; epoch++) {
            Set<String> seen = new HashSet<>();
            int total = 0;
            for (int rank = 0; rank < 2; rank++) {
                WdsStream s = stream(data, 4, rank, 2, 2, 5);
                for (int w = 0; w < 2; w++) {
                    try (WdsStream.WorkerStream ws = s.new WorkerStream(epoch, w)) {
                        WdsStream.Raw r;
                        while ((r = ws.next()) != null) {
                            seen.add(r.sample().key());
                            total++;
                        }
                    }
                }
            }
            assertEquals(20, total, "epoch " + epoch);
            assertEquals(20, seen.size(), "epoch " + epoch);
        }
        WdsStream one = stream(data, 4, 0, 1, 1, 5);
        assertTrue(!one.shardsOf(0, 0).equals(one.shardsOf(1, 0)), "shard order changes with the epoch");
    }

    @Test
    void resumeAtASamplePositionGivesTheUninterruptedBatches() throws IOException {
        WdsData data = shards();
        WdsStream s = stream(data, 4, 0, 1, 2, 6);
        List<Batch> all = new ArrayList<>();
        try (WdsStream.Epoch e = s.epoch(1, 0)) {
            e.forEachRemaining(all::add);
        }
        assertEquals(5, all.size());
        List<Batch> resumed = new ArrayList<>();
        try (WdsStream.Epoch e = s.epoch(1, 8)) { // after two batches of 4
            e.forEachRemaining(resumed::add);
        }
        assertEquals(3, resumed.size());
        for (int k = 0; k < 3; k++) {
            Batch a = all.get(k + 2);
            Batch b = resumed.get(k);
            assertEquals(a.index(), b.index());
            assertArrayEquals(a.labels(), b.labels(), "batch " + a.index());
            assertArrayEquals(a.images(), b.images(), "batch " + a.index());
            assertArrayEquals(a.indices(), b.indices());
        }
        // the buffer really shuffles: not the written order
        long[] order = Arrays.stream(all.toArray(new Batch[0])).flatMapToLong(b -> Arrays.stream(b.labels())).toArray();
        assertTrue(!Arrays.equals(order, new long[]{0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3}));
    }

    private static WdsStream stream(WdsData d, int batch, int rank, int world, int workers, int buffer) {
        return new WdsStream(d.shards(), d.classes().size(), new Transform(8, "bicubic", "adm"), DECODER, batch, 7L, rank,
                world, workers, buffer, true, 4);
    }

    @Test
    void damagedShardsAreOneLineErrorsNamingShardAndMember() throws IOException {
        WdsData data = shards();
        byte[] whole = Files.readAllBytes(data.shards().get(1));
        Path cut = Files.write(dir.resolve("cut.tar"), Arrays.copyOf(whole, 512 + 40)); // header + part of the ~80-byte PNG
        assertDamaged(cut, 4, "shard " + cut + " member 000000003.png is cut short");
        Path cutHeader = Files.write(dir.resolve("cuthead.tar"), Arrays.copyOf(whole, 1024 + 200));
        assertDamaged(cutHeader, 4, "shard " + cutHeader + " is truncated after member 000000003.png");
        Path noLabel = tar("nolabel.tar", "k1.jpg", new byte[]{1}, "k2.jpg", new byte[]{1}, "k2.cls", "0".getBytes());
        assertDamaged(noLabel, 4, "shard " + noLabel + " member k1.jpg has no .cls label member");
        Path range = tar("range.tar", "k1.png", new byte[]{1}, "k1.cls", "4".getBytes());
        assertDamaged(range, 4, "shard " + range + " member k1.cls holds label 4, outside 0..3");
        Path junk = tar("junk.tar", "k1.png", new byte[]{1, 2, 3}, "k1.cls", "1".getBytes());
        WdsStream s = new WdsStream(List.of(junk), 4, new Transform(8, "bicubic", "adm"), DECODER, 1, 0, 0, 1, 1, 1,
                false, 1);
        DataException e = assertThrows(DataException.class, () -> {
            try (WdsStream.Epoch ep = s.epoch(0, 0)) {
                ep.next();
            }
        });
        assertTrue(e.getMessage().startsWith("shard " + junk + " member k1.png is not a readable PNG/JPEG image"), e.getMessage());
    }

    @Test
    void readsAShardWrittenByPythonsTarfile() {
        Path dirPy = Path.of("src/test/resources/fixtures/data/shards"); // scripts/fixtures/make_shard_fixtures.py
        WdsData d = WdsData.open(dirPy + "/py-{000000..000000}.tar");
        assertEquals(List.of("cat", "dog", "bird"), d.classes());
        try (TarSamples t = new TarSamples(d.shards().get(0), 3)) {
            TarSamples.Sample a = t.next();
            assertEquals("s0", a.key());
            assertEquals("png", a.imageExt());
            assertEquals(2, a.label());
            RawImage img = DECODER.decode(a.image(), "s0.png");
            assertEquals(6, img.height());
            assertEquals(5, img.width());
            TarSamples.Sample b = t.next();
            assertEquals("dir/s1", b.key());
            assertEquals("jpg", b.imageExt());
            assertEquals(0, b.label());
            assertEquals(null, t.next());
        }
    }

    private static void assertDamaged(Path shard, int classes, String start) {
        DataException e = assertThrows(DataException.class, () -> {
            try (TarSamples t = new TarSamples(shard, classes)) {
                while (t.next() != null) {
                    // read to the end
                }
            }
        });
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    private Path tar(String name, Object... members) throws IOException {
        return TestTars.write(dir.resolve(name), members);
    }
}
