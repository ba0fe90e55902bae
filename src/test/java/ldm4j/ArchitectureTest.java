package ldm4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's architecture table as a test: the packages are layers, and a class may use only classes of
 * its own layer or of the layers above it. A new upward use (a network importing a training stage, a file
 * format importing a network) fails here with the file and the class it names.
 */
class ArchitectureTest {

    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern REFERENCE = Pattern.compile("\\bldm4j((?:\\.[a-z][a-z0-9]*)*)\\.([A-Z][A-Za-z0-9]*)");

    @Test
    void everyClassUsesOnlyItsOwnLayerOrTheLayersAboveIt() throws IOException {
        List<String> upward = new ArrayList<>();
        int files = 0;
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            for (Path file : (Iterable<Path>) walk.filter(ArchitectureTest::isClassFile)::iterator) {
                files++;
                String from = className(file);
                int fromLayer = Layers.of(from);
                for (String to : referencedClasses(file)) {
                    int toLayer = Layers.of(to);
                    if (toLayer > fromLayer) {
                        upward.add(from + " (" + Layers.name(fromLayer) + ") uses " + to + " (" + Layers.name(toLayer) + ")");
                    }
                }
            }
        }
        assertTrue(files > 100, "found only " + files + " source files under " + SOURCES.toAbsolutePath());
        assertEquals(List.of(), upward, "upward uses: move the class to the right layer or the code to the right class, "
                + "and keep the README's architecture table in step with Layers");
    }

    @Test
    void theCheckSeesAnUpwardUseAndIgnoresComments() {
        String source = """
                package ldm4j.io;
                // ldm4j.unet.Unet in a comment does not count
                /** nor {@link ldm4j.train.AdamW} in Javadoc */
                import ldm4j.torch.Tensors;
                class X { Object o = new ldm4j.nn.ResBlock(); String s = "ldm4j.cli.Main"; }
                """;
        assertEquals(new TreeSet<>(List.of("torch.Tensors", "nn.ResBlock")), references(source));
        assertTrue(Layers.of("nn.ResBlock") > Layers.of("io.Safetensors"), "nn sits below io");
        assertTrue(Layers.of("unet.UnetStep") > Layers.of("train.AdamW"), "the networks' stages sit below the training machinery");
        assertEquals(Layers.of("train.TrainingLoop"), Layers.of("distributed.Collective"));
    }

    @Test
    void everyPackageHasALayer() throws IOException {
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            walk.filter(ArchitectureTest::isClassFile).map(ArchitectureTest::className).forEach(Layers::of);
        }
    }

    @Test
    void everyPackageHasAPackageInfoNamingItsLayer() throws IOException {
        List<String> problems = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            for (Path dir : (Iterable<Path>) walk.filter(Files::isDirectory)::iterator) {
                problems.addAll(packageInfoProblems(dir));
            }
        }
        assertEquals(List.of(), problems, "each package's package-info.java says what it is and, as 'Layer: NAME', its "
                + "layer in the README's architecture table");
    }

    @Test
    void theCheckSeesAMissingOrWrongPackageInfo(@TempDir Path dir) throws IOException {
        Path pkg = Files.createDirectories(dir.resolve("ldm4j/unet"));
        Files.writeString(pkg.resolve("Unet.java"), "package ldm4j.unet;\nclass Unet {}\n");
        assertEquals(List.of(pkg + ": no package-info.java"), packageInfoProblems(pkg));
        Files.writeString(pkg.resolve("package-info.java"), "/**\n * The UNet. Layer:\n * blocks.\n */\npackage ldm4j.unet;\n");
        assertEquals(List.of(pkg.resolve("package-info.java") + " does not say 'Layer: networks and their stages'"),
                packageInfoProblems(pkg));
        Files.writeString(pkg.resolve("package-info.java"), "/**\n * The UNet. Layer: networks\n * and their stages.\n */\n"
                + "package ldm4j.unet;\n");
        assertEquals(List.of(), packageInfoProblems(pkg));
    }

    /** What is wrong with a source folder's package-info.java: missing, or not naming the layer of each class in it. */
    private static List<String> packageInfoProblems(Path dir) throws IOException {
        List<String> classes;
        try (Stream<Path> files = Files.list(dir)) {
            classes = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".java") && !n.equals("package-info.java"))
                    .map(n -> n.substring(0, n.length() - ".java".length())).sorted().toList();
        }
        if (classes.isEmpty()) {
            return List.of();
        }
        Path info = dir.resolve("package-info.java");
        if (!Files.isRegularFile(info)) {
            return List.of(dir + ": no package-info.java");
        }
        String text = Files.readString(info).replaceAll("\\s*\\n\\s*\\*?\\s*", " ");  // Javadoc lines joined
        String pkg = packageOf(dir);
        List<String> problems = new ArrayList<>();
        for (String layer : new TreeSet<>(classes.stream().map(c -> Layers.name(Layers.of(pkg + c))).toList())) {
            if (!text.contains("Layer: " + layer)) {
                problems.add(info + " does not say 'Layer: " + layer + "'");
            }
        }
        return problems;
    }

    /** The package prefix of a folder's classes as Layers reads them: "" for ldm4j itself, "eval.adm." below it. */
    private static String packageOf(Path dir) {
        String path = dir.toString().replace('\\', '/');
        int at = path.lastIndexOf("ldm4j");
        String rest = path.substring(at + "ldm4j".length());
        return rest.isEmpty() ? "" : rest.substring(1).replace('/', '.') + ".";
    }

    /** A class's source; a package-info.java describes a package and is checked by everyPackageHasAPackageInfoNamingItsLayer. */
    private static boolean isClassFile(Path p) {
        return p.toString().endsWith(".java") && !p.getFileName().toString().equals("package-info.java");
    }

    private static String className(Path file) {
        String relative = SOURCES.relativize(file).toString().replace('\\', '/');
        return relative.substring("ldm4j/".length(), relative.length() - ".java".length()).replace('/', '.');
    }

    private static TreeSet<String> referencedClasses(Path file) {
        try {
            return references(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Classes of ldm4j named in code (imports and qualified names), without comments and string literals. */
    static TreeSet<String> references(String source) {
        Matcher m = REFERENCE.matcher(withoutCommentsAndStrings(source));
        TreeSet<String> out = new TreeSet<>();
        while (m.find()) {
            String pkg = m.group(1).isEmpty() ? "" : m.group(1).substring(1) + ".";
            out.add(pkg + m.group(2));
        }
        return out;
    }

    private static String withoutCommentsAndStrings(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            if (s.startsWith("//", i)) {
                i = s.indexOf('\n', i) < 0 ? s.length() : s.indexOf('\n', i);
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? s.length() : end + 2;
            } else if (s.startsWith("\"\"\"", i)) {
                int end = s.indexOf("\"\"\"", i + 3);
                i = end < 0 ? s.length() : end + 3;
            } else if (s.charAt(i) == '"' || s.charAt(i) == '\'') {
                char quote = s.charAt(i++);
                while (i < s.length() && s.charAt(i) != quote && s.charAt(i) != '\n') {
                    i += s.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
            } else {
                out.append(s.charAt(i++));
            }
        }
        return out.toString();
    }

    /** The layers of the README's architecture table, top (foundations) to bottom (commands). */
    static final class Layers {
        private static final List<String> NAMES = List.of("foundations", "blocks", "training machinery", "data",
                "diffusion", "networks and their stages", "sampling and evaluation", "tools", "commands");
        /** Package (or class) prefixes to layer; the longest matching prefix wins, so a class can sit below its package. */
        private static final Map<String, Integer> PREFIXES = Map.ofEntries(
                Map.entry("config", 0), Map.entry("io", 0), Map.entry("torch", 0), Map.entry("LdmException", 0),
                Map.entry("nn", 1),
                Map.entry("train", 2), Map.entry("distributed", 2),
                Map.entry("data", 3),
                Map.entry("diffusion", 4),
                Map.entry("autoencoder", 5), Map.entry("latents", 5), Map.entry("unet", 5), Map.entry("dit", 5),
                Map.entry("classifier", 5),
                Map.entry("sample", 6), Map.entry("eval", 6), Map.entry("LatentDiffusion", 6),
                Map.entry("report", 7), Map.entry("bench", 7), Map.entry("serve", 7),
                Map.entry("cli", 8));

        static int of(String className) {
            String best = null;
            for (String prefix : PREFIXES.keySet()) {
                if ((className.equals(prefix) || className.startsWith(prefix + ".")) && (best == null || prefix.length() > best.length())) {
                    best = prefix;
                }
            }
            if (best == null) {
                throw new AssertionError(className + " has no layer: add its package to ArchitectureTest.Layers and to the "
                        + "README's architecture table");
            }
            return PREFIXES.get(best);
        }

        static String name(int layer) {
            return NAMES.get(layer);
        }
    }
}
