package ldm4j.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ldm4j.sample.SampleRequest;

import java.util.Locale;

/** A job's status as JSON: what {@code GET /api/jobs/ID} answers and every server-sent event carries. */
final class JobStatus {
    private JobStatus() {
    }

    /** The status of a job as the API shows it; {@code position} is its place in the queue (0 when not waiting). */
    static ObjectNode of(Job job, Job.Snapshot s, int position) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", s.id());
        o.put("state", s.state().name().toLowerCase(Locale.ROOT));
        o.put("position", s.state() == Job.State.QUEUED ? position : 0);
        o.put("step", s.step());
        o.put("total_steps", s.totalSteps());
        o.put("images_total", job.imageCount());
        o.put("seconds", Math.round(s.seconds() * 1000) / 1000.0);
        if (s.error() != null && s.state() == Job.State.FAILED) {
            o.put("error", s.error());
        }
        SampleRequest r = job.request();
        ObjectNode settings = o.putObject("settings");
        settings.put("sampler", r.sampler());
        settings.put("steps", r.steps());
        settings.put("cfg", r.cfg());
        settings.put("eta", r.eta());
        settings.put("spacing", r.spacing());
        settings.put("seed", r.seed());
        settings.putArray("guidance_interval").add(r.guidanceLow()).add(r.guidanceHigh());
        if (r.init() != null) {
            settings.put("strength", r.init().strength());
        }
        ArrayNode images = o.putArray("images");
        for (Job.Image im : s.images()) {
            ObjectNode i = images.addObject();
            i.put("index", im.index());
            i.put("class", im.className());
            i.put("url", "/api/jobs/" + s.id() + "/images/" + im.index() + ".png");
            i.put("parameters", im.parameters());
            if (r.interpolation() == null) {
                i.put("seed", r.seed());
            }
        }
        return o;
    }
}
