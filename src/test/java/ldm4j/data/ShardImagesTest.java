package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wds:} data as indexed splits: the header index agrees with the streaming reader; test shards; damage. */
class ShardImagesTest {
    static final ImageDecoder DECODER = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);

    @TempDir
    Path dir;

    /** 4 classes x 5 images in 7 shards of 3 (the last holds 2), for the train and the test split. */
    private Path written() throws IOException {
        Path folder = SyntheticData.imageFolder(dir.resolve("src"), List.of("train", "test"), List.of("a", "b", "c", "d"), 5, 6);
        Splits s = ImageFolder.open(folder, "folder:src");
        ShardWriter.write(s.train(), dir.resolve("shards"), "train", 3, x -> { });
        ShardWriter.write(s.test().orElseThrow(), dir.resolve("shards"), "test", 3, x -> { });
        return dir.resolve("shards");
    }

    @Test
    void indexAgreesWithTheStreamingReaderSampleForSample() throws IOException {
        Path d = written();
        WdsData data = WdsData.open(d + "/train-{000000..000006}.tar");
        ShardImages idx = ShardImages.index("x", data.shards(), data.classes(), DECODER);
        assertEquals(20, idx.size());
        int i = 0;
        for (int s = 0; s < data.shards().size(); s++) {
            assertEquals(s < 6 ? 3 : 2, idx.samplesIn(s));
            try (TarSamples t = new TarSamples(data.shards().get(s), 4)) {
                TarSamples.Sample x;
                while ((x = t.next()) != null) {
                    assertEquals(x.label(), idx.label(i), "sample " + i);
                    assertArrayEquals(x.image(), idx.bytes(i), "sample " + i);
                    assertEquals(s, idx.shardOf(i));
                    assertEquals(x.key() + "." + x.imageExt(), idx.memberName(i));
                    i++;
                }
            }
        }
        assertEquals(20, i);
        assertEquals(6, idx.load(19).width());
        assertEquals(14L * 20 + 4 * 8, idx.indexBytes());
    }

    @Test
    void testShardsAreTheWrittenOnesBesideOrTheGivenPattern() throws IOException {
        Path d = written();
        Splits s = DataSpec.parse("wds:" + d + "/train-{000000..000006}.tar").open(dir, n -> { }, DECODER);
        assertEquals(20, s.train().size());
        assertEquals(20, s.requireTest().size());
        assertEquals(7, ((ShardImages) s.requireTest()).shards().size());
        assertEquals(List.of("a", "b", "c", "d"), s.classes());
        assertTrue(s.train() instanceof ShardImages);

        Splits two = DataSpec.parse("wds:" + d + "/train-{000000..000001}.tar,test=" + d + "/test-{000001,000002}.tar")
                .open(dir, n -> { }, DECODER);
        assertEquals(6, two.train().size());
        assertEquals(6, two.requireTest().size()); // test-000001 and test-000002
        assertEquals(2, ((ShardImages) two.requireTest()).shards().size());

        Files.copy(d.resolve("train-000000.tar"), d.resolve("other.tar"));
        Splits none = DataSpec.parse("wds:" + d + "/other.tar").open(dir, n -> { }, DECODER);
        assertFalse(none.test().isPresent(), "no train-NNNNNN.tar name: no test shards guessed");

        DataException e = assertThrows(DataException.class, () -> WdsData.open(d + "/train-000000.tar,test=" + d + "/val-{0..1}.tar"));
        assertTrue(e.getMessage().startsWith("shard " + d + "/val-0.tar (from wds:"), e.getMessage());
        assertEquals(-1, WdsData.testSeparator("t-{a,test=b}.tar"));
    }

    @Test
    void damagedShardsAreRefusedWhileIndexingNamingShardAndMember() throws IOException {
        Path d = written();
        byte[] whole = Files.readAllBytes(d.resolve("train-000001.tar"));
        Path cut = Files.write(dir.resolve("cut.tar"), Arrays.copyOf(whole, 1024 + 512)); // 1.5 samples, whole blocks
        assertDamaged(cut, "shard " + cut + " member 000000003.cls is cut short");
        Path atMember = Files.write(dir.resolve("member.tar"), Arrays.copyOf(whole, 3 * 1024)); // 1.5 samples: no end
        assertDamaged(atMember, "shard " + atMember + " is truncated after member 000000004.png (no end-of-archive");
        Path odd = Files.write(dir.resolve("odd.tar"), Arrays.copyOf(whole, 1000));
        assertDamaged(odd, "shard " + odd + " is truncated (1000 bytes");
        Path noLabel = tar("nolabel.tar", "k1.jpg", new byte[]{1}, "k2.jpg", new byte[]{1}, "k2.cls", "0".getBytes());
        assertDamaged(noLabel, "shard " + noLabel + " member k1.jpg has no .cls label member");
        Path range = tar("range.tar", "k1.png", new byte[]{1}, "k1.cls", "4".getBytes());
        assertDamaged(range, "shard " + range + " member k1.cls holds label 4, outside 0..3");
        Path text = tar("text.tar", "k1.png", new byte[]{1}, "k1.cls", "cat".getBytes());
        assertDamaged(text, "shard " + text + " member k1.cls holds 'cat', not an integer label");
        Path noImage = tar("noimage.tar", "k1.json", new byte[]{1}, "k1.cls", "1".getBytes());
        assertDamaged(noImage, "shard " + noImage + " member k1.json belongs to sample k1, which has no .jpg");
        Path junk = tar("junk.tar", "k1.png", new byte[]{1, 2, 3}, "k1.cls", "1".getBytes());
        ShardImages j = ShardImages.index("x", List.of(junk), List.of("a", "b", "c", "d"), DECODER);
        DataException e = assertThrows(DataException.class, () -> j.load(0));
        assertTrue(e.getMessage().startsWith("shard " + junk + " member k1.png is not a readable"), e.getMessage());
    }

    @Test
    void readsAShardWrittenByPythonsTarfile() {
        Path dirPy = Path.of("src/test/resources/fixtures/data/shards"); // scripts/fixtures/make_shard_fixtures.py
        WdsData d = WdsData.open(dirPy + "/py-{000000..000000}.tar");
        ShardImages idx = ShardImages.index("py", d.shards(), d.classes(), DECODER);
        assertEquals(2, idx.size());
        assertEquals(2, idx.label(0));
        assertEquals(0, idx.label(1));
        assertEquals(5, idx.load(0).width());
        assertEquals("dir/s1.jpg", idx.memberName(1));
    }

    private static void assertDamaged(Path shard, String start) {
        DataException e = assertThrows(DataException.class,
                () -> ShardImages.index("x", List.of(shard), List.of("a", "b", "c", "d"), DECODER));
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    private Path tar(String name, Object... members) throws IOException {
        return TestTars.write(dir.resolve(name), members);
    }
}
