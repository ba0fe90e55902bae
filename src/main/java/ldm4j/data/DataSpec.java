package ldm4j.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import ldm4j.config.DataConfig;

/**
 * A parsed {@code --data} value.
 * <ul>
 *   <li>{@code cifar10}: the official release, downloaded once into {@code $LDM4J_CACHE} (default ~/.cache/ldm4j)</li>
 *   <li>{@code cifar10:PATH}: a local {@code cifar-10-binary.tar.gz} or its extracted {@code cifar-10-batches-bin} folder</li>
 *   <li>{@code folder:PATH}: an image folder ({@code PATH/train/<class>/}, {@code PATH/test/<class>/})</li>
 *   <li>{@code imagenet:ROOT}: ImageNet-1k in one of three layouts ({@link ImagenetData})</li>
 *   <li>{@code wds:PATTERN}: WebDataset tar shards, streamed ({@link WdsData}, {@link WdsStream})</li>
 * </ul>
 */
public record DataSpec(Kind kind, Path path) {

    public enum Kind { CIFAR10_DOWNLOAD, CIFAR10_LOCAL, FOLDER, IMAGENET, WDS }

    public static DataSpec parse(String spec) {
        String s = spec == null ? "" : spec.trim();
        if (s.equals("cifar10")) {
            return new DataSpec(Kind.CIFAR10_DOWNLOAD, null);
        }
        if (s.startsWith("cifar10:") && s.length() > 8) {
            return new DataSpec(Kind.CIFAR10_LOCAL, Path.of(s.substring(8)));
        }
        if (s.startsWith("folder:") && s.length() > 7) {
            return new DataSpec(Kind.FOLDER, Path.of(s.substring(7)));
        }
        if (s.startsWith("imagenet:") && s.length() > 9) {
            return new DataSpec(Kind.IMAGENET, Path.of(s.substring(9)));
        }
        if (s.startsWith("wds:") && s.length() > 4) {
            return new DataSpec(Kind.WDS, Path.of(s.substring(4)));
        }
        throw new DataException("--data '" + spec + "' is not a dataset: use cifar10, cifar10:PATH (tarball or "
                + "cifar-10-batches-bin folder), folder:PATH (PATH/train/<class>/*.png|jpg), imagenet:ROOT "
                + "(ROOT/train/<wnid>/, Kaggle's ROOT/ILSVRC/Data/CLS-LOC/) or wds:PATTERN[,test=PATTERN] (train-{000000..000099}.tar)");
    }

    /** The cache folder: {@code $LDM4J_CACHE}, or {@code ~/.cache/ldm4j}. */
    public static Path cacheDir() {
        String env = System.getenv("LDM4J_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "ldm4j");
    }

    /** Opens the dataset (downloading CIFAR-10 first for the {@code cifar10} spec); {@code notes} receives warnings. */
    public Splits open(Path cacheDir, Consumer<String> notes) {
        return open(cacheDir, notes, new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS));
    }

    /** Opens a data config's dataset with its decompression-bomb limit; {@code notes} receives warnings. */
    public static Splits open(DataConfig data, Consumer<String> notes) {
        return parse(data.spec()).open(cacheDir(), notes, new ImageDecoder(data.maxPixels()));
    }

    /** As {@link #open(Path, java.util.function.Consumer)}, decoding folder images with {@code decoder}. */
    public Splits open(Path cacheDir, Consumer<String> notes, ImageDecoder decoder) {
        String spec = toString();
        return switch (kind) {
            case CIFAR10_DOWNLOAD -> {
                Path tarball = Cifar10Download.official(System.getenv("LDM4J_CIFAR10_URL")).fetch(cacheDir);
                yield Cifar10Binary.open(tarball, spec);
            }
            case CIFAR10_LOCAL -> {
                if (Files.isRegularFile(path) && !Cifar10Download.md5Of(path).equals(Cifar10.MD5)) {
                    notes.accept("note: " + path + " is not byte-identical to the official " + Cifar10.TARBALL
                            + " (MD5 differs); every batch is still checked for size and labels");
                }
                yield Cifar10Binary.open(path, spec);
            }
            case FOLDER -> ImageFolder.open(path, spec, decoder);
            case IMAGENET -> ImagenetData.open(path, spec, decoder, notes);
            case WDS -> {
                long t0 = System.nanoTime();
                Splits splits = WdsData.open(path.toString()).splits(spec, decoder);
                notes.accept(String.format("note: indexed the tar headers of %s in %.1f s: %,d training samples%s", spec,
                        (System.nanoTime() - t0) / 1e9, splits.train().size(), splits.test().map(t -> String.format(
                                ", %,d test samples", t.size())).orElse(", no test shards")));
                yield splits;
            }
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case CIFAR10_DOWNLOAD -> "cifar10";
            case CIFAR10_LOCAL -> "cifar10:" + path;
            case FOLDER -> "folder:" + path;
            case IMAGENET -> "imagenet:" + path;
            case WDS -> "wds:" + path;
        };
    }
}
