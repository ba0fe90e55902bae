package ldm4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.LdmException;
import ldm4j.config.ConfigResolver;
import ldm4j.config.Presets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgressAndBudgetTest {

    @Test
    void plainProgressPrintsRateEtaAndStatusPeriodically() {
        AtomicLong now = new AtomicLong(0);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (Progress p = Progress.plain("train", 100, "it", new PrintStream(buf, true), Duration.ofSeconds(10), now::get)) {
            p.status("loss=0.5");
            for (int i = 0; i < 100; i++) {
                now.addAndGet(1_000_000_000L); // 1 s per step
                p.step(1);
            }
        }
        List<String> lines = buf.toString().lines().toList();
        assertEquals(10, lines.size(), lines.toString());
        assertEquals("train: 10/100 (10%) 1.0 it/s eta 1m30s loss=0.5", lines.get(0));
        assertEquals("train: 100/100 (100%) 1.0 it/s loss=0.5", lines.get(9));
    }

    @Test
    void budgetStopsAtStepsOrDeadline() {
        AtomicLong now = new AtomicLong(0);
        Budget steps = Budget.of(5L, null, now::get);
        assertFalse(steps.exhausted(4));
        assertTrue(steps.exhausted(5));
        Budget time = Budget.of(null, 0.5, now::get);
        assertFalse(time.exhausted(1_000_000));
        now.set(30_000_000_000L);
        assertTrue(time.exhausted(0));
        assertFalse(Budget.unlimited().limited());
        assertThrows(LdmException.class, () -> Budget.of(0L, null));
        assertThrows(LdmException.class, () -> Budget.of(null, -1.0));
    }

    @Test
    void runDirWritesConfigAndMetrics(@TempDir Path dir) throws Exception {
        RunDir run = RunDir.create(dir.resolve("r"));
        run.writeConfig(Presets.tiny());
        assertEquals(Presets.tiny(), new ConfigResolver().parse(Files.readString(run.configFile()), "config.json"));
        try (MetricsLog log = new MetricsLog(run.metricsFile())) {
            log.log("train", 1, Map.of("loss", 0.25));
            log.log("train", 2, Map.of("loss", Double.NaN));
        }
        List<String> lines = Files.readAllLines(run.metricsFile());
        assertEquals(2, lines.size());
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertEquals("train", first.get("event").asText());
        assertEquals(0.25, first.get("loss").asDouble());
        assertEquals("NaN", new ObjectMapper().readTree(lines.get(1)).get("loss").asText());
        Map<String, String> meta = RunDir.provenance(Presets.tiny(), "vae", 10, "ab12");
        assertEquals(Presets.tiny(), new ConfigResolver().parse(meta.get("config"), "meta"));
        assertEquals("ab12", meta.get("parent_sha256"));
    }
}
