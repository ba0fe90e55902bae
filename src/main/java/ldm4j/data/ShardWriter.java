package ldm4j.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

import javax.imageio.ImageIO;

import ldm4j.io.AtomicFiles;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a split as WebDataset shards {@code PREFIX-000000.tar, ...}: POSIX ustar archives (Python's
 * {@code tarfile} and {@code webdataset} read them), samples in dataset order, each as {@code KEY.jpg|jpeg|png}
 * (the original file's bytes; CIFAR-10's pixels as PNG) and {@code KEY.cls} (the label as decimal text), with
 * KEY the 9-digit image index. Entries carry fixed metadata (mode 0644, owner 0/0, mtime 0) so the same data
 * gives byte-identical shards. Each shard is written to a temporary file and renamed; {@code classes.txt} (one
 * class name per line, in label order) goes beside them.
 */
public final class ShardWriter {
    private ShardWriter() {
    }

    public static List<Path> write(ImageDataset ds, Path dir, String prefix, int perShard, Consumer<String> progress) {
        if (perShard < 1) {
            throw new IllegalArgumentException("perShard must be positive");
        }
        List<Path> out = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            AtomicFiles.writeBytes(dir.resolve("classes.txt"),
                    (String.join("\n", ds.classes()) + "\n").getBytes(StandardCharsets.UTF_8));
            int shards = (ds.size() + perShard - 1) / perShard;
            for (int s = 0; s < shards; s++) {
                int from = s * perShard;
                int to = Math.min(ds.size(), from + perShard);
                Path shard = dir.resolve(String.format("%s-%06d.tar", prefix, s));
                AtomicFiles.writeStream(shard, o -> writeShard(ds, from, to, o));
                out.add(shard);
                progress.accept(String.format("wrote %s (images %,d..%,d)", shard, from, to - 1));
            }
        } catch (IOException e) {
            throw new DataException("cannot write shards to " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static void writeShard(ImageDataset ds, int from, int to, OutputStream o) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(o);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        for (int i = from; i < to; i++) {
            String key = String.format("%09d", i);
            Member image = image(ds, i);
            put(tar, key + "." + image.ext(), image.bytes());
            put(tar, key + ".cls", Integer.toString(ds.label(i)).getBytes(StandardCharsets.US_ASCII));
        }
        tar.finish();
        tar.flush();
    }

    private record Member(byte[] bytes, String ext) {
    }

    /** The image's original file bytes when it has a file, else its pixels as PNG. */
    private static Member image(ImageDataset ds, int i) throws IOException {
        Path file = ds instanceof ImageFolder f ? f.file(i) : ds instanceof IndexedImages x ? x.file(i) : null;
        if (file != null) {
            String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
            String ext = n.substring(n.lastIndexOf('.') + 1);
            return new Member(Files.readAllBytes(file), ext);
        }
        RawImage img = ds.load(i);
        int h = img.height();
        int w = img.width();
        BufferedImage bi = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        byte[] p = img.planes();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int k = y * w + x;
                bi.setRGB(x, y, (p[k] & 255) << 16 | (p[h * w + k] & 255) << 8 | (p[2 * h * w + k] & 255));
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(bi, "png", png);
        return new Member(png.toByteArray(), "png");
    }

    private static void put(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(bytes.length);
        e.setMode(0100644);
        e.setModTime(0L);
        e.setIds(0, 0);
        e.setNames("", "");
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }
}
