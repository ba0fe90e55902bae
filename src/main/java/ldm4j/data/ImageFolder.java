package ldm4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * An image folder: {@code ROOT/train/<class>/*} and {@code ROOT/test/<class>/*}, or class folders
 * directly under ROOT for a single (train) split. A split folder that holds images and no class folders
 * is unconditional data: one class named {@value #UNCONDITIONAL}. PNG and JPEG files; hidden files are
 * skipped, anything else is an error. Classes named like CIFAR-10's take the official index order,
 * otherwise sorted names. Files are listed once; images are decoded on demand by {@link ImageDecoder}.
 */
public final class ImageFolder implements ImageDataset {
    private final String source;
    private final List<String> classes;
    private final Path[] files;
    private final int[] labels;
    private final ImageDecoder decoder;

    /** The one class of a folder of images without class folders. */
    public static final String UNCONDITIONAL = "unconditional";

    private ImageFolder(String source, List<String> classes, List<Path> files, List<Integer> labels, ImageDecoder decoder) {
        this.source = source;
        this.decoder = decoder;
        this.classes = List.copyOf(classes);
        this.files = files.toArray(new Path[0]);
        this.labels = labels.stream().mapToInt(Integer::intValue).toArray();
    }

    public static Splits open(Path root, String spec) {
        return open(root, spec, new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS));
    }

    public static Splits open(Path root, String spec, ImageDecoder decoder) {
        if (!Files.exists(root)) {
            throw new DataException(root + " does not exist: --data folder:PATH needs PATH/train/<class>/ and "
                    + "PATH/test/<class>/ image folders (or class folders directly)");
        }
        if (!Files.isDirectory(root)) {
            throw new DataException(root + " is not a folder: --data folder:PATH needs a folder of class folders");
        }
        Path train = root.resolve("train");
        Path test = root.resolve("test");
        boolean hasTrain = Files.isDirectory(train);
        boolean hasTest = Files.isDirectory(test);
        if (hasTrain != hasTest) {
            Path missing = hasTrain ? test : train;
            throw new DataException(missing + " is missing: " + root + " has " + (hasTrain ? "train/" : "test/")
                    + " so it needs both train/<class>/ and test/<class>/ splits");
        }
        if (!hasTrain) {
            List<String> classes = classNames(root);
            return new Splits(spec, scan(root, classes, spec, decoder), Optional.empty());
        }
        List<String> classes = classNames(train);
        List<String> testClasses = classNames(test);
        if (!new HashSet<>(classes).equals(new HashSet<>(testClasses))) {
            throw new DataException(test + " has classes " + testClasses + " but " + train + " has " + classes
                    + ": both splits need the same class folders");
        }
        return new Splits(spec, scan(train, classes, spec + " (train)", decoder),
                Optional.of(scan(test, classes, spec + " (test)", decoder)));
    }

    /**
     * Class folder names: CIFAR-10's official order if they are CIFAR-10's classes, else sorted;
     * {@code [unconditional]} for a folder of images without class folders.
     */
    static List<String> classNames(Path dir) {
        List<String> names = new ArrayList<>();
        boolean images = false;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith(".")) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    names.add(n);
                } else if (isImageName(n)) {
                    images = true;
                }
            }
        } catch (IOException e) {
            throw new DataException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (images && !names.isEmpty()) {
            throw new DataException(dir + " holds both image files and folders " + names + ": put every image in a class "
                    + "folder (class-conditional data) or remove the folders (unconditional data)");
        }
        if (images) {
            return List.of(UNCONDITIONAL);
        }
        if (names.isEmpty()) {
            throw new DataException(dir + " has no class folders and no images: expected " + dir
                    + "/<class>/*.png or *.jpg, or images directly in it for unconditional data");
        }
        if (new HashSet<>(names).equals(new HashSet<>(Cifar10.CLASSES))) {
            return Cifar10.CLASSES;
        }
        return names;
    }

    private static ImageFolder scan(Path dir, List<String> classes, String source, ImageDecoder decoder) {
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        boolean unconditional = classes.equals(List.of(UNCONDITIONAL)) && !Files.isDirectory(dir.resolve(UNCONDITIONAL));
        for (int c = 0; c < classes.size(); c++) {
            Path classDir = unconditional ? dir : dir.resolve(classes.get(c));
            List<Path> images = new ArrayList<>();
            try (Stream<Path> s = Files.list(classDir)) {
                for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                    String name = p.getFileName().toString();
                    if (name.startsWith(".")) {
                        continue;
                    }
                    if (Files.isDirectory(p)) {
                        throw new DataException(p + " is a folder inside class folder " + classDir
                                + ": class folders must hold image files only");
                    }
                    if (!isImageName(name)) {
                        throw new DataException(p + " is not an image (only .png, .jpg and .jpeg are read): remove it from "
                                + classDir);
                    }
                    images.add(p);
                }
            } catch (IOException e) {
                throw new DataException("cannot list " + classDir + ": " + e.getMessage(), e);
            }
            if (images.isEmpty()) {
                throw new DataException(classDir + " is an empty class folder: add images or remove the folder");
            }
            for (Path p : images) {
                files.add(p);
                labels.add(c);
            }
        }
        return new ImageFolder(source, classes, files, labels, decoder);
    }

    static boolean isImageName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
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
        return files.length;
    }

    @Override
    public int label(int i) {
        return labels[i];
    }

    public Path file(int i) {
        return files[i];
    }

    @Override
    public RawImage load(int i) {
        return decoder.decode(files[i]);
    }

    /** The declared size of image {@code i}, from its header. */
    public ImageDecoder.Size declaredSize(int i) {
        return decoder.size(files[i]);
    }
}
