package ldm4j.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The samples of one WebDataset tar shard, read in one sequential pass without extracting: consecutive members
 * with the same key (the member path up to the first dot of its file name) form a sample, which needs an image
 * ({@code .jpg}, {@code .jpeg} or {@code .png}) and a {@code .cls} member holding the integer label as text; other
 * members ({@code .json}, ...) are skipped. A damaged shard (truncated, a member without its partner, a label out of
 * range) is a {@link DataException} naming the shard and the member.
 */
public final class TarSamples implements AutoCloseable {
    /** Largest member read into memory (an ImageNet JPEG is ~110 KB; this bounds a hostile header). */
    public static final long MAX_MEMBER = 64L << 20;

    /** One sample: its key, its image file bytes and extension, its label. */
    public record Sample(String key, byte[] image, String imageExt, int label) {
    }

    private final Path shard;
    private final int classes;
    private final TarArchiveInputStream tar;
    private final long fileSize;
    private TarArchiveEntry pending;    // first member of the next sample, already read
    private byte[] pendingBytes;
    private boolean done;

    public TarSamples(Path shard, int classes) {
        this.shard = shard;
        this.classes = classes;
        try {
            this.fileSize = Files.size(shard);
            InputStream in = new BufferedInputStream(Files.newInputStream(shard), 1 << 20);
            this.tar = new TarArchiveInputStream(in);
        } catch (IOException e) {
            throw new DataException("cannot read shard " + shard + ": " + e.getMessage(), e);
        }
    }

    /** The next sample, or null at the end of the shard. */
    public Sample next() {
        if (done) {
            return null;
        }
        if (pending == null && !advance()) {
            done = true;
            return null;
        }
        String key = key(pending.getName());
        byte[] image = null;
        String imageExt = null;
        String cls = null;
        String first = pending.getName();
        while (pending != null && key(pending.getName()).equals(key)) {
            String ext = ext(pending.getName());
            if (ext.equals("jpg") || ext.equals("jpeg") || ext.equals("png")) {
                if (image != null) {
                    throw damaged(pending.getName(), "is a second image of sample " + key);
                }
                image = pendingBytes;
                imageExt = ext;
            } else if (ext.equals("cls")) {
                cls = new String(pendingBytes, StandardCharsets.UTF_8).trim();
            }
            if (!advance()) {
                pending = null;
                done = true;
            }
        }
        if (image == null) {
            throw damaged(first, "belongs to sample " + key + ", which has no .jpg/.jpeg/.png member");
        }
        if (cls == null) {
            throw damaged(key + "." + imageExt, "has no .cls label member (sample " + key + ")");
        }
        int label;
        try {
            label = Integer.parseInt(cls);
        } catch (NumberFormatException e) {
            throw damaged(key + ".cls", "holds '" + (cls.length() > 20 ? cls.substring(0, 20) + "..." : cls)
                    + "', not an integer label");
        }
        if (label < 0 || label >= classes) {
            throw damaged(key + ".cls", "holds label " + label + ", outside 0.." + (classes - 1) + " (" + classes + " classes)");
        }
        return new Sample(key, image, imageExt, label);
    }

    /** Reads the next regular member into pending; false at the end. */
    private boolean advance() {
        String current = null;
        try {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (!e.isFile()) {
                    continue;
                }
                String name = e.getName();
                current = name;
                if (e.getSize() > MAX_MEMBER) {
                    throw damaged(name, "is " + e.getSize() + " bytes, above the " + MAX_MEMBER + "-byte member limit");
                }
                byte[] b = new byte[(int) e.getSize()];
                int off = 0;
                while (off < b.length) {
                    int n = tar.read(b, off, b.length - off);
                    if (n < 0) {
                        throw damaged(name, "is cut short (" + off + " of " + b.length + " bytes): the shard is truncated");
                    }
                    off += n;
                }
                pending = e;
                pendingBytes = b;
                return true;
            }
            if (fileSize % 512 != 0) { // tar is a sequence of 512-byte blocks: the end was cut off
                String after = pending == null ? "before its first member" : "after member " + pending.getName();
                throw new DataException("shard " + shard + " is truncated " + after + " (" + fileSize
                        + " bytes, not whole 512-byte tar blocks): re-create or remove the shard");
            }
            pending = null;
            return false;
        } catch (IOException e) {
            if (current != null) {
                throw new DataException("shard " + shard + " member " + current + " is cut short or damaged (" + e.getMessage()
                        + "): the shard is truncated; re-create or remove it", e);
            }
            String at = pending == null ? "its first member" : "the header after member " + pending.getName();
            throw new DataException("shard " + shard + " is damaged at " + at + " (" + e.getMessage()
                    + "): re-create or remove the shard", e);
        }
    }

    private DataException damaged(String member, String why) {
        return new DataException("shard " + shard + " member " + member + " " + why + ": re-create or remove the shard");
    }

    /** WebDataset's key: the path with the file name cut at its first dot. */
    static String key(String name) {
        int slash = name.lastIndexOf('/');
        int dot = name.indexOf('.', slash + 1);
        return dot < 0 ? name : name.substring(0, dot);
    }

    static String ext(String name) {
        int slash = name.lastIndexOf('/');
        int dot = name.indexOf('.', slash + 1);
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() {
        try {
            tar.close();
        } catch (IOException e) {
            // read-only: nothing to lose
        }
    }
}
