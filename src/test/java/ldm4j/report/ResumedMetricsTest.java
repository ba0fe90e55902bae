package ldm4j.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import ldm4j.eval.RunMetrics;
import ldm4j.train.MetricsLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** After a resume, metrics.jsonl repeats steps; the report's curves use the last row per step and never double back. */
class ResumedMetricsTest {

    @TempDir
    Path dir;

    @Test
    void curvesUseTheLastRowPerStepInStepOrder() throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsLog log = new MetricsLog(file)) {
            for (int step = 10; step <= 13; step++) {
                log.log("train", step, Map.of("loss", 1.0, "ema_decay", 0.9));
            }
            log.resume(10, dir.resolve("checkpoints/unet/step-00000010.safetensors"));
            for (int step = 11; step <= 14; step++) {
                log.log("train", step, Map.of("loss", 2.0, "ema_decay", 0.9));
            }
        }
        RunMetrics m = RunMetrics.read(file);
        assertEquals(10L, m.last("resume").orElseThrow().path("step").asLong());
        assertTrue(m.last("resume").orElseThrow().path("from").asText().endsWith("step-00000010.safetensors"));
        SvgChart.Series s = Report.series("loss", m.all("train"), r -> true, "loss");
        assertArrayEquals(new double[]{10, 11, 12, 13, 14}, s.x());
        assertArrayEquals(new double[]{1, 2, 2, 2, 2}, s.y());
    }

    @Test
    void binaryJunkInTheLogIsSkipped() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write("{\"event\":\"train\",\"step\":1,\"loss\":0.5,\"ema_decay\":0.9}\n".getBytes(StandardCharsets.UTF_8));
        b.write(new byte[]{(byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0xc3, '\n'});
        b.write("7\n{\"event\":\"train\",\"step\":2,\"loss\":0.25,\"ema_decay\":0.9}\n".getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("metrics.jsonl"), b.toByteArray());
        assertEquals(2, RunMetrics.read(dir.resolve("metrics.jsonl")).all("train").size());
        Path report = Report.write(dir);
        assertTrue(Files.readString(report).contains("UNet v-MSE"));
    }
}
