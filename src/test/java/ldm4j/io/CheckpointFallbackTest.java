package ldm4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --resume falls back to the newest intact checkpoint; nothing non-finite is ever written. */
class CheckpointFallbackTest {

    @TempDir
    Path dir;

    private static Map<String, HostTensor> weights(float value) {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("w", HostTensor.ofFloats(new float[]{value, value}, 2));
        m.put("opt.step", HostTensor.ofLongs(new long[]{3}, 1));
        return m;
    }

    private static Map<String, String> meta() {
        return Map.of("format", "ldm4j", "kind", "vae-train");
    }

    private CheckpointStore storeWithSteps(long... steps) throws Exception {
        CheckpointStore store = CheckpointStore.open(dir, 5);
        for (long s : steps) {
            store.save(s, weights(s), meta());
        }
        return store;
    }

    @Test
    void intactLastIsUsed() throws Exception {
        CheckpointStore.Resumable r = storeWithSteps(10, 20).newestIntact("vae-train");
        assertEquals(dir.resolve("last.safetensors"), r.file());
        assertEquals(20, r.step());
        assertTrue(r.skipped().isEmpty());
        assertEquals("", r.message());
    }

    @Test
    void aTruncatedLastFallsBackToTheNewestIntactStepFile() throws Exception {
        CheckpointStore store = storeWithSteps(10, 20);
        Path last = dir.resolve("last.safetensors");
        byte[] bytes = Files.readAllBytes(last);
        Files.delete(last); // a hard link to step 20: replace it rather than truncating both
        Files.write(last, Arrays.copyOf(bytes, bytes.length - 3));
        CheckpointStore.Resumable r = store.newestIntact("vae-train");
        assertEquals(store.pathFor(20), r.file());
        assertEquals(20, r.step());
        assertTrue(r.message().startsWith("skipped " + last + ": "), r.message());
        assertTrue(r.message().endsWith("resuming from " + store.pathFor(20) + " (step 20)"), r.message());
    }

    @Test
    void aMissingLastAndADamagedNewestStepFallBackFurther() throws Exception {
        CheckpointStore store = storeWithSteps(10, 20);
        Files.delete(dir.resolve("last.safetensors"));
        Files.delete(store.pathFor(20));
        Files.write(store.pathFor(20), Safetensors.toBytes(Map.of("w", HostTensor.ofFloats(new float[]{Float.NaN}, 1)),
                Map.of("format", "ldm4j", "kind", "vae-train", "step", "20")));
        CheckpointStore.Resumable r = store.newestIntact("vae-train");
        assertEquals(store.pathFor(10), r.file());
        assertEquals(2, r.skipped().size());
        assertTrue(r.skipped().get(0).reason().contains("is missing"), r.message());
        assertTrue(r.skipped().get(1).reason().contains("NaN"), r.message());
    }

    @Test
    void relabelledTensorsAndBadStepMetadataAreNotIntact() throws Exception {
        CheckpointStore store = storeWithSteps(10);
        Files.delete(dir.resolve("last.safetensors"));
        HostTensor w = weights(1).get("w");
        Files.write(dir.resolve("last.safetensors"), Safetensors.toBytes(Map.of("w", new HostTensor(DType.I32, w.shape(), w.data())),
                Map.of("format", "ldm4j", "kind", "vae-train", "step", "30")));
        Files.write(store.pathFor(40), Safetensors.toBytes(weights(4), Map.of("format", "ldm4j", "kind", "vae-train", "step", "4O")));
        CheckpointStore.Resumable r = store.newestIntact("vae-train");
        assertEquals(store.pathFor(10), r.file());
        assertTrue(r.message().contains("'w' is I32"), r.message());
        assertTrue(r.message().contains("metadata 'step' is '4O', not a step number"), r.message());
    }

    @Test
    void nothingIntactIsReported() throws Exception {
        Files.write(dir.resolve("last.safetensors"), new byte[]{1, 2, 3});
        CheckpointStore store = CheckpointStore.open(dir, 2);
        CheckpointStore.Resumable r = store.newestIntact("vae-train");
        assertFalse(r.found());
        assertTrue(store.hasAny());
        assertTrue(r.message().endsWith("no intact checkpoint is left"), r.message());
    }

    @Test
    void aStepParserNamesTheFile() {
        FormatException e = assertThrows(FormatException.class,
                () -> Checkpoints.step(Map.of("step", "twelve"), Path.of("last.safetensors")));
        assertEquals("last.safetensors: metadata 'step' is 'twelve', not a step number: the file is damaged; delete it to "
                + "resume from an earlier checkpoint", e.getMessage());
        assertEquals(12, Checkpoints.step(Map.of("step", "12"), Path.of("x")));
    }

    @Test
    void nonFiniteTensorsAreNeverWritten() throws Exception {
        CheckpointStore store = storeWithSteps(10);
        Map<String, HostTensor> bad = weights(Float.POSITIVE_INFINITY);
        NonFiniteTensorException e = assertThrows(NonFiniteTensorException.class, () -> store.save(20, bad, meta()));
        assertTrue(e.getMessage().contains("tensor 'w' holds NaN or infinite values"), e.getMessage());
        assertFalse(Files.exists(store.pathFor(20)));
        assertEquals(10, store.newestIntact("vae-train").step());
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(AtomicFiles::isTempFile));
        }
    }
}
