package org.softprompt.backbone;

import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * How a checkpoint's tensors matched what the model expects, by Hugging Face name.
 *
 * @param missing expected by the model, absent from the checkpoint
 * @param unexpected in the checkpoint, not used by the model
 * @param misshaped present in both, with different shapes
 * @param ignored in the checkpoint and deliberately skipped: tied copies (e.g. lm_head.weight) and buffers that
 *     Hugging Face also skips (e.g. GPT-2's attn.bias causal mask)
 * @param initialized freshly initialized tensors (lenient loading: the missing and mis-shaped ones)
 */
public record LoadReport(List<String> missing, List<String> unexpected, List<Mismatch> misshaped,
                         List<String> ignored, List<String> initialized) {

    /** A tensor whose shape in the checkpoint differs from the model's. */
    public record Mismatch(String name, Shape inCheckpoint, Shape expected) {
        @Override
        public String toString() {
            return name + " (checkpoint " + inCheckpoint + ", expected " + expected + ")";
        }
    }

    public LoadReport {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        misshaped = List.copyOf(misshaped);
        ignored = List.copyOf(ignored);
        initialized = List.copyOf(initialized);
    }

    /** The report of a model that was not loaded from a checkpoint (random initialization). */
    public static LoadReport none() {
        return new LoadReport(List.of(), List.of(), List.of(), List.of(), List.of());
    }

    /** True when every expected tensor was found with its shape and nothing else was in the checkpoint. */
    public boolean isClean() {
        return missing.isEmpty() && unexpected.isEmpty() && misshaped.isEmpty();
    }

    /** Names of the mis-shaped tensors. */
    public List<String> misshapedNames() {
        return misshaped.stream().map(Mismatch::name).toList();
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) {
            parts.add("missing " + missing);
        }
        if (!unexpected.isEmpty()) {
            parts.add("unexpected " + unexpected);
        }
        if (!misshaped.isEmpty()) {
            parts.add("mis-shaped " + misshaped);
        }
        if (!ignored.isEmpty()) {
            parts.add("ignored " + ignored);
        }
        if (!initialized.isEmpty()) {
            parts.add("initialized " + initialized);
        }
        return parts.isEmpty() ? "all tensors matched" : String.join("; ", parts);
    }
}
