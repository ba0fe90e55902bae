package ldm4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {

    @TempDir
    Path dir;

    private static Map<String, HostTensor> weights(float value) {
        return Map.of("w", HostTensor.ofFloats(new float[] {value, value}, 2));
    }

    private static List<String> names(List<Path> paths) {
        return paths.stream().map(p -> p.getFileName().toString()).collect(Collectors.toList());
    }

    private static float firstWeight(Path file) throws IOException {
        try (SafetensorsFile f = Safetensors.read(file)) {
            return f.get("w").toFloats()[0];
        }
    }

    @Test
    void keepsNewestStepsAndLast() throws IOException {
        CheckpointStore store = CheckpointStore.open(dir.resolve("ckpt"), 2);
        assertEquals(Optional.empty(), store.last());
        assertTrue(store.list().isEmpty());
        for (long step = 1; step <= 5; step++) {
            Path saved = store.save(step * 1000, weights(step), Map.of("run", "r1"));
            assertEquals(store.pathFor(step * 1000), saved);
        }
        assertEquals(List.of("step-00004000.safetensors", "step-00005000.safetensors"), names(store.list()));
        assertEquals(OptionalLong.of(5000), store.latestStep());
        Path last = store.last().orElseThrow();
        assertEquals(CheckpointStore.LAST, last.getFileName().toString());
        assertEquals(5f, firstWeight(last));
        try (SafetensorsFile f = Safetensors.read(last)) {
            assertEquals(Map.of("run", "r1", "step", "5000"), f.metadata());
        }
        assertArrayEquals(Files.readAllBytes(store.pathFor(5000)), Files.readAllBytes(last));
    }

    @Test
    void keepOneStillKeepsLast() throws IOException {
        CheckpointStore store = CheckpointStore.open(dir, 1);
        store.save(1, weights(1), Map.of());
        store.save(2, weights(2), Map.of());
        assertEquals(List.of("step-00000002.safetensors"), names(store.list()));
        assertEquals(2f, firstWeight(store.last().orElseThrow()));
        store.save(2, weights(3), Map.of());
        assertEquals(3f, firstWeight(store.pathFor(2)), "re-saving a step replaces it");
        assertEquals(3f, firstWeight(store.last().orElseThrow()));
    }

    @Test
    void rejectsBadArguments() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> CheckpointStore.open(dir, 0));
        CheckpointStore store = CheckpointStore.open(dir, 3);
        assertThrows(IllegalArgumentException.class, () -> store.save(-1, weights(1), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> store.save(5, weights(1), Map.of("step", "4")));
        store.save(5, weights(1), Map.of("step", "5"));
        assertEquals(1, store.list().size());
    }

    @Test
    void ignoresAndCleansTempAndUnrelatedFiles() throws IOException {
        Files.createFile(dir.resolve("step-00000009.safetensors.tmp-0123456789abcdef"));
        Files.createFile(dir.resolve("last.safetensors.tmp-fedcba9876543210"));
        Files.createFile(dir.resolve("notes.txt"));
        Files.createFile(dir.resolve("step-12.safetensors"));
        CheckpointStore store = CheckpointStore.open(dir, 2);
        assertFalse(Files.exists(dir.resolve("step-00000009.safetensors.tmp-0123456789abcdef")));
        assertFalse(Files.exists(dir.resolve("last.safetensors.tmp-fedcba9876543210")));
        store.save(3, weights(1), Map.of());
        Files.createFile(dir.resolve("step-00000004.safetensors.tmp-0123456789abcdef")); // a write in progress
        assertEquals(List.of("step-00000003.safetensors"), names(store.list()));
        assertTrue(Files.exists(dir.resolve("notes.txt")));
        assertTrue(Files.exists(dir.resolve("step-12.safetensors")));
    }

    @Test
    void parsesStepNumbers() {
        assertEquals(OptionalLong.of(1234), CheckpointStore.stepOf(Path.of("a/step-00001234.safetensors")));
        assertEquals(OptionalLong.of(123456789), CheckpointStore.stepOf(Path.of("step-123456789.safetensors")));
        assertEquals(OptionalLong.empty(), CheckpointStore.stepOf(Path.of("last.safetensors")));
        assertEquals(OptionalLong.empty(), CheckpointStore.stepOf(Path.of("step-1.safetensors")));
    }
}
