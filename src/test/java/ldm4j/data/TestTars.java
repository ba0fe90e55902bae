package ldm4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Small tar files for the shard tests: members given as (name, bytes) pairs, in order. */
final class TestTars {
    private TestTars() {
    }

    static Path write(Path file, Object... members) throws IOException {
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(Files.newOutputStream(file))) {
            for (int i = 0; i < members.length; i += 2) {
                byte[] b = (byte[]) members[i + 1];
                TarArchiveEntry e = new TarArchiveEntry((String) members[i]);
                e.setSize(b.length);
                t.putArchiveEntry(e);
                t.write(b);
                t.closeArchiveEntry();
            }
        }
        return file;
    }
}
