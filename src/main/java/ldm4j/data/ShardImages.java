package ldm4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * WebDataset shards as an indexed split: one pass over the tar headers (no image is read) finds every sample's image
 * member (where its bytes start, how long it is) and reads its {@code .cls} label, with the grouping rules of
 * {@link TarSamples}. Samples are numbered in shard order, then member order, so reading them by index is one
 * sequential pass per shard (the latent cache's encode); any index can also be read alone (evaluation subsets).
 * Per sample the index keeps an offset, a length and a label (14 bytes), no objects. The same damage
 * {@link TarSamples} refuses (truncated shard, image without label, label out of range) is refused here while
 * indexing, naming the shard and the member.
 */
public final class ShardImages implements ImageDataset {
    private final String source;
    private final List<String> classes;
    private final List<Path> shards;
    private final int[] shardStart;   // sample index of each shard's first sample; shards.size() + 1 entries
    private final long[] offsets;     // byte offset of the image member's data in its shard
    private final int[] lengths;      // image member's size in bytes
    private final short[] labels;
    private final ImageDecoder decoder;

    private ShardImages(String source, List<String> classes, List<Path> shards, int[] shardStart, long[] offsets,
                        int[] lengths, short[] labels, ImageDecoder decoder) {
        this.source = source;
        this.classes = List.copyOf(classes);
        this.shards = List.copyOf(shards);
        this.shardStart = shardStart;
        this.offsets = offsets;
        this.lengths = lengths;
        this.labels = labels;
        this.decoder = decoder;
    }

    /** Indexes {@code shards} (in the given order); {@code source} names the split in messages. */
    public static ShardImages index(String source, List<Path> shards, List<String> classes, ImageDecoder decoder) {
        if (shards.isEmpty() || classes.isEmpty() || classes.size() > Short.MAX_VALUE) {
            throw new IllegalArgumentException("need shards and 1.." + Short.MAX_VALUE + " classes");
        }
        List<Builder> parts = indexAll(shards, classes.size());
        Builder b = new Builder();
        int[] start = new int[shards.size() + 1];
        for (int s = 0; s < shards.size(); s++) {
            start[s] = b.n;
            Builder p = parts.get(s);
            for (int k = 0; k < p.n; k++) {
                b.add(p.offsets[k], p.lengths[k], p.labels[k]);
            }
        }
        start[shards.size()] = b.n;
        return new ShardImages(source, classes, shards, start, Arrays.copyOf(b.offsets, b.n), Arrays.copyOf(b.lengths, b.n),
                Arrays.copyOf(b.labels, b.n), decoder);
    }

    /**
     * Each shard's samples, the shards indexed by up to {@value #INDEX_THREADS} threads (the work is header reads);
     * the first damaged shard in pattern order is the error.
     */
    private static List<Builder> indexAll(List<Path> shards, int classes) {
        int threads = Math.max(1, Math.min(INDEX_THREADS, Math.min(Runtime.getRuntime().availableProcessors(), shards.size())));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "ldm4j-shard-index");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Builder>> futures = new ArrayList<>();
            for (Path shard : shards) {
                futures.add(pool.submit(() -> {
                    Builder b = new Builder();
                    indexShard(shard, classes, b);
                    return b;
                }));
            }
            List<Builder> out = new ArrayList<>();
            for (Future<Builder> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    throw new DataException("indexing the shards failed: " + e.getCause(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DataException("interrupted while indexing the shards", e);
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Most threads reading shard headers at once. */
    static final int INDEX_THREADS = 8;

    /** Growing arrays of the index. */
    private static final class Builder {
        int n;
        long[] offsets = new long[1024];
        int[] lengths = new int[1024];
        short[] labels = new short[1024];

        Builder() {
        }

        void add(long offset, int length, int label) {
            if (n == Integer.MAX_VALUE - 8) {
                throw new DataException("the shards hold more than " + (Integer.MAX_VALUE - 8) + " samples: split the data");
            }
            if (n == offsets.length) {
                int cap = (int) Math.min(Integer.MAX_VALUE - 8L, 2L * n);
                offsets = Arrays.copyOf(offsets, cap);
                lengths = Arrays.copyOf(lengths, cap);
                labels = Arrays.copyOf(labels, cap);
            }
            offsets[n] = offset;
            lengths[n] = length;
            labels[n] = (short) label;
            n++;
        }
    }

    private static void indexShard(Path shard, int classes, Builder b) {
        long fileSize;
        List<TarArchiveEntry> entries;
        try {
            fileSize = Files.size(shard);
            if (fileSize % 512 != 0) {
                throw new DataException("shard " + shard + " is truncated (" + fileSize + " bytes, not whole 512-byte tar "
                        + "blocks): re-create or remove the shard");
            }
            try (TarFile tar = new TarFile(shard)) {
                entries = tar.getEntries();
                requireEndOfArchive(shard, entries, fileSize);
                groupSamples(shard, tar, entries, fileSize, classes, b);
            }
        } catch (IOException | IllegalArgumentException e) {
            streamingDiagnosis(shard, classes);
            throw new DataException("shard " + shard + " is damaged (" + e.getMessage() + "): re-create or remove the shard", e);
        }
    }

    /**
     * Every tar writer ends the archive with zero blocks after the last member; a shard cut at a block boundary right
     * after a member has none (its last sample would otherwise look like a sample without its label).
     */
    private static void requireEndOfArchive(Path shard, List<TarArchiveEntry> entries, long fileSize) {
        if (entries.isEmpty()) {
            return;
        }
        TarArchiveEntry last = entries.get(entries.size() - 1);
        long end = last.getDataOffset() + (last.isFile() ? (last.getSize() + 511) / 512 * 512 : 0);
        if (fileSize - end < 512) {
            throw new DataException("shard " + shard + " is truncated after member " + last.getName() + " (no "
                    + "end-of-archive blocks): re-create or remove the shard");
        }
    }

    /** A shard whose headers do not parse, read once by the streaming reader: its error names the member. */
    private static void streamingDiagnosis(Path shard, int classes) {
        try (TarSamples t = new TarSamples(shard, classes)) {
            while (t.next() != null) {
                // to the first damage
            }
        }
    }

    /** Consecutive members with the same key form a sample: one image and a {@code .cls} label ({@link TarSamples}). */
    private static void groupSamples(Path shard, TarFile tar, List<TarArchiveEntry> entries, long fileSize, int classes,
                                     Builder b) throws IOException {
        int i = 0;
        while (i < entries.size()) {
            if (!entries.get(i).isFile()) {
                i++;
                continue;
            }
            String first = entries.get(i).getName();
            String key = TarSamples.key(first);
            TarArchiveEntry image = null;
            String cls = null;
            for (; i < entries.size() && (!entries.get(i).isFile() || TarSamples.key(entries.get(i).getName()).equals(key)); i++) {
                TarArchiveEntry e = entries.get(i);
                if (!e.isFile()) {
                    continue;
                }
                if (e.getDataOffset() + e.getSize() > fileSize || e.getSize() > TarSamples.MAX_MEMBER) {
                    throw damaged(shard, e.getName(), "is cut short or above the " + TarSamples.MAX_MEMBER
                            + "-byte member limit (" + e.getSize() + " bytes): the shard is truncated or damaged");
                }
                String ext = TarSamples.ext(e.getName());
                if (ext.equals("jpg") || ext.equals("jpeg") || ext.equals("png")) {
                    if (image != null) {
                        throw damaged(shard, e.getName(), "is a second image of sample " + key);
                    }
                    image = e;
                } else if (ext.equals("cls")) {
                    if (e.getSize() > 32) {
                        throw damaged(shard, e.getName(), "is " + e.getSize() + " bytes: a label is a short integer");
                    }
                    try (InputStream in = tar.getInputStream(e)) {
                        cls = new String(in.readNBytes((int) e.getSize()), StandardCharsets.UTF_8).trim();
                    }
                }
            }
            if (image == null) {
                throw damaged(shard, first, "belongs to sample " + key + ", which has no .jpg/.jpeg/.png member");
            }
            String imageName = image.getName();
            if (cls == null) {
                throw damaged(shard, imageName, "has no .cls label member (sample " + key + ")");
            }
            int label;
            try {
                label = Integer.parseInt(cls);
            } catch (NumberFormatException e) {
                throw damaged(shard, key + ".cls", "holds '" + (cls.length() > 20 ? cls.substring(0, 20) + "..." : cls)
                        + "', not an integer label");
            }
            if (label < 0 || label >= classes) {
                throw damaged(shard, key + ".cls", "holds label " + label + ", outside 0.." + (classes - 1) + " ("
                        + classes + " classes)");
            }
            b.add(image.getDataOffset(), (int) image.getSize(), label);
        }
    }

    private static DataException damaged(Path shard, String member, String why) {
        return new DataException("shard " + shard + " member " + member + " " + why + ": re-create or remove the shard");
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int label(int i) {
        return labels[i];
    }

    public List<Path> shards() {
        return shards;
    }

    /** Samples in shard {@code s} (of {@link #shards()}). */
    public int samplesIn(int s) {
        return shardStart[s + 1] - shardStart[s];
    }

    /** The shard holding sample {@code i}. */
    int shardOf(int i) {
        int s = Arrays.binarySearch(shardStart, i);
        if (s >= 0) {
            while (s + 1 < shardStart.length && shardStart[s + 1] == i) {
                s++; // skip empty shards
            }
            return s;
        }
        return -s - 2;
    }

    /** The image member's bytes of sample {@code i}: one positional read. */
    public byte[] bytes(int i) {
        Path shard = shards.get(shardOf(i));
        byte[] out = new byte[lengths[i]];
        ByteBuffer buf = ByteBuffer.wrap(out);
        try (FileChannel ch = FileChannel.open(shard, StandardOpenOption.READ)) {
            long pos = offsets[i];
            while (buf.hasRemaining()) {
                if (ch.read(buf, pos + buf.position()) < 0) {
                    throw new DataException("shard " + shard + " member " + memberName(i) + " is cut short: the shard "
                            + "changed after it was indexed; re-create it and start again");
                }
            }
        } catch (IOException e) {
            throw new DataException("cannot read shard " + shard + " member " + memberName(i) + ": " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public RawImage load(int i) {
        return decoder.decode(bytes(i), "shard " + shards.get(shardOf(i)) + " member " + memberName(i));
    }

    /**
     * The image member's name, read back from its tar header (the 512 bytes before its data; the ustar name field,
     * so a long PAX name shows its first 100 bytes) instead of keeping every name in memory.
     */
    String memberName(int i) {
        Path shard = shards.get(shardOf(i));
        try (FileChannel ch = FileChannel.open(shard, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(100);
            ch.read(h, offsets[i] - 512);
            byte[] name = h.array();
            int end = 0;
            while (end < name.length && name[end] != 0) {
                end++;
            }
            return new String(name, 0, end, StandardCharsets.UTF_8);
        } catch (IOException | IllegalArgumentException e) {
            return "at byte " + offsets[i];
        }
    }

    /** Bytes of heap the index takes. */
    public long indexBytes() {
        return 8L * offsets.length + 4L * lengths.length + 2L * labels.length + 4L * shardStart.length;
    }
}
