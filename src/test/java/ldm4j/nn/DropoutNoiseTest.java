package ldm4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import ldm4j.train.Seeds;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

/** Dropout masks from a passed-in generator: reproducible, scaled, and a rank's slice of the whole batch's. */
class DropoutNoiseTest {

    @Test
    void aRanksRowsAreThoseRowsOfTheWholeBatchsMasks() {
        try (StepScope s = StepScope.open()) {
            Tensor ones = torch.ones(6, 5, 4, 4);
            float[] whole = Tensors.toFloats(new DropoutNoise(Seeds.generator(3, Seeds.DROPOUT, 7), 0, 0).apply(ones, 0.25));
            float[] rows2to4 = Tensors.toFloats(new DropoutNoise(Seeds.generator(3, Seeds.DROPOUT, 7), 6, 2)
                    .apply(torch.ones(3, 5, 4, 4), 0.25));
            float[] expected = Arrays.copyOfRange(whole, 2 * 80, 5 * 80);
            assertArrayEquals(expected, rows2to4, 0f);
            int kept = 0;
            for (float v : whole) {
                assertTrue(v == 0f || Math.abs(v - 1 / 0.75f) < 1e-6, "inverted dropout scales kept values: " + v);
                kept += v == 0f ? 0 : 1;
            }
            assertEquals(0.75, kept / (double) whole.length, 0.08, "about 1 - p kept");
            float[] again = Tensors.toFloats(new DropoutNoise(Seeds.generator(3, Seeds.DROPOUT, 7), 0, 0).apply(ones, 0.25));
            assertArrayEquals(whole, again, 0f, "the same step's stream gives the same masks");
            float[] other = Tensors.toFloats(new DropoutNoise(Seeds.generator(3, Seeds.DROPOUT, 8), 0, 0).apply(ones, 0.25));
            assertTrue(!Arrays.equals(whole, other), "another step, other masks");
        }
    }
}
