package ldm4j.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

/**
 * An image folder: {@code ROOT/train/<class>/*} and {@code ROOT/test/<class>/*}, or class folders
 * directly under ROOT for a single (train) split. PNG and JPEG files; hidden files are skipped,
 * anything else is an error. Classes named like CIFAR-10's take the official index order,
 * otherwise sorted names. Files are listed once; images are decoded on demand.
 */
public final class ImageFolder implements ImageDataset {
    private final String source;
    private final List<String> classes;
    private final Path[] files;
    private final int[] labels;

    private ImageFolder(String source, List<String> classes, List<Path> files, List<Integer> labels) {
        this.source = source;
        this.classes = List.copyOf(classes);
        this.files = files.toArray(new Path[0]);
        this.labels = labels.stream().mapToInt(Integer::intValue).toArray();
    }

    public static Splits open(Path root, String spec) {
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
            return new Splits(spec, scan(root, classes, spec), Optional.empty());
        }
        List<String> classes = classNames(train);
        List<String> testClasses = classNames(test);
        if (!new HashSet<>(classes).equals(new HashSet<>(testClasses))) {
            throw new DataException(test + " has classes " + testClasses + " but " + train + " has " + classes
                    + ": both splits need the same class folders");
        }
        return new Splits(spec, scan(train, classes, spec + " (train)"), Optional.of(scan(test, classes, spec + " (test)")));
    }

    /** Class folder names: CIFAR-10's official order if they are CIFAR-10's classes, else sorted. */
    static List<String> classNames(Path dir) {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .sorted()
                    .forEach(names::add);
        } catch (IOException e) {
            throw new DataException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (names.isEmpty()) {
            throw new DataException(dir + " has no class folders: expected " + dir + "/<class>/*.png or *.jpg");
        }
        if (new HashSet<>(names).equals(new HashSet<>(Cifar10.CLASSES))) {
            return Cifar10.CLASSES;
        }
        return names;
    }

    private static ImageFolder scan(Path dir, List<String> classes, String source) {
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            Path classDir = dir.resolve(classes.get(c));
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
        return new ImageFolder(source, classes, files, labels);
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
        Path f = files[i];
        BufferedImage img;
        try {
            img = ImageIO.read(f.toFile());
        } catch (IOException | RuntimeException e) {
            throw new DataException(f + " is not a readable PNG/JPEG image (" + e.getMessage() + "): replace or remove it", e);
        }
        if (img == null) {
            throw new DataException(f + " is not a readable PNG/JPEG image (no decoder accepted it): replace or remove it");
        }
        return toPlanes(img);
    }

    /** Any BufferedImage to planar 8-bit RGB (alpha dropped, grey expanded). */
    static RawImage toPlanes(BufferedImage img) {
        int h = img.getHeight();
        int w = img.getWidth();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        int plane = h * w;
        byte[] out = new byte[3 * plane];
        for (int i = 0; i < plane; i++) {
            int p = argb[i];
            out[i] = (byte) (p >>> 16);
            out[plane + i] = (byte) (p >>> 8);
            out[2 * plane + i] = (byte) p;
        }
        return new RawImage(out, h, w);
    }
}
