package ldm4j.train;

import java.nio.file.Path;

/** A second process for the run-folder lock test: opens a run folder for writing, says so, then waits for stdin to close. */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        try {
            RunDir.create(Path.of(args[0]));
            System.out.println("locked");
        } catch (RuntimeException e) {
            System.out.println("refused: " + e.getMessage());
        }
        System.out.flush();
        while (System.in.read() >= 0) {
            // hold the lock until the parent closes our stdin
        }
    }
}
