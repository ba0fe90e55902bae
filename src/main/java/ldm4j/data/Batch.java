package ldm4j.data;

import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * One batch in host memory: images (B, 3, R, R) in [-1, 1] and their labels. Host arrays keep
 * native memory owned by the consumer's step scope, not by loader threads.
 *
 * @param epoch   epoch this batch belongs to
 * @param index   batch index within the epoch
 * @param indices dataset indices of the images
 */
public record Batch(int epoch, int index, float[] images, long[] labels, int[] indices, int resolution) {

    public int size() {
        return labels.length;
    }

    /** (B, 3, R, R) float32 CPU tensor; create it inside the step's scope. */
    public Tensor imageTensor() {
        return Tensors.fromFloats(images, labels.length, 3, resolution, resolution);
    }

    /** (B,) int64 CPU tensor. */
    public Tensor labelTensor() {
        return Tensors.fromLongs(labels, labels.length);
    }
}
