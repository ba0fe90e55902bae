package ldm4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import ldm4j.LdmException;

/**
 * The exclusive writer lock of a folder: an OS file lock on {@code <dir>/.lock}, which holds the
 * writer's process id. The lock is held until the process ends and the OS releases it on any exit,
 * crash or {@code kill -9} included, so a stale lock file never blocks anyone: only a live process
 * holds the lock. Readers never take it.
 *
 * <p>The lock belongs to the process: acquiring it again in the process that holds it succeeds
 * (the pipeline and tests open the same run folder several times). The channel is never closed
 * before the process ends, because on POSIX systems closing any channel of the file releases the
 * process's lock; a shutdown hook keeps it reachable (the GC would otherwise close it).
 */
public final class RunLock {

    /** The lock file's name inside the locked folder. */
    public static final String FILE = ".lock";

    private RunLock() {
    }

    /**
     * Takes the writer lock of {@code dir} (which must exist) for the rest of the process's life.
     *
     * @throws LdmException naming the holder's process id if another process holds it
     * @throws UncheckedIOException if the lock file cannot be created or locked
     */
    public static void acquire(Path dir) {
        Path file = dir.resolve(FILE);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the lock file " + file + " (" + e.getMessage()
                    + "): is the folder writable?", e);
        }
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException heldByThisProcess) {
            keepOpen(ch); // closing it would release this process's lock
            return;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
        }
        if (lock == null) {
            String holder = holder(ch);
            closeQuietly(ch); // this process holds no lock on the file, so nothing is released
            throw new LdmException(dir + " is in use by another ldm4j process (" + holder + "): wait for it to finish, "
                    + "stop it, or use another --run folder");
        }
        try {
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            ch.truncate(0);
            AtomicFiles.writeFully(ch.position(0), ByteBuffer.wrap(pid));
            ch.force(false);
        } catch (IOException e) {
            // The lock is held; the pid is only for the message of a refused second writer.
        }
        keepOpen(ch);
    }

    /** The holder's pid as written in the lock file, for the refusal message. */
    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
            return s.matches("\\d{1,19}") ? "pid " + s : "pid unknown";
        } catch (IOException e) {
            return "pid unknown";
        }
    }

    /**
     * Keeps the channel reachable until the process ends. The hook does not close it: other hooks
     * (a training loop saving its last checkpoint on SIGTERM) may still be writing; the OS releases
     * the lock after the last of them.
     */
    private static void keepOpen(FileChannel ch) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> Reference.reachabilityFence(ch), "ldm4j-run-lock"));
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to do: the OS releases the lock when the process ends
        }
    }
}
