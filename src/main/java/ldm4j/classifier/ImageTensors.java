package ldm4j.classifier;

import ldm4j.data.Batch;
import ldm4j.data.DataLoader;
import ldm4j.data.ImageDataset;
import ldm4j.data.Transform;
import ldm4j.torch.Tensors;
import ldm4j.train.Progress;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** A whole split decoded once into memory: images (N, 3, R, R) in [-1, 1] and labels (N,). */
public record ImageTensors(Tensor images, Tensor labels, int size) {

    /** Decodes every image of {@code ds} at {@code resolution} with the threaded loader (dataset order). */
    public static ImageTensors load(ImageDataset ds, int resolution, int workers, String task) {
        TensorVector images = new TensorVector();
        TensorVector labels = new TensorVector();
        try (DataLoader loader = DataLoader.evaluation(ds, new Transform(resolution, "bicubic"), 500, workers, 4);
             DataLoader.Epoch epoch = loader.epoch(0);
             Progress progress = Progress.start(task, ds.size(), "img")) {
            for (Batch b : epoch) {
                images.push_back(b.imageTensor());   // (b, 3, R, R)
                labels.push_back(b.labelTensor());   // (b,)
                progress.step(b.size());
            }
        }
        return new ImageTensors(torch.cat(images), torch.cat(labels), ds.size());
    }

    /** Rows {@code index} (a (B,) int64 tensor): images (B, 3, R, R). */
    public Tensor images(Tensor index) {
        return images.index_select(0, index);
    }

    public Tensor labels(Tensor index) {
        return labels.index_select(0, index);
    }

    /** Rows [from, from + n). */
    public Tensor imageRange(long from, long n) {
        return images.narrow(0, from, n);
    }

    public Tensor labelRange(long from, long n) {
        return labels.narrow(0, from, n);
    }

    public long[] labelArray() {
        return Tensors.toLongs(labels);
    }
}
