package org.softprompt.method.visual;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonObject;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;
import org.softprompt.backbone.Hooks;
import org.softprompt.backbone.Vit;
import org.softprompt.backbone.VitConfig;
import org.softprompt.method.TunedModel;

/**
 * Visual Prompt Tuning (Jia et al. 2022) on a frozen ViT, built by {@link VisualPrompt}. The prompts enter through
 * {@link Hooks}: {@link Hooks#afterEmbeddings} (after [CLS], before the patches, after position embeddings and the
 * embedding dropout) and, for deep prompts, {@link Hooks#beforeLayer}, where each prompted layer's fresh prompts
 * replace the prompt slots of the previous layer's output. {@link #forward} runs the ViT and the linear head on the
 * final [CLS] (after the final LayerNorm); the head's logits replace the ViT classifier's.
 *
 * <p>Trained tensors (all other weights stay frozen):
 * <ul>
 *   <li>{@code prompt.embeddings} [promptedLayers, length, dim] (prepend, add): row i goes to layer firstLayer + i;
 *       dim is the hidden size, or the projection's input size with {@code prompt.projection.weight/bias};</li>
 *   <li>{@code prompt.pixels} [channels, p, p * length] (prepend-pixel);</li>
 *   <li>{@code prompt.channels} [length, image, image] and the new patch embedding
 *       {@code prompt.patch_embedding.weight} [hidden, channels + length, p, p] and {@code .bias} (concat-channel);
 *   </li>
 *   <li>{@code head.weight} [classes, hidden] and {@code head.bias}.</li>
 * </ul>
 */
public final class VisualPromptTuning implements TunedModel {
    static final String EMBEDDINGS = "prompt.embeddings";
    static final String PROJECTION_WEIGHT = "prompt.projection.weight";
    static final String PROJECTION_BIAS = "prompt.projection.bias";
    static final String PIXELS = "prompt.pixels";
    static final String CHANNELS = "prompt.channels";
    static final String PATCH_WEIGHT = "prompt.patch_embedding.weight";
    static final String PATCH_BIAS = "prompt.patch_embedding.bias";

    private static final String VIT_PATCH_WEIGHT = "vit.embeddings.patch_embeddings.projection.weight";
    private static final String VIT_PATCH_BIAS = "vit.embeddings.patch_embeddings.projection.bias";
    private static final String VIT_CLS = "vit.embeddings.cls_token";
    private static final String VIT_POSITIONS = "vit.embeddings.position_embeddings";

    private final Vit vit;
    private final VisualPromptConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> prompts = new LinkedHashMap<>();
    private final ClassifierHead head;

    VisualPromptTuning(Vit vit, VisualPromptConfig config, NDManager parent) {
        if (!vit.trainable().isEmpty()) {
            throw new IllegalStateException("Visual Prompt Tuning keeps the ViT frozen, but " + vit.trainable().size()
                    + " of its weights are trainable (e.g. " + vit.trainable().keySet().iterator().next()
                    + "); call vit.freezeAll() or close the baseline that unfroze them");
        }
        if (config.endLayer() > vit.numLayers()) {
            throw new IllegalArgumentException("prompted layers end at " + config.endLayer() + " but the ViT has "
                    + vit.numLayers() + " layers");
        }
        this.vit = vit;
        this.config = config;
        this.manager = parent.newSubManager();
        try {
            createPrompts();
            this.head = new ClassifierHead(manager, vit.hiddenSize(), config.classes(), config.seed());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private void createPrompts() {
        VitConfig c = vit.config();
        int n = config.length();
        int d = c.hiddenSize();
        int p = c.patchSize();
        long seed = config.seed();
        switch (config.location()) {
            case PREPEND, ADD -> {
                if (n == 0) {
                    return;
                }
                int dim = config.projection() > 0 ? config.projection() : d;
                double bound = RandomInit.xavierBound(c.numChannels(), p, dim);
                put(EMBEDDINGS, RandomInit.uniform(manager, new Shape(config.promptedLayers(), n, dim), -bound, bound,
                        seed, EMBEDDINGS));
                if (config.projection() > 0) {
                    put(PROJECTION_WEIGHT, RandomInit.kaimingNormalFanOut(manager, new Shape(d, dim), seed,
                            PROJECTION_WEIGHT));
                    put(PROJECTION_BIAS, RandomInit.linearBias(manager, d, dim, seed, PROJECTION_BIAS));
                }
            }
            case PREPEND_PIXEL -> {
                double bound = RandomInit.xavierBound(c.numChannels(), p, d);
                put(PIXELS, RandomInit.uniform(manager, new Shape(c.numChannels(), p, (long) p * n), -bound, bound,
                        seed, PIXELS));
            }
            case CONCAT_CHANNEL -> {
                double bound = RandomInit.xavierBound(c.numChannels(), p, d);
                put(CHANNELS, RandomInit.uniform(manager, new Shape(n, c.imageSize(), c.imageSize()), -bound, bound,
                        seed, CHANNELS));
                // The official code initializes the whole widened convolution uniformly, then loads the pretrained
                // kernel into the image channels and the pretrained bias: only the prompt channels stay random.
                NDArray pretrained = vit.weight(VIT_PATCH_WEIGHT).duplicate();
                pretrained.attach(manager);
                NDArray extra = RandomInit.uniform(manager, new Shape(d, n, p, p), -bound, bound, seed,
                        PATCH_WEIGHT);
                NDArray widened = pretrained.concat(extra, 1);
                pretrained.close();
                extra.close();
                put(PATCH_WEIGHT, widened);
                NDArray bias = vit.weight(VIT_PATCH_BIAS).duplicate();
                bias.attach(manager);
                put(PATCH_BIAS, bias);
            }
            default -> throw new IllegalStateException("unhandled location " + config.location());
        }
    }

    private void put(String name, NDArray array) {
        array.setName(name);
        array.setRequiresGradient(true);
        prompts.put(name, array);
    }

    public VisualPromptConfig visualPromptConfig() {
        return config;
    }

    @Override
    public Vit backbone() {
        return vit;
    }

    @Override
    public Map<String, NDArray> trainable() {
        Map<String, NDArray> all = new LinkedHashMap<>(prompts);
        head.addTo(all);
        return Collections.unmodifiableMap(all);
    }

    /**
     * Copies trained tensors (e.g. {@code TrainingCheckpoint.load(dir, manager).parameters()}) into this model's;
     * every trained tensor must be given, with its shape.
     */
    public void loadTrained(Map<String, NDArray> saved) {
        Map<String, NDArray> targets = trainable();
        for (Map.Entry<String, NDArray> target : targets.entrySet()) {
            NDArray source = saved.get(target.getKey());
            if (source == null) {
                throw new IllegalArgumentException("no tensor '" + target.getKey() + "' among the saved ones "
                        + saved.keySet() + " for " + config.toJson());
            }
            if (!source.getShape().equals(target.getValue().getShape())) {
                throw new IllegalArgumentException("saved tensor '" + target.getKey() + "' has shape "
                        + source.getShape() + ", this model's has " + target.getValue().getShape());
            }
        }
        for (String name : saved.keySet()) {
            if (!targets.containsKey(name)) {
                throw new IllegalArgumentException("saved tensor '" + name + "' is not trained by this model "
                        + targets.keySet());
            }
        }
        targets.forEach((name, target) -> {
            try (NDArray converted = saved.get(name).toType(target.getDataType(), true)) {
                target.set(converted.toByteBuffer());
            }
        });
    }

    @Override
    public JsonObject config() {
        return config.toJson();
    }

    /**
     * The input with the prompts' hooks added after the input's own hooks; the training flag is kept and switches
     * the prompt dropout. Needs pixelValues. Running {@code backbone().forward(enter(x))} gives the prompted hidden
     * states with the ViT's own classifier (if any) and dropout; {@link #forward} is the trained model.
     */
    @Override
    public ForwardInput enter(ForwardInput input) {
        return enter(input, input.training());
    }

    /**
     * Runs the ViT with the prompts; the logits are the trained head's on the final [CLS]. The frozen ViT runs in
     * evaluation mode whatever the input's training flag, as in the official code (whose train() keeps the
     * encoder and embeddings in eval mode): only the prompt dropout follows the flag.
     */
    @Override
    public ForwardOutput forward(ForwardInput input) {
        return head.apply(vit.forward(enter(input, false).withTraining(false).withLogits(false)));
    }

    private ForwardInput enter(ForwardInput input, boolean backboneTraining) {
        if (input.pixelValues() == null) {
            throw new IllegalArgumentException("Visual Prompt Tuning takes pixelValues [batch, channels, height, "
                    + "width]");
        }
        Hooks promptHooks = new PromptHooks(input.pixelValues(), input.training(), backboneTraining);
        Hooks hooks = input.hooks() == Hooks.NONE ? promptHooks : Hooks.chain(input.hooks(), promptHooks);
        return input.withHooks(hooks);
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "VisualPromptTuning" + config.toJson() + " on " + vit;
    }

    /**
     * The prompts of one forward pass: they know its pixels (concat-channel), whether the prompts are dropped out,
     * and whether the ViT's own dropout is on (for the embedding that concat-channel recomputes).
     */
    private final class PromptHooks implements Hooks {
        private final NDArray pixels;
        private final boolean training;
        private final boolean backboneTraining;

        PromptHooks(NDArray pixels, boolean training, boolean backboneTraining) {
            this.pixels = pixels;
            this.training = training;
            this.backboneTraining = backboneTraining;
        }

        @Override
        public NDArray afterEmbeddings(NDArray hidden) {
            return switch (config.location()) {
                case PREPEND, ADD -> config.firstLayer() == 0 ? placeTokens(0, hidden, true) : hidden;
                case PREPEND_PIXEL -> insert(hidden, pixelPromptTokens(hidden));
                case CONCAT_CHANNEL -> embedWithPromptChannels(hidden.getManager());
            };
        }

        @Override
        public NDArray beforeLayer(int layer, NDArray hidden) {
            if (layer == 0 || !config.prompts(layer)) {
                return hidden;
            }
            // The first prompted layer of a last-k model has no prompt slots yet: its prompts are inserted.
            return placeTokens(layer - config.firstLayer(), hidden, layer == config.firstLayer());
        }

        /** Prepend: insert or replace the prompt slots; add: add the prompts to every token. */
        private NDArray placeTokens(int index, NDArray hidden, boolean insert) {
            if (config.length() == 0) {
                return hidden;
            }
            NDArray tokens = promptTokens(index, hidden);
            if (config.location() == PromptLocation.ADD) {
                return hidden.add(tokens);
            }
            return insert ? insert(hidden, tokens) : replace(hidden, tokens);
        }

        /** Layer {@code index}'s prompts [B, length, hidden]: projected, broadcast over the batch, dropped out. */
        private NDArray promptTokens(int index, NDArray hidden) {
            NDManager scope = hidden.getManager();
            NDArray p = local(scope, prompts.get(EMBEDDINGS)).get(index);
            if (config.projection() > 0) {
                p = p.getNDArrayInternal().linear(p, prompts.get(PROJECTION_WEIGHT), prompts.get(PROJECTION_BIAS))
                        .singletonOrThrow();
            }
            Shape s = hidden.getShape();
            p = p.expandDims(0).broadcast(s.get(0), config.length(), s.get(2));
            // As the official code: dropout after expanding, so each image draws its own mask.
            return dropout(p, config.dropout(), training);
        }

        /** The pixel prompts through the frozen patch embedding: [B, length, hidden], no position embedding. */
        private NDArray pixelPromptTokens(NDArray hidden) {
            NDArray image = local(hidden.getManager(), prompts.get(PIXELS)).expandDims(0);
            NDArray tokens = patchEmbed(image, vit.weight(VIT_PATCH_WEIGHT), vit.weight(VIT_PATCH_BIAS));
            Shape s = hidden.getShape();
            return tokens.broadcast(s.get(0), config.length(), s.get(2));
        }

        /**
         * The ViT's embedding recomputed with the widened patch embedding over [image; prompt channels]: [CLS] +
         * patches + position embeddings, then the ViT's embedding dropout. The backbone's own embedding output is
         * discarded, since the pretrained patch embedding is what this location replaces.
         */
        private NDArray embedWithPromptChannels(NDManager scope) {
            NDArray image = local(scope, pixels);
            long batch = image.getShape().get(0);
            NDArray channels = local(scope, prompts.get(CHANNELS));
            Shape cs = channels.getShape();
            NDArray input = image.concat(channels.expandDims(0).broadcast(batch, cs.get(0), cs.get(1), cs.get(2)), 1);
            NDArray patches = patchEmbed(input, prompts.get(PATCH_WEIGHT), prompts.get(PATCH_BIAS));
            NDArray cls = local(scope, vit.weight(VIT_CLS)).broadcast(batch, 1, vit.hiddenSize());
            NDArray embedded = cls.concat(patches, 1).add(vit.weight(VIT_POSITIONS));
            return dropout(embedded, vit.config().hiddenDropout(), backboneTraining);
        }

        private NDArray dropout(NDArray x, double p, boolean on) {
            if (!on || p == 0) {
                return x;
            }
            return x.getNDArrayInternal().dropout(x, (float) p, true).singletonOrThrow();
        }
    }

    /** [CLS], the prompts, then every token after [CLS]. */
    private static NDArray insert(NDArray hidden, NDArray tokens) {
        return NDArrays.concat(new NDList(hidden.get(":, 0:1"), tokens, hidden.get(":, 1:")), 1);
    }

    /** [CLS], the new prompts in place of the previous ones, then the patch tokens. */
    private static NDArray replace(NDArray hidden, NDArray tokens) {
        long n = tokens.getShape().get(1);
        return NDArrays.concat(new NDList(hidden.get(":, 0:1"), tokens, hidden.get(":, " + (1 + n) + ":")), 1);
    }

    /** A stride-p convolution as the ViT's patch embedding: [B, C, H, W] to [B, patches, hidden]. */
    private NDArray patchEmbed(NDArray images, NDArray weight, NDArray bias) {
        Shape patch = new Shape(vit.config().patchSize(), vit.config().patchSize());
        NDArray out = images.getNDArrayInternal().convolution(images, weight, bias, patch, new Shape(0, 0),
                new Shape(1, 1), 1).singletonOrThrow();
        return out.flatten(2, 3).transpose(0, 2, 1);
    }

    /**
     * A view of {@code array} owned by the forward pass's scope: operations are called on it (never on a long-lived
     * tensor), so their results are freed with the pass, and gradients still flow to {@code array}.
     */
    private static NDArray local(NDManager scope, NDArray array) {
        NDArray view = array.reshape(array.getShape());
        view.attach(scope);
        return view;
    }
}
