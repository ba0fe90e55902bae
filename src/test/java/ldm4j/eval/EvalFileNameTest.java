package ldm4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** Every evaluated setting gets its own file under evals/, so figures of several settings sit side by side. */
class EvalFileNameTest {
    @Test
    void theFileNameSpellsOutEverySetting() {
        assertEquals("ddim-50steps-cfg5-100perclass-seed0", Evaluator.name(EvalSettings.defaults(100)));
        assertEquals("dpmpp2m-20steps-cfg2.5-10perclass-seed7",
                Evaluator.name(new EvalSettings(10, "dpmpp2m", 20, 2.5, 7, 100)));
        assertNotEquals(Evaluator.name(new EvalSettings(10, "ddim", 50, 5.0, 0, 100)),
                Evaluator.name(new EvalSettings(10, "ddim", 50, 5.0, 1, 100)), "the seed is part of the name");
    }
}
