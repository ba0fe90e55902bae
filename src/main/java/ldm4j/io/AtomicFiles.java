package ldm4j.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Writes files so that readers see either the old content or the complete new content, never a
 * partial file: the content goes to {@code <name>.tmp-<16 hex digits>} in the target's folder, is
 * forced to disk, then renamed over the target with {@code ATOMIC_MOVE}. On any failure the
 * temporary file is deleted and the target is left untouched.
 */
public final class AtomicFiles {

    private static final Pattern TEMP_NAME = Pattern.compile(".+\\.tmp-[0-9a-f]{16}");
    /** Temporary PNGs of versions before every write used this class ({@code Files.createTempFile}). */
    private static final Pattern LEGACY_PNG_TEMP = Pattern.compile(".+\\.png\\d+\\.tmp");

    private AtomicFiles() {
    }

    /**
     * Atomically replaces {@code target} with what {@code body} writes to the channel. The body must
     * not close the channel; it may position it and write anywhere.
     */
    public static void write(Path target, IOConsumer<FileChannel> body) throws IOException {
        Path tmp = newTempFile(target);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                body.accept(ch);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable t) {
            deleteQuietly(tmp, t);
            throw t;
        }
        fsyncDirectory(parentOf(target));
    }

    /** Like {@link #write(Path, IOConsumer)} with a buffered stream; closing the stream is optional. */
    public static void writeStream(Path target, IOConsumer<OutputStream> body) throws IOException {
        write(target, ch -> {
            OutputStream buffered = new BufferedOutputStream(new FilterOutputStream(Channels.newOutputStream(ch)) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush(); // keep the channel open for force() and rename
                }
            }, 1 << 16);
            body.accept(buffered);
            buffered.flush();
        });
    }

    /** Atomically replaces {@code target} with {@code bytes}. */
    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
    }

    /**
     * Atomically makes {@code target} have the content of {@code source}: a hard link when the file
     * system supports it (no data is copied), otherwise a copy. Either way the target appears at once.
     */
    public static void linkOrCopy(Path source, Path target) throws IOException {
        Path tmp = tempPath(target);
        try {
            try {
                Files.createLink(tmp, source);
            } catch (UnsupportedOperationException | IOException linkFailed) {
                Files.copy(source, tmp);
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable t) {
            deleteQuietly(tmp, t);
            throw t;
        }
        fsyncDirectory(parentOf(target));
    }

    /** Whether {@code file} is a temporary file left by this class (e.g. after a crash). */
    public static boolean isTempFile(Path file) {
        Path name = file.getFileName();
        return name != null && (TEMP_NAME.matcher(name.toString()).matches()
                || LEGACY_PNG_TEMP.matcher(name.toString()).matches());
    }

    /**
     * Deletes temporary files left by interrupted writes in {@code root} and every folder below it
     * (symbolic links are not followed). Only call this while holding the folder's {@link RunLock}.
     * Returns the deleted files.
     */
    public static List<Path> deleteStaleTempFilesBelow(Path root) throws IOException {
        List<Path> deleted = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return deleted;
        }
        List<Path> dirs = new ArrayList<>();
        try (var walk = Files.walk(root)) {
            walk.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).forEach(dirs::add);
        }
        for (Path d : dirs) {
            deleted.addAll(deleteStaleTempFiles(d));
        }
        return deleted;
    }

    /**
     * Fails early, before hours of work, if {@code target} could not be written: creates its folder
     * and a temporary file beside it, then deletes that file.
     */
    public static void checkWritable(Path target) throws IOException {
        Files.createDirectories(parentOf(target));
        if (Files.isDirectory(target)) {
            throw new IOException(target + " is a folder");
        }
        Files.delete(newTempFile(target));
    }

    /**
     * Deletes temporary files left in {@code dir} by interrupted writes. Only call this when no other
     * process is writing into the folder. Returns the deleted files.
     */
    public static List<Path> deleteStaleTempFiles(Path dir) throws IOException {
        List<Path> deleted = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, AtomicFiles::isTempFile)) {
            for (Path f : files) {
                if (Files.isRegularFile(f) && Files.deleteIfExists(f)) {
                    deleted.add(f);
                }
            }
        }
        return deleted;
    }

    /** Writes all remaining bytes of {@code buf} to the channel. */
    public static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static Path newTempFile(Path target) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = tempPath(target);
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    private static Path tempPath(Path target) {
        Path name = target.getFileName();
        if (name == null) {
            throw new IllegalArgumentException("not a file path: " + target);
        }
        String suffix = String.format("%016x", ThreadLocalRandom.current().nextLong());
        return target.resolveSibling(name + ".tmp-" + suffix);
    }

    private static Path parentOf(Path target) {
        Path parent = target.toAbsolutePath().getParent();
        return parent != null ? parent : target.toAbsolutePath();
    }

    /** Makes the rename durable; best effort, as some platforms cannot open folders. */
    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | RuntimeException ignored) {
            // Not supported here (e.g. Windows); the file itself was already forced.
        }
    }

    private static void deleteQuietly(Path tmp, Throwable primary) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException | RuntimeException e) {
            primary.addSuppressed(e);
        }
    }
}
