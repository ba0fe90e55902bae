package ldm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import ldm4j.config.ClassifierConfig;
import ldm4j.eval.EvalSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * --help states the defaults the commands really use, each from one source: the classifier's CPU
 * config, the eval settings every reported figure uses, and for sampling the run's own config, named
 * by its key rather than by a value that differs between presets.
 */
class HelpDefaultsTest {

    /** The help entry of one option on one line (no wrapping; a long label puts the description on the next line). */
    private static String helpLine(Object command, String option) {
        String usage = new CommandLine(command).setUsageHelpWidth(1000).getUsageMessage(CommandLine.Help.Ansi.OFF);
        List<String> lines = usage.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.startsWith(option + "=") || l.startsWith(option + " ")) {
                StringBuilder entry = new StringBuilder(l);
                for (int j = i + 1; j < lines.size() && lines.get(j).startsWith("    ") && !lines.get(j).strip().startsWith("-"); j++) {
                    entry.append(' ').append(lines.get(j).strip());
                }
                return entry.toString();
            }
        }
        throw new AssertionError(option + " not in\n" + usage);
    }

    @Test
    void trainClassifierHelpAndParserUseTheCpuClassifierConfig() {
        ClassifierConfig d = ClassifierConfig.cpuDefault();
        TrainClassifierCommand cmd = new TrainClassifierCommand();
        assertTrue(helpLine(cmd, "--epochs").contains("Default: " + d.epochs() + " "), helpLine(cmd, "--epochs"));
        assertTrue(helpLine(cmd, "--batch").endsWith("Default: " + d.batchSize() + "."), helpLine(cmd, "--batch"));
        assertTrue(helpLine(cmd, "--lr").endsWith("Default: " + d.lr() + "."), helpLine(cmd, "--lr"));
        String widths = d.widths().stream().map(String::valueOf).collect(Collectors.joining(","));
        assertTrue(helpLine(cmd, "--widths").endsWith("Default: " + widths + "."), helpLine(cmd, "--widths"));

        new CommandLine(cmd).parseArgs();
        assertEquals(d.epochs(), cmd.epochs);
        assertEquals(d.batchSize(), cmd.batch);
        assertEquals(d.lr(), cmd.lr);
        assertEquals(d.widths(), cmd.widths);
        assertEquals(TrainClassifierCommand.DEFAULT_FILE, cmd.out);
        assertEquals("cifar10", cmd.data, "an option the provider does not know keeps its own defaultValue");
    }

    @Test
    void evalAndPipelineDefaultsAreTheReportedFiguresSettings() {
        EvalSettings seed = EvalSettings.defaults(EvalSettings.PER_CLASS);
        EvalCommand eval = new EvalCommand();
        new CommandLine(eval).parseArgs("--run", "runs/x");
        assertEquals(seed, new EvalSettings(eval.perClass, eval.sampler, eval.steps, eval.cfg, eval.seed, eval.batch));
        PipelineCommand pipeline = new PipelineCommand();
        new CommandLine(pipeline).parseArgs();
        assertEquals(seed.perClass(), pipeline.evalPerClass);
        assertTrue(helpLine(eval, "--classifier").endsWith("Default: " + TrainClassifierCommand.DEFAULT_PATH + "."));
        assertTrue(helpLine(pipeline, "--classifier").endsWith("Default: " + TrainClassifierCommand.DEFAULT_PATH + "."));
    }

    @Test
    void sampleHelpNamesTheRunsConfigKeysNotAPresetsValues() {
        SampleCommand cmd = new SampleCommand();
        for (String[] optionAndKey : List.of(new String[]{"--cfg", "sample.cfg"}, new String[]{"--steps", "sample.steps"},
                new String[]{"--sampler", "sample.sampler"}, new String[]{"--spacing", "sample.spacing"},
                new String[]{"--eta", "sample.eta"}, new String[]{"--batch", "sample.batchSize"},
                new String[]{"--n", "sample.perClass"}, new String[]{"--weights", "sample.ema"})) {
            String line = helpLine(cmd, optionAndKey[0]);
            String defaults = line.substring(line.indexOf("Default:"));
            assertTrue(defaults.contains(optionAndKey[1]) && defaults.contains("the run's"), line);
            assertFalse(Pattern.compile("Default: [0-9]").matcher(line).find(), line);
        }
        assertTrue(helpLine(cmd, "--strength").endsWith("Default: " + SampleCommand.DEFAULT_STRENGTH + "."));
        assertTrue(helpLine(cmd, "--frames").endsWith("Default: " + SampleCommand.DEFAULT_FRAMES + "."));
        assertEquals(SampleCommand.DEFAULT_FRAMES, SampleCommand.frames(null));
    }

    @Test
    void dataHelpNamesThePresetsKey() {
        assertTrue(helpLine(new DataCommand(), "--data").endsWith("Default: the preset's data.spec."));
        assertTrue(helpLine(new PipelineCommand(), "--data").endsWith("Default: the preset's data.spec."));
    }
}
