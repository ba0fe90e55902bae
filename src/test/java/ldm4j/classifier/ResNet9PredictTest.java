package ldm4j.classifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import ldm4j.config.ClassifierConfig;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** The judge's test-time augmentation: which views, which direction, and that they are summed. */
class ResNet9PredictTest {
    @Test
    void translateMovesContentAndReflectsAtTheBorder() {
        try (StepScope s = StepScope.open()) {
            Tensor x = AugmentTest.coded(1, 4, 5);                     // value = c*20 + row*5 + col
            float[] down = Tensors.toFloats(ResNet9.translate(x, 1, 1));
            // output (i, j) = input (i + 1, j + 1); the last row/column reflect back to rows/columns 2/3
            assertEquals(6f, down[0], "(0,0) <- (1,1)");
            assertEquals(1 * 5 + 4, down[3], 0f, "(0,3) <- (1,4)");
            assertEquals(1 * 5 + 3, down[4], 0f, "(0,4) <- (1,5) reflected = (1,3)");
            assertEquals(2 * 5 + 1, down[3 * 5], 0f, "(3,0) <- (4,1) reflected = (2,1)");
            float[] up = Tensors.toFloats(ResNet9.translate(x, -1, -1));
            assertEquals(1 * 5 + 1, up[0], 0f, "(0,0) <- (-1,-1) reflected = (1,1)");
            assertEquals(0f, up[6], "(1,1) <- (0,0)");
            assertEquals(20f + 0f, up[20 + 6], "channels move together");
        }
    }

    @Test
    void predictionIsTheArgmaxOfTheSummedLogitsOfSixViews() {
        ClassifierConfig c = new ClassifierConfig(List.of(4, 8, 8, 16), 5, 8, 1, 0.1, 0, 0.9, 0, 0, 4, 0);
        torch.manual_seed(3);
        ResNet9 m = new ResNet9(c);
        m.train(false);
        try (StepScope s = StepScope.open(); NoGradGuard g = new NoGradGuard()) {
            Tensor x = torch.randn(16, 3, 32, 32);
            Tensor sum = null;
            for (int[] d : new int[][]{{0, 0}, {1, 1}, {-1, -1}}) {
                Tensor v = ResNet9.translate(x, d[0], d[1]);          // (0, 0) is the identity
                Tensor both = m.forward(v).add(m.forward(v.flip(3)));
                sum = sum == null ? both : sum.add(both);
            }
            long[] expected = Tensors.toLongs(sum.argmax(new LongOptional(1), false));
            assertArrayEquals(expected, Tensors.toLongs(m.predict(x)));
            assertArrayEquals(expected, Tensors.toLongs(m.predict(x, m.features(x))), "with precomputed features");
        }
    }
}
