package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training batches by step from tar shards: epoch length per rank, resume equal to an uninterrupted run, damage. */
class WdsStepBatchesTest {
    static final ImageDecoder DECODER = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);

    @TempDir
    Path dir;

    /** 4 classes x 5 images = 20 samples written 3 per shard: 7 shards (the last holds 2). */
    private ShardImages shards() throws IOException {
        Path folder = SyntheticData.imageFolder(dir.resolve("src"), List.of(""), List.of("a", "b", "c", "d"), 5, 6);
        ShardWriter.write(ImageFolder.open(folder, "folder:src").train(), dir.resolve("shards"), "train", 3, s -> { });
        return (ShardImages) DataSpec.parse("wds:" + dir.resolve("shards") + "/train-{000000..000006}.tar")
                .open(dir, n -> { }, DECODER).train();
    }

    private static WdsStepBatches batches(ShardImages d, int batch, int rank, int world) {
        return WdsStepBatches.of(d, new Transform(8, "bicubic", "adm"), DECODER, batch, true, 11L, rank, world, 2, 2);
    }

    @Test
    void epochLengthIsTheSameForEveryRank() throws IOException {
        ShardImages d = shards();
        assertEquals(6, WdsStepBatches.batchesPerEpoch(d, 3, 1));      // 20 samples / 3
        assertEquals(2, WdsStepBatches.batchesPerEpoch(d, 4, 2));      // 3 smallest shards: 2 + 3 + 3 = 8 samples / 4
        assertEquals(2, WdsStepBatches.batchesPerEpoch(d, 2, 3));      // 2 smallest shards: 2 + 3 = 5 samples / 2
        assertEquals(1, WdsStepBatches.batchesPerEpoch(d, 2, 4));      // the smallest shard: 2 samples / 2
        DataException few = assertThrows(DataException.class, () -> WdsStepBatches.batchesPerEpoch(d, 1, 8));
        assertTrue(few.getMessage().contains("has 7 shards for 8 data-parallel ranks"), few.getMessage());
        DataException small = assertThrows(DataException.class, () -> WdsStepBatches.batchesPerEpoch(d, 9, 2));
        assertTrue(small.getMessage().contains("fewer than one batch of 9"), small.getMessage());
    }

    @Test
    void resumedRunsGetTheBatchesOfAnUninterruptedRun() throws IOException {
        ShardImages d = shards();
        List<Batch> all = new ArrayList<>();
        try (WdsStepBatches b = batches(d, 3, 0, 1)) {
            assertEquals(6, b.batchesPerEpoch());
            for (long step = 0; step < 15; step++) { // two epochs and a half
                all.add(b.at(step));
            }
        }
        Set<Long> firstEpoch = new HashSet<>();
        for (int k = 0; k < 6; k++) {
            assertEquals(0, all.get(k).epoch());
            for (int j = 0; j < 3; j++) {
                firstEpoch.add(all.get(k).labels()[j] * 1000 + all.get(k).indices()[j]);
            }
        }
        assertEquals(18, firstEpoch.size(), "18 different samples in epoch 0");
        assertEquals(1, all.get(6).epoch());
        assertEquals(0, all.get(6).index());
        for (long from : new long[]{4, 6, 9, 13}) { // mid-epoch, at the epoch boundary, mid-epoch 1, epoch 2
            try (WdsStepBatches b = batches(d, 3, 0, 1)) {
                for (long step = from; step < 15; step++) {
                    Batch want = all.get((int) step);
                    Batch got = b.at(step);
                    String at = "resumed at " + from + ", step " + step;
                    assertEquals(want.epoch(), got.epoch(), at);
                    assertEquals(want.index(), got.index(), at);
                    assertArrayEquals(want.labels(), got.labels(), at);
                    assertArrayEquals(want.images(), got.images(), at);
                }
            }
        }
    }

    @Test
    void ranksReadDisjointSamplesEachEpoch() throws IOException {
        ShardImages d = shards();
        for (long step = 0; step < 4; step++) { // epochs 0 and 1 (2 steps each)
            Set<String> seen = new HashSet<>();
            List<Batch> ranks = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                try (WdsStepBatches b = batches(d, 4, r, 2)) {
                    ranks.add(b.at(step));
                }
            }
            for (Batch b : ranks) {
                assertEquals(4, b.size());
                for (int j = 0; j < 4; j++) {
                    float[] x = Arrays.copyOfRange(b.images(), j * 192, (j + 1) * 192); // (3, 8, 8)
                    seen.add(b.labels()[j] + ":" + Arrays.hashCode(x));
                }
            }
            assertEquals(8, seen.size(), "step " + step + ": the two ranks' 8 samples are different samples");
        }
    }

    @Test
    void anUnreadableImageStopsTrainingWithAOneLineErrorNamingShardAndMember() throws IOException {
        ShardImages d = shards();
        Path shard = d.shards().get(2);
        byte[] b = Files.readAllBytes(shard);
        for (int i = 512 + 16; i < 512 + 40; i++) {
            b[i] = 0; // inside the first PNG's header chunk, the headers intact
        }
        Files.write(shard, b);
        try (WdsStepBatches batches = batches(d, 20, 0, 1)) {
            DataException e = assertThrows(DataException.class, () -> batches.at(0));
            assertTrue(e.getMessage().startsWith("shard " + shard + " member 000000006.png "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }
}
