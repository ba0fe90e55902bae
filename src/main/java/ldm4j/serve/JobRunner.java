package ldm4j.serve;

import java.io.PrintWriter;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

import ldm4j.LatentDiffusion;
import ldm4j.io.PngText;
import ldm4j.sample.ImageSettings;
import ldm4j.sample.SampleListener;
import ldm4j.torch.ImageGrid;

/**
 * Runs one job on the model: per-step progress and every decoded image (a PNG with its settings
 * chunks) go to the job as they happen; the job's cancel request stops the sampler.
 */
final class JobRunner implements Consumer<Job> {
    private final LatentDiffusion ldm;
    private final PrintWriter log;

    JobRunner(LatentDiffusion ldm, PrintWriter log) {
        this.ldm = ldm;
        this.log = log;
    }

    @Override
    public void accept(Job job) {
        LatentDiffusion.Model m = ldm.model();
        try {
            ldm.sampler().generate(job.request(), new SampleListener() {
                @Override
                public void step(int done, int total) {
                    job.progress(done, total);
                }

                @Override
                public void image(int index, float[] chw, int height, int width) {
                    ImageSettings s = ImageSettings.of(job.request(), ldm.classes(), m.name(), m.sha256(), index, null, width, height,
                            ldm.sampler().precision().label());
                    byte[] png = PngText.encode(ImageGrid.of(chw, 1, height, width, 1, 0), s.pngText());
                    job.addImage(new Job.Image(index, job.imageClasses().get(index), png, s.parameters()));
                }

                @Override
                public boolean cancelled() {
                    return job.cancelRequested();
                }
            });
            job.finish(Job.State.DONE, null);
        } catch (CancellationException e) {
            job.finish(Job.State.CANCELLED, "cancelled");
        } catch (RuntimeException e) {
            log.println("ldm4j serve: job " + job.id() + " failed: " + e);
            log.flush();
            job.finish(Job.State.FAILED, String.valueOf(e.getMessage()));
        }
    }
}
