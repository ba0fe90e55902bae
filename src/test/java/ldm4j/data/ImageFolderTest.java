package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {

    @Test
    void cifarClassNamesTakeTheOfficialOrder(@TempDir Path root) throws IOException {
        SyntheticData.imageFolder(root, List.of("train", "test"), Cifar10.CLASSES, 2, 8);
        Splits s = ImageFolder.open(root, "folder:" + root);
        assertEquals(Cifar10.CLASSES, s.classes());
        assertEquals(20, s.train().size());
        assertEquals(20, s.requireTest().size());
        assertArrayEquals(new int[]{2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, s.train().countsPerClass());
        // the "truck" folder sorts after "ship" and before nothing; "airplane" is index 0
        ImageFolder train = (ImageFolder) s.train();
        assertEquals("airplane", train.file(0).getParent().getFileName().toString());
        assertEquals("truck", train.file(19).getParent().getFileName().toString());
        RawImage img = train.load(19); // class 9, image 1: (225, 10, 100)
        assertEquals((byte) 225, img.planes()[0]);
        assertEquals((byte) 10, img.planes()[64]);
        assertEquals((byte) 100, img.planes()[128]);
    }

    @Test
    void otherClassNamesAreSortedAndSingleSplitWorks(@TempDir Path root) throws IOException {
        SyntheticData.imageFolder(root, List.of(""), List.of("zebra", "ant", "mole"), 3, 12);
        Splits s = ImageFolder.open(root, "folder:" + root);
        assertEquals(List.of("ant", "mole", "zebra"), s.classes());
        assertFalse(s.test().isPresent());
        assertEquals(9, s.train().size());
        assertEquals(12, s.train().load(0).width());
        DataException e = assertThrows(DataException.class, s::requireTest);
        assertTrue(e.getMessage().contains("no test split"), e.getMessage());
    }

    @Test
    void imagesWithoutClassFoldersAreUnconditional(@TempDir Path root) throws IOException {
        SyntheticData.mixedFolder(root, List.of("train", "test"), List.of(""), 3);
        Splits s = ImageFolder.open(root, "folder:" + root);
        assertEquals(List.of(ImageFolder.UNCONDITIONAL), s.classes());
        assertEquals(3, s.train().size());
        assertEquals(3, s.requireTest().size());
        assertEquals(0, s.train().label(2));
        RawImage wide = s.train().load(0); // 300x200, dark left, bright right
        assertEquals(300, wide.width());
        assertTrue((wide.planes()[299] & 255) > (wide.planes()[0] & 255) + 100, "orientation kept");
    }

    @Test
    void corruptImageIsNamedWhenLoaded(@TempDir Path root) throws IOException {
        SyntheticData.imageFolder(root, List.of(""), List.of("a", "b"), 2, 8);
        Path bad = root.resolve("b/001.png");
        Files.write(bad, new byte[]{(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Splits s = ImageFolder.open(root, "x");
        DataException e = assertThrows(DataException.class, () -> s.train().load(3));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not a readable PNG/JPEG"), e.getMessage());
    }

    @Test
    void nonImageFileIsAnError(@TempDir Path root) throws IOException {
        SyntheticData.imageFolder(root, List.of(""), List.of("a", "b"), 2, 8);
        Path txt = Files.writeString(root.resolve("a/notes.txt"), "hi");
        Files.writeString(root.resolve("a/.DS_Store"), "hidden files are skipped");
        DataException e = assertThrows(DataException.class, () -> ImageFolder.open(root, "x"));
        assertTrue(e.getMessage().startsWith(txt + " is not an image"), e.getMessage());
    }

    @Test
    void emptyClassFolderIsAnError(@TempDir Path root) throws IOException {
        SyntheticData.imageFolder(root, List.of("train", "test"), List.of("a", "b"), 2, 8);
        Path empty = Files.createDirectories(root.resolve("train/c"));
        Files.createDirectories(root.resolve("test/c"));
        DataException e = assertThrows(DataException.class, () -> ImageFolder.open(root, "x"));
        assertTrue(e.getMessage().startsWith(empty + " is an empty class folder"), e.getMessage());
    }

    @Test
    void missingSplitIsNamed(@TempDir Path root) throws IOException {
        SyntheticData.imageFolder(root, List.of("train"), List.of("a", "b"), 2, 8);
        DataException e = assertThrows(DataException.class, () -> ImageFolder.open(root, "x"));
        assertTrue(e.getMessage().startsWith(root.resolve("test") + " is missing"), e.getMessage());
    }

    @Test
    void mismatchedSplitClassesAreNamed(@TempDir Path root) throws IOException {
        SyntheticData.imageFolder(root, List.of("train"), List.of("a", "b"), 1, 8);
        SyntheticData.imageFolder(root, List.of("test"), List.of("a", "c"), 1, 8);
        DataException e = assertThrows(DataException.class, () -> ImageFolder.open(root, "x"));
        assertTrue(e.getMessage().contains("same class folders"), e.getMessage());
    }

    @Test
    void missingPathAndFileInsteadOfFolder(@TempDir Path root) throws IOException {
        Path none = root.resolve("nope");
        DataException e = assertThrows(DataException.class, () -> ImageFolder.open(none, "x"));
        assertTrue(e.getMessage().startsWith(none + " does not exist"), e.getMessage());
        Path file = Files.writeString(root.resolve("f"), "x");
        DataException e2 = assertThrows(DataException.class, () -> ImageFolder.open(file, "x"));
        assertTrue(e2.getMessage().startsWith(file + " is not a folder"), e2.getMessage());
        Files.createDirectories(root.resolve("emptyroot"));
        DataException e3 = assertThrows(DataException.class, () -> ImageFolder.open(root.resolve("emptyroot"), "x"));
        assertTrue(e3.getMessage().contains("has no class folders"), e3.getMessage());
    }

    @Test
    void dataSpecParsing() {
        assertEquals(DataSpec.Kind.CIFAR10_DOWNLOAD, DataSpec.parse("cifar10").kind());
        assertEquals(Path.of("/a/b.tgz"), DataSpec.parse("cifar10:/a/b.tgz").path());
        assertEquals(DataSpec.Kind.FOLDER, DataSpec.parse("folder:x").kind());
        assertEquals("folder:x", DataSpec.parse("folder:x").toString());
        assertEquals(DataSpec.Kind.IMAGENET, DataSpec.parse("imagenet:/x").kind());
        assertEquals("wds:/s/t-{0..9}.tar", DataSpec.parse("wds:/s/t-{0..9}.tar").toString());
        for (String bad : new String[]{"", "cifar", "folder:", "cifar10:", "imagenet:", "wds:", "imagenet"}) {
            DataException e = assertThrows(DataException.class, () -> DataSpec.parse(bad));
            assertTrue(e.getMessage().contains("use cifar10, cifar10:PATH"), e.getMessage());
        }
    }
}
