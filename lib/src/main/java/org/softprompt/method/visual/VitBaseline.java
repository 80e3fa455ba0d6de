package org.softprompt.method.visual;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import com.google.gson.JsonObject;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;
import org.softprompt.backbone.Select;
import org.softprompt.backbone.Vit;
import org.softprompt.method.TunedModel;

/**
 * The fine-tuning protocols VPT is compared with (Jia et al. 2022, Sec. 4.1; the official code's TRANSFER_TYPE), as
 * {@link TunedModel}s: the same linear head on the final [CLS] as {@link VisualPromptTuning}, plus a subset of the
 * ViT's own weights made trainable. The ViT's classifier and pooler are never trained (the head replaces them).
 *
 * <p>Unfreezing changes the ViT's weights' state: {@link #close()} freezes them again. Full fine-tuning, partial-1
 * and bias-only update the ViT's tensors in place, so use a separately loaded ViT for each run.
 */
public final class VitBaseline implements TunedModel {

    /** Which ViT weights train besides the head. */
    public enum Protocol {
        /** "end2end": every weight. */
        FULL("full"),
        /** "linear": none, only the head (a linear probe). */
        LINEAR("linear"),
        /** "partial-1": the last encoder layer and the final LayerNorm (the official code includes the norm). */
        PARTIAL_1("partial-1"),
        /** "tinytl-bias", BitFit on ViT: every bias term (LayerNorm and patch-embedding biases included). */
        BIAS("bias");

        private final String configName;

        Protocol(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }
    }

    private final Vit vit;
    private final Protocol protocol;
    private final long seed;
    private final NDManager manager;
    private final ClassifierHead head;

    private VitBaseline(Vit vit, Protocol protocol, int classes, long seed, NDManager parent) {
        if (!vit.trainable().isEmpty()) {
            throw new IllegalStateException("the ViT already has " + vit.trainable().size() + " trainable weights (e.g. "
                    + vit.trainable().keySet().iterator().next() + "); a baseline starts from a frozen ViT");
        }
        this.vit = vit;
        this.protocol = protocol;
        this.seed = seed;
        this.manager = parent.newSubManager();
        this.head = new ClassifierHead(manager, vit.hiddenSize(), classes, seed);
        vit.unfreeze(trainedWeights(vit, protocol).and(vit.taskHead().negate()).and(vit.pooler().negate()));
    }

    /** Every ViT weight and the head. */
    public static VitBaseline fullFineTuning(Vit vit, int classes, NDManager manager, long seed) {
        return new VitBaseline(vit, Protocol.FULL, classes, seed, manager);
    }

    /** The head only, on frozen features. */
    public static VitBaseline linearProbe(Vit vit, int classes, NDManager manager, long seed) {
        return new VitBaseline(vit, Protocol.LINEAR, classes, seed, manager);
    }

    /** The last encoder layer, the final LayerNorm and the head. */
    public static VitBaseline partial1(Vit vit, int classes, NDManager manager, long seed) {
        return new VitBaseline(vit, Protocol.PARTIAL_1, classes, seed, manager);
    }

    /** Every bias of the ViT and the head. */
    public static VitBaseline biasOnly(Vit vit, int classes, NDManager manager, long seed) {
        return new VitBaseline(vit, Protocol.BIAS, classes, seed, manager);
    }

    public static VitBaseline of(Protocol protocol, Vit vit, int classes, NDManager manager, long seed) {
        return new VitBaseline(vit, protocol, classes, seed, manager);
    }

    private static Predicate<String> trainedWeights(Vit vit, Protocol protocol) {
        return switch (protocol) {
            case FULL -> Select.all();
            case LINEAR -> Select.none();
            case PARTIAL_1 -> vit.topLayers(1).or(Select.startingWith("vit.layernorm."));
            case BIAS -> Select.biases();
        };
    }

    public Protocol protocol() {
        return protocol;
    }

    @Override
    public Vit backbone() {
        return vit;
    }

    /** The ViT's unfrozen weights under their Hugging Face names, then the head. */
    @Override
    public Map<String, NDArray> trainable() {
        Map<String, NDArray> all = new LinkedHashMap<>(vit.trainable());
        head.addTo(all);
        return Collections.unmodifiableMap(all);
    }

    @Override
    public JsonObject config() {
        JsonObject json = new JsonObject();
        json.addProperty("method", "vit-" + protocol.configName());
        json.addProperty("classes", head.classes());
        json.addProperty("seed", seed);
        return json;
    }

    /** The input unchanged: the baselines change weights, not the forward pass. */
    @Override
    public ForwardInput enter(ForwardInput input) {
        return input;
    }

    /**
     * Runs the ViT; the logits are the trained head's on the final [CLS]. As in the official code, only full
     * fine-tuning runs the ViT in training mode (its dropout on); the protocols with a partly frozen encoder keep
     * it in evaluation mode.
     */
    @Override
    public ForwardOutput forward(ForwardInput input) {
        boolean training = protocol == Protocol.FULL && input.training();
        return head.apply(vit.forward(input.withTraining(training).withLogits(false)));
    }

    /** Frees the head and freezes the ViT again. */
    @Override
    public void close() {
        vit.freezeAll();
        manager.close();
    }

    @Override
    public String toString() {
        return "VitBaseline[" + protocol.configName() + ", " + trainedParameterCount() + " trained] on " + vit;
    }
}
