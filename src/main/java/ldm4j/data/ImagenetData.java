package ldm4j.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ImageNet-1k ({@code --data imagenet:ROOT}) in the three layouts people have:
 * <ol>
 *   <li>{@code folders}: {@code ROOT/train/<wnid>/*.JPEG} and {@code ROOT/val/<wnid>/*.JPEG} (the common val-prep
 *   script's layout);</li>
 *   <li>{@code devkit}: {@code ROOT/train/<wnid>/} with a flat {@code ROOT/val/ILSVRC2012_val_%08d.JPEG} labelled by the
 *   devkit's {@code ILSVRC2012_validation_ground_truth.txt} (ILSVRC2012_IDs in meta.mat order, mapped to WNIDs by
 *   {@link ImagenetClasses}; {@code id - 1} is not a class index);</li>
 *   <li>{@code kaggle}: {@code ROOT/ILSVRC/Data/CLS-LOC/{train,val}} with {@code ROOT/LOC_val_solution.csv} (the
 *   first token of PredictionString is the WNID).</li>
 * </ol>
 * Classes are the training WNIDs present, sorted (for the full dataset: class index = sorted position, as in
 * torchvision and ADM), named "tench (n01440764)". A WNID folder that is not one of the 1,000 classes, or a
 * validation image without a label, is an error naming it.
 */
public final class ImagenetData {
    public static final int FULL_TRAIN = 1_281_167;
    public static final int FULL_VAL = 50_000;
    static final String GROUND_TRUTH = "ILSVRC2012_validation_ground_truth.txt";
    static final String KAGGLE_SOLUTION = "LOC_val_solution.csv";
    private static final Pattern VAL_NAME = Pattern.compile("ILSVRC2012_val_(\\d{8})\\.(?i:jpe?g|png)");

    private ImagenetData() {
    }

    /** The layout found under a root. */
    public enum Layout {
        FOLDERS("folders: train/<wnid>/ and val/<wnid>/"),
        DEVKIT("devkit: train/<wnid>/, flat val/ labelled by " + GROUND_TRUTH),
        KAGGLE("kaggle: ILSVRC/Data/CLS-LOC/{train,val} labelled by " + KAGGLE_SOLUTION),
        TRAIN_ONLY("train/<wnid>/ only (no val/)");

        final String description;

        Layout(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    public static Splits open(Path root, String spec, ImageDecoder decoder, Consumer<String> notes) {
        if (!Files.isDirectory(root)) {
            throw new DataException(root + " is not a folder: --data imagenet:ROOT needs ROOT/train/<wnid>/ (and val/), "
                    + "or Kaggle's ROOT/ILSVRC/Data/CLS-LOC/");
        }
        Path kaggle = root.resolve("ILSVRC/Data/CLS-LOC");
        Path base = Files.isDirectory(kaggle.resolve("train")) ? kaggle : root;
        Path train = base.resolve("train");
        if (!Files.isDirectory(train)) {
            throw new DataException(root + " has no train/ folder: --data imagenet:ROOT needs ROOT/train/<wnid>/*.JPEG "
                    + "(with val/<wnid>/ or a flat val/ and " + GROUND_TRUTH + "), or Kaggle's ROOT/ILSVRC/Data/CLS-LOC/train/");
        }
        long t0 = System.nanoTime();
        ImagenetClasses table = ImagenetClasses.get();
        List<String> wnids = wnidFolders(train, table);
        Map<String, Integer> classOf = new HashMap<>();
        for (int i = 0; i < wnids.size(); i++) {
            classOf.put(wnids.get(i), i);
        }
        List<String> classes = table.displayNames(wnids);
        IndexedImages trainSet = listFolders(train, wnids, classOf, classes, spec + " (train)", decoder);
        Path val = base.resolve("val");
        Layout layout;
        IndexedImages valSet = null;
        if (!Files.isDirectory(val)) {
            layout = Layout.TRAIN_ONLY;
        } else if (base == kaggle) {
            layout = Layout.KAGGLE;
            valSet = listFlatVal(val, kaggleLabels(root.resolve(KAGGLE_SOLUTION), table), classOf, classes,
                    spec + " (val)", decoder, root.resolve(KAGGLE_SOLUTION));
        } else if (hasSubfolders(val)) {
            layout = Layout.FOLDERS;
            List<String> valWnids = wnidFolders(val, table);
            for (String w : valWnids) {
                if (!classOf.containsKey(w)) {
                    throw new DataException(val.resolve(w) + " is a validation class that " + train + " does not have: "
                            + "add its training images or remove the folder");
                }
            }
            valSet = listFolders(val, valWnids, classOf, classes, spec + " (val)", decoder);
        } else {
            layout = Layout.DEVKIT;
            Path truth = groundTruth(root);
            valSet = listFlatVal(val, devkitLabels(truth, table), classOf, classes, spec + " (val)", decoder, truth);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long bytes = trainSet.indexBytes() + (valSet == null ? 0 : valSet.indexBytes());
        notes.accept(String.format("imagenet layout %s; listed in %.1f s; file index %.1f MB (%.0f bytes per file)",
                layout.description(), secs, bytes / 1e6, bytes / (double) (trainSet.size() + (valSet == null ? 0 : valSet.size()))));
        notes.accept(counts("train", trainSet.size(), FULL_TRAIN, wnids.size()));
        if (valSet != null) {
            notes.accept(counts("val", valSet.size(), FULL_VAL, wnids.size()));
        }
        return new Splits(spec, trainSet, Optional.ofNullable(valSet));
    }

    static String counts(String split, int n, int full, int classes) {
        if (n == full && classes == ImagenetClasses.COUNT) {
            return String.format("imagenet %s: %,d images in %,d classes (the full ILSVRC2012 %s split)", split, n, classes, split);
        }
        return String.format("warning: imagenet %s: %,d images in %,d classes, a subset of the full %,d in 1,000 classes "
                + "(fine for smaller runs; class indices are positions among the %,d classes present)", split, n, classes,
                full, classes);
    }

    private static boolean hasSubfolders(Path dir) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (!p.getFileName().toString().startsWith(".") && Files.isDirectory(p)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new DataException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The sorted WNID folders of a split; anything else (a foreign folder, a stray file) is an error. */
    static List<String> wnidFolders(Path dir, ImagenetClasses table) {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                if (n.startsWith(".")) {
                    continue;
                }
                if (!Files.isDirectory(p)) {
                    throw new DataException(p + " is a file in " + dir + ", which must hold only <wnid>/ class folders: "
                            + "move or remove it");
                }
                if (!table.contains(n)) {
                    throw new DataException(p + " is not one of the 1,000 ILSVRC2012 classes (WordNet IDs such as "
                            + "n01440764): remove it, or read the folder with --data folder:" + dir.getParent());
                }
                out.add(n);
            }
        } catch (IOException e) {
            throw new DataException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new DataException(dir + " has no <wnid>/ class folders");
        }
        Collections.sort(out);
        return out;
    }

    /** Sorted image names of one folder (hidden files skipped; anything but an image is an error). */
    static List<String> imageNames(Path dir) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                if (n.startsWith(".")) {
                    continue;
                }
                if (!ImageFolder.isImageName(n)) {
                    throw new DataException(p + " is not an image (.JPEG, .jpg, .png): remove it from " + dir);
                }
                names.add(n);
            }
        } catch (IOException e) {
            throw new DataException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        Collections.sort(names);
        return names;
    }

    private static IndexedImages listFolders(Path split, List<String> wnids, Map<String, Integer> classOf,
                                             List<String> classes, String source, ImageDecoder decoder) {
        FileIndex.Builder files = new FileIndex.Builder();
        ShortList labels = new ShortList();
        for (String w : wnids) {
            Path dir = split.resolve(w);
            List<String> names = imageNames(dir);
            if (names.isEmpty()) {
                throw new DataException(dir + " is an empty class folder: add its images or remove the folder");
            }
            int f = files.folder(dir);
            short label = (short) (int) classOf.get(w);
            for (String n : names) {
                files.add(f, n);
                labels.add(label);
            }
        }
        return new IndexedImages(source, classes, files.build(), labels.toArray(), decoder);
    }

    private static IndexedImages listFlatVal(Path val, Map<Integer, String> wnidOfNumber, Map<String, Integer> classOf,
                                             List<String> classes, String source, ImageDecoder decoder, Path labelFile) {
        FileIndex.Builder files = new FileIndex.Builder();
        ShortList labels = new ShortList();
        int f = files.folder(val);
        for (String n : imageNames(val)) {
            Matcher m = VAL_NAME.matcher(n);
            if (!m.matches()) {
                throw new DataException(val.resolve(n) + " is not named ILSVRC2012_val_NNNNNNNN.JPEG, so it has no label in "
                        + labelFile + ": rename or remove it");
            }
            String wnid = wnidOfNumber.get(Integer.parseInt(m.group(1)));
            if (wnid == null) {
                throw new DataException(val.resolve(n) + " has no label in " + labelFile + ": use the complete label file "
                        + "or remove the image");
            }
            Integer c = classOf.get(wnid);
            if (c == null) {
                throw new DataException(val.resolve(n) + " is labelled " + wnid + " in " + labelFile + ", a class with no "
                        + "training folder: add its training images or remove the image");
            }
            files.add(f, n);
            labels.add((short) (int) c);
        }
        if (files.size() == 0) {
            throw new DataException(val + " has no images");
        }
        return new IndexedImages(source, classes, files.build(), labels.toArray(), decoder);
    }

    /** The devkit ground truth: where the devkit puts it, or next to train/. */
    static Path groundTruth(Path root) {
        for (Path p : List.of(root.resolve(GROUND_TRUTH), root.resolve("ILSVRC2012_devkit_t12/data/" + GROUND_TRUTH),
                root.resolve("val/" + GROUND_TRUTH))) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new DataException(root.resolve("val") + " holds images without class folders but " + root.resolve(GROUND_TRUTH)
                + " (or ILSVRC2012_devkit_t12/data/" + GROUND_TRUTH + ") is missing: copy it from the ILSVRC2012 devkit "
                + "or sort val/ into <wnid>/ folders");
    }

    /** Validation image number (1..) to WNID from the devkit's ground truth (line n: the ILSVRC2012_ID of image n). */
    static Map<Integer, String> devkitLabels(Path file, ImagenetClasses table) {
        Map<Integer, String> out = new HashMap<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (n > 1_000_000) {
                    throw new DataException(file + " has more than 1,000,000 lines: it is not the devkit's ground truth");
                }
                String t = line.trim();
                if (t.isEmpty()) {
                    continue;
                }
                int id;
                try {
                    id = Integer.parseInt(t);
                } catch (NumberFormatException e) {
                    throw new DataException(file + " line " + n + " is '" + abbreviate(t) + "', not an ILSVRC2012_ID 1..1000");
                }
                if (id < 1 || id > ImagenetClasses.COUNT) {
                    throw new DataException(file + " line " + n + " is " + id + ", not an ILSVRC2012_ID 1..1000");
                }
                out.put(n, table.wnidOfDevkitId(id));
            }
        } catch (IOException e) {
            throw new DataException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Validation image number to WNID from Kaggle's LOC_val_solution.csv. */
    static Map<Integer, String> kaggleLabels(Path file, ImagenetClasses table) {
        if (!Files.isRegularFile(file)) {
            throw new DataException(file + " is missing: Kaggle's val/ images are labelled by it (ImageId,PredictionString)");
        }
        Map<Integer, String> out = new HashMap<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (n > 1_000_000) {
                    throw new DataException(file + " has more than 1,000,000 lines: it is not Kaggle's " + KAGGLE_SOLUTION);
                }
                if (n == 1 && line.startsWith("ImageId")) {
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                int comma = line.indexOf(',');
                Matcher m = comma < 0 ? null : VAL_NAME.matcher(line.substring(0, comma).trim() + ".JPEG");
                String[] tokens = comma < 0 ? new String[0] : line.substring(comma + 1).trim().split("\\s+");
                if (m == null || !m.matches() || tokens.length == 0 || tokens[0].isEmpty()) {
                    throw new DataException(file + " line " + n + " is '" + abbreviate(line)
                            + "', not 'ILSVRC2012_val_NNNNNNNN,WNID x y x y ...'");
                }
                if (!table.contains(tokens[0])) {
                    throw new DataException(file + " line " + n + " labels an image " + abbreviate(tokens[0])
                            + ", which is not one of the 1,000 ILSVRC2012 WNIDs");
                }
                out.put(Integer.parseInt(m.group(1)), tokens[0]);
            }
        } catch (IOException e) {
            throw new DataException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }

    /** A growable short array. */
    static final class ShortList {
        private short[] a = new short[1024];
        private int n;

        void add(short v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, 2 * n);
            }
            a[n++] = v;
        }

        short[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
