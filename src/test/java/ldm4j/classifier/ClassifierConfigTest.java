package ldm4j.classifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import ldm4j.config.ClassifierConfig;
import ldm4j.config.ConfigException;
import org.junit.jupiter.api.Test;

class ClassifierConfigTest {
    @Test
    void scheduleWarmsUpToThePeakThenDecaysToZeroAtTheEnd() {
        ClassifierConfig c = new ClassifierConfig(List.of(8, 8, 8, 8), 10, 32, 8, 0.4, 2, 0.9, 5e-4, 0.2, 4, 0);
        assertEquals(0.0, c.lrAt(0), 1e-12);
        assertEquals(0.2, c.lrAt(1), 1e-12);
        assertEquals(0.4, c.lrAt(2), 1e-12);
        assertEquals(0.2, c.lrAt(5), 1e-12);
        assertEquals(0.0, c.lrAt(8), 1e-12);
        double prev = -1;
        for (double e = 0; e <= 2; e += 0.01) {
            assertTrue(c.lrAt(e) >= prev);
            prev = c.lrAt(e);
        }
        prev = c.lrAt(2);
        for (double e = 2; e <= 8; e += 0.01) {
            assertTrue(c.lrAt(e) <= prev + 1e-15);
            prev = c.lrAt(e);
        }
    }

    @Test
    void badValuesNameTheKey() {
        ConfigException w = assertThrows(ConfigException.class,
                () -> new ClassifierConfig(List.of(8, 8, 8), 10, 32, 8, 0.4, 2, 0.9, 5e-4, 0.2, 4, 0));
        assertTrue(w.getMessage().contains("classifier.widths must list 4 widths"), w.getMessage());
        ConfigException s = assertThrows(ConfigException.class,
                () -> new ClassifierConfig(List.of(8, 8, 8, 8), 10, 32, 8, 0.4, 2, 0.9, 5e-4, 1.5, 4, 0));
        assertTrue(s.getMessage().contains("classifier.labelSmoothing"), s.getMessage());
    }
}
