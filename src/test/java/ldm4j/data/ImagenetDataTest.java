package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import ldm4j.LdmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three ImageNet layouts on tiny synthetic trees (listing only: the files are empty), and the class table. */
class ImagenetDataTest {
    static final ImageDecoder DECODER = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);
    static final String TENCH = "n01440764";
    static final String KIT_FOX = "n02119789";
    static final String GOLDFISH = "n01443537";

    @TempDir
    Path root;

    @Test
    void devkitIdsAreNotSortedIndices() {
        ImagenetClasses t = ImagenetClasses.get();
        assertEquals(KIT_FOX, t.wnidOfDevkitId(1));              // meta.mat order
        assertEquals("n02100735", t.wnidOfDevkitId(2));          // English setter
        assertEquals(TENCH, t.wnidOfDevkitId(449));
        assertEquals("n03255030", t.wnidOfDevkitId(1000));      // dumbbell
        assertEquals(0, t.sortedIndex(TENCH));                  // torchvision / ADM class index
        assertEquals(278, t.sortedIndex(KIT_FOX));
        assertEquals("n15075141", t.wnid(999));                 // toilet tissue
        assertEquals("tench", t.shortName(TENCH));
        assertEquals("kit fox (n02119789)", t.displayName(KIT_FOX));
        HashSet<String> wnids = new HashSet<>();
        HashSet<String> names = new HashSet<>();
        for (int id = 1; id <= 1000; id++) {
            String w = t.wnidOfDevkitId(id);
            wnids.add(w);
            names.add(t.shortName(w));
        }
        assertEquals(1000, wnids.size());
        assertEquals(1000, names.size());                       // short names are unique, so --class NAME is
    }

    @Test
    void foldersLayout() throws IOException {
        images(root.resolve("train/" + KIT_FOX), "b.JPEG", "a.JPEG");
        images(root.resolve("train/" + TENCH), "t1.JPEG");
        images(root.resolve("val/" + KIT_FOX), "v.JPEG");
        List<String> notes = new ArrayList<>();
        Splits s = ImagenetData.open(root, "imagenet:x", DECODER, notes::add);
        assertEquals(List.of("tench (n01440764)", "kit fox (n02119789)"), s.classes());
        assertEquals(3, s.train().size());
        assertEquals(0, s.train().label(0));
        assertEquals(1, s.train().label(1));
        assertEquals(root.resolve("train/" + KIT_FOX + "/a.JPEG"), ((IndexedImages) s.train()).file(1));
        assertEquals(1, s.requireTest().size());
        assertEquals(1, s.requireTest().label(0));
        assertTrue(notes.get(0).startsWith("imagenet layout folders"), notes.get(0));
        assertTrue(notes.get(1).startsWith("warning: imagenet train: 3 images in 2 classes, a subset of the full 1,281,167"),
                notes.get(1));
    }

    @Test
    void devkitLayoutMapsIlsvrcIdsThroughTheTable() throws IOException {
        images(root.resolve("train/" + KIT_FOX), "k.JPEG");
        images(root.resolve("train/" + TENCH), "t.JPEG");
        images(root.resolve("train/" + GOLDFISH), "g.JPEG");
        images(root.resolve("val"), "ILSVRC2012_val_00000001.JPEG", "ILSVRC2012_val_00000002.JPEG",
                "ILSVRC2012_val_00000003.JPEG");
        Path gt = root.resolve("ILSVRC2012_devkit_t12/data/" + ImagenetData.GROUND_TRUTH);
        Files.createDirectories(gt.getParent());
        Files.writeString(gt, "1\n449\n450\n");                 // kit fox, tench, goldfish
        List<String> notes = new ArrayList<>();
        Splits s = ImagenetData.open(root, "imagenet:x", DECODER, notes::add);
        assertEquals(List.of("tench (n01440764)", "goldfish (n01443537)", "kit fox (n02119789)"), s.classes());
        ImageDataset val = s.requireTest();
        assertEquals(2, val.label(0)); // ID 1 is kit fox, sorted position 2 here; "id - 1" would say 0 (tench)
        assertEquals(0, val.label(1));
        assertEquals(1, val.label(2));
        assertTrue(notes.get(0).startsWith("imagenet layout devkit"), notes.get(0));
    }

    @Test
    void kaggleLayout() throws IOException {
        Path cls = root.resolve("ILSVRC/Data/CLS-LOC");
        images(cls.resolve("train/" + KIT_FOX), "k1.JPEG", "k2.JPEG");
        images(cls.resolve("train/" + TENCH), "t.JPEG");
        images(cls.resolve("val"), "ILSVRC2012_val_00000007.JPEG", "ILSVRC2012_val_00000002.JPEG");
        Files.writeString(root.resolve(ImagenetData.KAGGLE_SOLUTION), "ImageId,PredictionString\n"
                + "ILSVRC2012_val_00000007,n02119789 10 20 30 40 n02119789 1 2 3 4\n"
                + "ILSVRC2012_val_00000002,n01440764 5 6 7 8 \n");
        List<String> notes = new ArrayList<>();
        Splits s = ImagenetData.open(root, "imagenet:x", DECODER, notes::add);
        assertEquals(3, s.train().size());
        ImageDataset val = s.requireTest();
        assertEquals(0, val.label(0)); // ..._00000002: tench
        assertEquals(1, val.label(1)); // ..._00000007: kit fox
        assertTrue(notes.get(0).startsWith("imagenet layout kaggle"), notes.get(0));
    }

    @Test
    void foreignWnidFolderAndUnlabelledValImageAreOneLineErrors() throws IOException {
        images(root.resolve("train/" + TENCH), "t.JPEG");
        images(root.resolve("train/n99999999"), "x.JPEG");
        DataException e = assertThrows(DataException.class, () -> ImagenetData.open(root, "imagenet:x", DECODER, n -> { }));
        assertTrue(e.getMessage().startsWith(root.resolve("train/n99999999") + " is not one of the 1,000 ILSVRC2012 classes"),
                e.getMessage());
        Files.delete(root.resolve("train/n99999999/x.JPEG"));
        Files.delete(root.resolve("train/n99999999"));
        images(root.resolve("val"), "ILSVRC2012_val_00000001.JPEG", "ILSVRC2012_val_00000002.JPEG");
        Files.writeString(root.resolve(ImagenetData.GROUND_TRUTH), "449\n");
        e = assertThrows(DataException.class, () -> ImagenetData.open(root, "imagenet:x", DECODER, n -> { }));
        assertEquals(root.resolve("val/ILSVRC2012_val_00000002.JPEG") + " has no label in "
                + root.resolve(ImagenetData.GROUND_TRUTH) + ": use the complete label file or remove the image", e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
        Files.writeString(root.resolve(ImagenetData.GROUND_TRUTH), "449\n1\n");
        e = assertThrows(DataException.class, () -> ImagenetData.open(root, "imagenet:x", DECODER, n -> { }));
        assertTrue(e.getMessage().startsWith(root.resolve("val/ILSVRC2012_val_00000002.JPEG") + " is labelled n02119789"),
                e.getMessage());
    }

    @Test
    void classByNameWnidOrIndex() {
        List<String> classes = ImagenetClasses.get().displayNames(List.of(TENCH, GOLDFISH, KIT_FOX));
        assertEquals(0, ClassNames.indexOf(classes, "tench"));
        assertEquals(0, ClassNames.indexOf(classes, "n01440764"));
        assertEquals(0, ClassNames.indexOf(classes, "0"));
        assertEquals(2, ClassNames.indexOf(classes, "kit fox"));
        assertEquals(2, ClassNames.indexOf(classes, "kit fox (n02119789)"));
        assertEquals(1, ClassNames.indexOf(classes, "1"));
        assertEquals(1, ClassNames.indexOf(List.of("cat", "dog"), "dog"));
        assertThrows(LdmException.class, () -> ClassNames.indexOf(classes, "3"));
        LdmException e = assertThrows(LdmException.class, () -> ClassNames.indexOf(List.of("a (x)", "a (y)"), "a"));
        assertTrue(e.getMessage().contains("ambiguous"), e.getMessage());
    }

    static void images(Path dir, String... names) throws IOException {
        Files.createDirectories(dir);
        for (String n : names) {
            Files.write(dir.resolve(n), new byte[0]);
        }
    }
}
