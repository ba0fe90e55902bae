package ldm4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Running ldm4j commands from tests: in this JVM, or as the command line of a child JVM. */
public final class TestCli {
    private TestCli() {
    }

    /** Runs a command in this JVM: {exit status, standard output, standard error}. */
    public static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new String[]{Integer.toString(code), out.toString(), err.toString()};
    }

    /** The command line of a child JVM running {@code ldm4j args} with this test's classpath. */
    public static List<String> childJvm(String maxHeap, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        return cmd;
    }

    /**
     * {@code --set} options of a VAE-GAN small enough for seconds-long runs on 16x16 synthetic images
     * (batch 4, a checkpoint every 3 steps), followed by {@code extra} settings.
     */
    public static List<String> tinyVae(String... extra) {
        List<String> sets = new ArrayList<>(List.of("data.resolution=16", "data.workers=1", "data.prefetch=2",
                "vae.model.channels=8", "vae.model.multipliers=[1,2]", "vae.model.resBlocks=1", "vae.model.groups=4",
                "vae.model.patchSize=1", "vae.disc.channels=8", "vae.disc.layers=2", "vae.disc.groups=4",
                "vae.train.batchSize=4", "vae.train.evalImages=6", "vae.train.checkpointEvery=3"));
        sets.addAll(List.of(extra));
        List<String> out = new ArrayList<>();
        for (String s : sets) {
            out.add("--set");
            out.add(s);
        }
        return out;
    }
}
