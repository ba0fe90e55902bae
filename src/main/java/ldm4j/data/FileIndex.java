package ldm4j.data;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A compact list of files for datasets of millions of images: the folders once, then per file only a folder
 * number, its name's bytes in one shared array and an offset, so an entry costs about {@code 8 + length(name)}
 * bytes (a {@link Path} per file costs ~10x that). Built with {@link Builder}; immutable afterwards.
 */
public final class FileIndex {
    private final Path[] dirs;
    private final int[] dirOf;
    private final byte[] names;   // UTF-8 names, concatenated
    private final int[] intEnds;  // intEnds[i] = end offset of name i in names

    private FileIndex(Path[] dirs, int[] dirOf, byte[] names, int[] intEnds) {
        this.dirs = dirs;
        this.dirOf = dirOf;
        this.names = names;
        this.intEnds = intEnds;
    }

    public int size() {
        return dirOf.length;
    }

    /** The file name of entry {@code i}. */
    public String name(int i) {
        int from = i == 0 ? 0 : intEnds[i - 1];
        return new String(names, from, intEnds[i] - from, StandardCharsets.UTF_8);
    }

    /** The path of entry {@code i}. */
    public Path path(int i) {
        return dirs[dirOf[i]].resolve(name(i));
    }

    /** Bytes held by the index's arrays (the heap cost of the listing). */
    public long heapBytes() {
        return (long) names.length + 4L * dirOf.length + 4L * intEnds.length + 64L * dirs.length;
    }

    /** Collects entries folder by folder. */
    public static final class Builder {
        private Path[] dirs = new Path[16];
        private int nDirs;
        private int[] dirOf = new int[1024];
        private int[] ends = new int[1024];
        private byte[] names = new byte[16 * 1024];
        private int n;
        private int bytes;

        /** Registers a folder; returns its number for {@link #add}. */
        public int folder(Path dir) {
            if (nDirs == dirs.length) {
                dirs = Arrays.copyOf(dirs, 2 * nDirs);
            }
            dirs[nDirs] = dir;
            return nDirs++;
        }

        public void add(int folder, String name) {
            byte[] b = name.getBytes(StandardCharsets.UTF_8);
            if (n == dirOf.length) {
                dirOf = Arrays.copyOf(dirOf, 2 * n);
                ends = Arrays.copyOf(ends, 2 * n);
            }
            if ((long) bytes + b.length > Integer.MAX_VALUE - 16) {
                throw new DataException("more than 2 GB of file names under " + dirs[folder] + ": split the dataset");
            }
            while (bytes + b.length > names.length) {
                names = Arrays.copyOf(names, (int) Math.min(Integer.MAX_VALUE - 16, 2L * names.length));
            }
            System.arraycopy(b, 0, names, bytes, b.length);
            bytes += b.length;
            dirOf[n] = folder;
            ends[n] = bytes;
            n++;
        }

        public int size() {
            return n;
        }

        public FileIndex build() {
            return new FileIndex(Arrays.copyOf(dirs, nDirs), Arrays.copyOf(dirOf, n), Arrays.copyOf(names, bytes),
                    Arrays.copyOf(ends, n));
        }
    }
}
