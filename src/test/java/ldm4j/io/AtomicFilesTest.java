package ldm4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path dir;

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void writesContentAndLeavesNoTempFile() throws IOException {
        Path target = dir.resolve("a.bin");
        AtomicFiles.write(target, ch -> AtomicFiles.writeFully(ch, ByteBuffer.wrap(new byte[] {1, 2, 3})));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
        AtomicFiles.writeBytes(target, new byte[] {4});
        assertArrayEquals(new byte[] {4}, Files.readAllBytes(target));
        assertEquals(List.of("a.bin"), listing());
    }

    @Test
    void writeStreamMayCloseTheStream() throws IOException {
        Path target = dir.resolve("s.txt");
        AtomicFiles.writeStream(target, out -> {
            out.write("hello".getBytes(StandardCharsets.UTF_8));
            out.close();
        });
        assertEquals("hello", Files.readString(target));
        assertEquals(List.of("s.txt"), listing());
    }

    @Test
    void failingWriterLeavesNoTargetAndNoTempFile() throws IOException {
        Path target = dir.resolve("fail.bin");
        IOException boom = new IOException("disk full");
        IOException thrown = assertThrows(IOException.class, () -> AtomicFiles.write(target, ch -> {
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(new byte[1000]));
            throw boom;
        }));
        assertSame(boom, thrown);
        assertTrue(listing().isEmpty(), listing().toString());

        assertThrows(UncheckedIOException.class, () -> AtomicFiles.writeStream(target, out -> {
            out.write(1);
            throw new UncheckedIOException(new IOException("broken"));
        }));
        assertTrue(listing().isEmpty(), listing().toString());
    }

    @Test
    void failingWriterKeepsOldContent() throws IOException {
        Path target = dir.resolve("keep.bin");
        AtomicFiles.writeBytes(target, new byte[] {9});
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(target, ch -> {
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(new byte[] {1, 2}));
            throw new IllegalStateException("bug");
        }));
        assertArrayEquals(new byte[] {9}, Files.readAllBytes(target));
        assertEquals(List.of("keep.bin"), listing());
    }

    @Test
    void safetensorsWriteIntoMissingFolderLeavesNothing() {
        Path target = dir.resolve("missing/x.safetensors");
        assertThrows(NoSuchFileException.class,
                () -> Safetensors.write(target, Map.of("x", HostTensor.ofFloats(new float[] {1}, 1))));
        assertFalse(Files.exists(dir.resolve("missing")));
    }

    @Test
    void linkOrCopyReplacesTargetAtomically() throws IOException {
        Path source = dir.resolve("src.bin");
        Path target = dir.resolve("dst.bin");
        AtomicFiles.writeBytes(source, new byte[] {1});
        AtomicFiles.writeBytes(target, new byte[] {2});
        AtomicFiles.linkOrCopy(source, target);
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(target));
        Files.delete(source);
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(target), "target survives deleting the source");
        assertEquals(List.of("dst.bin"), listing());
        assertThrows(NoSuchFileException.class, () -> AtomicFiles.linkOrCopy(source, target));
        assertEquals(List.of("dst.bin"), listing());
    }

    @Test
    void recognisesAndDeletesOnlyItsTempFiles() throws IOException {
        Path stale = Files.createFile(dir.resolve("a.safetensors.tmp-0123456789abcdef"));
        Path other = Files.createFile(dir.resolve("b.tmp-123"));
        Path normal = Files.createFile(dir.resolve("c.safetensors"));
        assertTrue(AtomicFiles.isTempFile(stale));
        assertFalse(AtomicFiles.isTempFile(other));
        assertFalse(AtomicFiles.isTempFile(normal));
        assertEquals(List.of(stale), AtomicFiles.deleteStaleTempFiles(dir));
        assertEquals(List.of("b.tmp-123", "c.safetensors"), listing());
    }
}
