package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class DataLoaderTest {

    /** n images of 4x4; image i has every red byte = i % 256 and label i % 3; image `bad` throws. */
    static ImageDataset toy(int n, int bad, AtomicInteger loads) {
        return new ImageDataset() {
            public String source() { return "toy"; }
            public List<String> classes() { return List.of("a", "b", "c"); }
            public int size() { return n; }
            public int label(int i) { return i % 3; }
            public RawImage load(int i) {
                loads.incrementAndGet();
                if (i == bad) {
                    throw new DataException("/data/toy/" + i + ".png is not a readable PNG/JPEG image");
                }
                byte[] p = new byte[48];
                Arrays.fill(p, 0, 16, (byte) (i % 256));
                p[0] = 0; // left column marker so flips are visible: x=0 is 0, x=3 is i
                p[4] = 0;
                return new RawImage(p, 4, 4);
            }
        };
    }

    static List<Batch> epoch(DataLoader l, int e, int first) {
        List<Batch> out = new ArrayList<>();
        try (DataLoader.Epoch it = l.epoch(e, first)) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    static int[] indices(List<Batch> batches) {
        return batches.stream().flatMapToInt(b -> Arrays.stream(b.indices())).toArray();
    }

    @Test
    void sameSeedSameOrderAndFlipsWhateverTheWorkerCount() {
        ImageDataset ds = toy(103, -1, new AtomicInteger());
        Transform t = new Transform(4, "bilinear");
        try (DataLoader a = DataLoader.training(ds, t, 10, true, 7, 1, 2);
             DataLoader b = DataLoader.training(ds, t, 10, true, 7, 3, 5)) {
            List<Batch> ea = epoch(a, 2, 0);
            List<Batch> eb = epoch(b, 2, 0);
            assertEquals(10, ea.size(), "drop_last: 103 images make 10 batches of 10");
            assertArrayEquals(indices(ea), indices(eb));
            for (int k = 0; k < ea.size(); k++) {
                assertArrayEquals(ea.get(k).images(), eb.get(k).images());
                assertEquals(k, ea.get(k).index());
            }
            assertEquals(100, new HashSet<>(Arrays.stream(indices(ea)).boxed().toList()).size(), "no repeats");
        }
    }

    @Test
    void epochsDifferAndSeedsDiffer() {
        ImageDataset ds = toy(50, -1, new AtomicInteger());
        Transform t = new Transform(4, "bilinear");
        try (DataLoader a = DataLoader.training(ds, t, 5, false, 1, 2, 2);
             DataLoader b = DataLoader.training(ds, t, 5, false, 2, 2, 2)) {
            assertFalse(Arrays.equals(a.order(0), a.order(1)));
            assertFalse(Arrays.equals(a.order(0), b.order(0)));
            // the order is a function of (seed, epoch) alone: a second loader with other workers and
            // prefetch, asked for epoch 3 first, gives what the first gives after epochs 0 and 1
            try (DataLoader c = DataLoader.training(ds, t, 5, false, 1, 1, 3)) {
                int[] third = c.order(3);
                assertArrayEquals(third, a.order(3));
                assertEquals(50, Arrays.stream(third).distinct().count(), "a permutation");
                // recorded: a change would reorder every run's data (a resumed run would no longer match)
                assertArrayEquals(new int[]{21, 37, 28, 14, 36, 20, 47, 16}, Arrays.copyOf(third, 8));
            }
        }
    }

    @Test
    void flipsHalfTheImagesAndLabelsMatch() {
        ImageDataset ds = toy(200, -1, new AtomicInteger());
        Transform t = new Transform(4, "bilinear");
        try (DataLoader l = DataLoader.training(ds, t, 20, true, 3, 2, 4)) {
            int flipped = 0;
            int total = 0;
            for (Batch b : epoch(l, 0, 0)) {
                for (int k = 0; k < b.size(); k++) {
                    int i = b.indices()[k];
                    assertEquals(i % 3, b.labels()[k]);
                    float left = b.images()[k * 48];
                    float right = b.images()[k * 48 + 3];
                    if (i % 256 != 0) {
                        assertNotEquals(left, right);
                        flipped += left > right ? 1 : 0;
                        total++;
                    }
                }
            }
            assertTrue(flipped > total * 0.35 && flipped < total * 0.65, flipped + " of " + total);
        }
    }

    @Test
    void evaluationKeepsOrderAndLastPartialBatch() {
        ImageDataset ds = toy(23, -1, new AtomicInteger());
        try (DataLoader l = DataLoader.evaluation(ds, new Transform(4, "bicubic"), 10, 2, 2)) {
            List<Batch> e = epoch(l, 0, 0);
            assertEquals(3, e.size());
            assertEquals(3, e.get(2).size());
            int[] expected = new int[23];
            Arrays.setAll(expected, i -> i);
            assertArrayEquals(expected, indices(e));
            float[] x = e.get(0).images();
            for (int k = 0; k < 10; k++) {
                assertEquals(-1f, x[k * 48 + 16], 1e-6, "green byte 0 scales to -1");
            }
        }
    }

    @Test
    void resumingMidEpochGivesTheSameTail() {
        ImageDataset ds = toy(60, -1, new AtomicInteger());
        Transform t = new Transform(4, "bilinear");
        try (DataLoader l = DataLoader.training(ds, t, 6, true, 11, 2, 3)) {
            List<Batch> full = epoch(l, 4, 0);
            List<Batch> tail = epoch(l, 4, 7);
            assertEquals(3, tail.size());
            for (int k = 0; k < 3; k++) {
                assertArrayEquals(full.get(7 + k).indices(), tail.get(k).indices());
                assertArrayEquals(full.get(7 + k).images(), tail.get(k).images());
            }
        }
    }

    @Test
    void workerErrorReachesCallerWithTheFile() {
        ImageDataset ds = toy(40, 17, new AtomicInteger());
        try (DataLoader l = DataLoader.evaluation(ds, new Transform(4, "bilinear"), 4, 2, 3)) {
            DataException e = assertThrows(DataException.class, () -> epoch(l, 0, 0));
            assertTrue(e.getMessage().startsWith("/data/toy/17.png"), e.getMessage());
        }
    }

    @Test
    void prefetchIsBoundedAndCloseStopsWork() {
        AtomicInteger loads = new AtomicInteger();
        ImageDataset ds = toy(1000, -1, loads);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (DataLoader l = DataLoader.evaluation(ds, new Transform(4, "bilinear"), 10, 2, 3)) {
                try (DataLoader.Epoch e = l.epoch(0)) {
                    e.next();
                    Thread.sleep(300);
                    // one batch consumed + at most 3 in flight
                    assertTrue(loads.get() <= 40, "loaded " + loads.get());
                }
            }
        });
    }

    @Test
    void datasetSmallerThanABatchIsAnError() {
        ImageDataset ds = toy(5, -1, new AtomicInteger());
        DataException e = assertThrows(DataException.class,
                () -> DataLoader.training(ds, new Transform(4, "bilinear"), 8, true, 0, 1, 1));
        assertTrue(e.getMessage().contains("fewer than one batch of 8"), e.getMessage());
    }

    @Test
    void everyImageOnceWithoutDropLast() {
        ImageDataset ds = toy(37, -1, new AtomicInteger());
        try (DataLoader l = new DataLoader(ds, new Transform(4, "bilinear"), 5, true, false, false, 9, 2, 2)) {
            Set<Integer> seen = new HashSet<>();
            for (int i : indices(epoch(l, 0, 0))) {
                assertTrue(seen.add(i));
            }
            assertEquals(37, seen.size());
        }
    }
}
