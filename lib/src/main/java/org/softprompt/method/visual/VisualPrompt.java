package org.softprompt.method.visual;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import com.google.gson.JsonObject;

import java.util.Map;
import java.util.Objects;

import org.softprompt.backbone.Vit;

/**
 * Builds Visual Prompt Tuning (Jia et al. 2022) on a frozen ViT: learnable prompt tokens inserted after [CLS] and
 * before the patch tokens, and a linear head on the final [CLS]; only the prompts and the head train.
 *
 * <pre>{@code
 * TunedModel shallow = VisualPrompt.on(vit).length(50).classes(10).build(manager);
 * TunedModel deep = VisualPrompt.on(vit).length(10).deep().classes(10).build(manager);
 * TunedModel firstSix = VisualPrompt.on(vit).length(10).firstLayers(6).build(manager);
 * TunedModel pixels = VisualPrompt.on(vit).location(PromptLocation.PREPEND_PIXEL).length(5).build(manager);
 * }</pre>
 *
 * Defaults follow the official code's config: prepend, 5 tokens, shallow, no projection, no dropout, and as many
 * classes as the ViT's classifier has.
 */
public final class VisualPrompt {
    /** The official code's default NUM_TOKENS. */
    public static final int DEFAULT_LENGTH = 5;

    private final Vit vit;
    private PromptLocation location = PromptLocation.PREPEND;
    private Integer length;
    private Depth depth = Depth.SHALLOW;
    private int depthLayers;
    private int projection = -1;
    private double dropout;
    private Integer classes;
    private long seed;

    private enum Depth { SHALLOW, ALL, FIRST, LAST }

    private VisualPrompt(Vit vit) {
        this.vit = Objects.requireNonNull(vit, "vit");
    }

    public static VisualPrompt on(Vit vit) {
        return new VisualPrompt(vit);
    }

    /** A builder holding {@code config} (e.g. read from a checkpoint), to build it again on {@code vit}. */
    public static VisualPrompt on(Vit vit, VisualPromptConfig config) {
        VisualPrompt builder = new VisualPrompt(vit).location(config.location()).length(config.length())
                .projection(config.projection()).dropout(config.dropout()).classes(config.classes())
                .seed(config.seed());
        int layers = vit.numLayers();
        if (!config.deep()) {
            return builder.shallow();
        }
        if (config.firstLayer() == 0 && config.endLayer() == layers) {
            return builder.deep();
        }
        if (config.firstLayer() == 0) {
            return builder.firstLayers(config.endLayer());
        }
        if (config.endLayer() == layers) {
            return builder.lastLayers(layers - config.firstLayer());
        }
        throw new IllegalArgumentException("prompted layers [" + config.firstLayer() + ", " + config.endLayer()
                + ") are neither the first nor the last layers of this " + layers + "-layer ViT");
    }

    /**
     * The number of prompt tokens (prepend), pixel patches (prepend-pixel) or extra channels (concat-channel). Add
     * has one prompt per token: its length is 1 + the number of patches and need not be given.
     */
    public VisualPrompt length(int tokens) {
        if (tokens < 0) {
            throw new IllegalArgumentException("length must be >= 0, got " + tokens);
        }
        this.length = tokens;
        return this;
    }

    public VisualPrompt location(PromptLocation where) {
        this.location = Objects.requireNonNull(where, "location");
        return this;
    }

    /** VPT-shallow (the default): prompts at the input of the first layer only. */
    public VisualPrompt shallow() {
        this.depth = Depth.SHALLOW;
        return this;
    }

    /** VPT-deep: fresh prompts at the input of every layer, replacing the previous layer's prompt outputs. */
    public VisualPrompt deep() {
        this.depth = Depth.ALL;
        return this;
    }

    /**
     * Deep prompts in the first {@code k} layers only (the official {@code NUM_DEEP_LAYERS}): the input gets
     * prompts, layers 1 .. k-1 replace them, and later layers carry the k-th layer's prompt outputs on.
     */
    public VisualPrompt firstLayers(int k) {
        this.depth = Depth.FIRST;
        this.depthLayers = checkLayers(k);
        return this;
    }

    /**
     * Deep prompts in the last {@code k} layers only (the official {@code REVERSE_DEEP}): no prompts at the input;
     * layer L-k's input gets them inserted, later layers replace them.
     */
    public VisualPrompt lastLayers(int k) {
        this.depth = Depth.LAST;
        this.depthLayers = checkLayers(k);
        return this;
    }

    /** Prompts of dimension {@code promptDim}, mapped to the hidden size by a trained linear layer (prepend, add). */
    public VisualPrompt projection(int promptDim) {
        if (promptDim == 0 || promptDim < -1) {
            throw new IllegalArgumentException("projection must be a positive prompt dimension (or -1 for none), got "
                    + promptDim);
        }
        this.projection = promptDim;
        return this;
    }

    /** Dropout on the prompts while training (prepend, add), as the official {@code PROMPT.DROPOUT}. */
    public VisualPrompt dropout(double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
        }
        this.dropout = p;
        return this;
    }

    /** The number of outputs of the linear head; default: the ViT config's number of labels. */
    public VisualPrompt classes(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("classes must be >= 1, got " + n);
        }
        this.classes = n;
        return this;
    }

    /** Seeds the initialization of the prompts, projection and head (default 0). */
    public VisualPrompt seed(long value) {
        this.seed = value;
        return this;
    }

    /** The configuration this builder describes, checked against the ViT. */
    public VisualPromptConfig config() {
        int layers = vit.numLayers();
        int tokens = vit.config().numPatches() + 1;
        int n;
        if (location == PromptLocation.ADD) {
            if (length != null && length != tokens) {
                throw new IllegalArgumentException("add prompts are one per token ([CLS] + "
                        + vit.config().numPatches() + " patches): length must be " + tokens + ", got " + length);
            }
            n = tokens;
        } else {
            n = length != null ? length : DEFAULT_LENGTH;
        }
        if (n == 0 && (location == PromptLocation.PREPEND_PIXEL || location == PromptLocation.CONCAT_CHANNEL)) {
            throw new IllegalArgumentException(location.configName() + " needs length >= 1");
        }
        if (depth != Depth.SHALLOW && !location.supportsDeep()) {
            throw new IllegalArgumentException(location.configName() + " prompts are shallow only (pixel-level "
                    + "prompts enter before the patch embedding); use prepend or add for deep prompts");
        }
        if (projection > 0 && !location.supportsDeep()) {
            throw new IllegalArgumentException("a prompt projection applies to prepend and add prompts, not to "
                    + location.configName());
        }
        if (dropout > 0 && !location.supportsDeep()) {
            throw new IllegalArgumentException("prompt dropout applies to prepend and add prompts, not to "
                    + location.configName());
        }
        if (depthLayers > layers) {
            throw new IllegalArgumentException("this ViT has " + layers + " layers; cannot prompt " + depthLayers);
        }
        int first = depth == Depth.LAST ? layers - depthLayers : 0;
        int end = switch (depth) {
            case SHALLOW -> 1;
            case ALL, LAST -> layers;
            case FIRST -> depthLayers;
        };
        return new VisualPromptConfig(location, n, depth != Depth.SHALLOW, first, end, projection, dropout,
                classes != null ? classes : vit.config().numLabels(), seed);
    }

    /**
     * Creates the prompts and the head in a sub-manager of {@code manager}. The ViT must be entirely frozen (as
     * after loading): VPT trains nothing of the backbone.
     */
    public VisualPromptTuning build(NDManager manager) {
        return new VisualPromptTuning(vit, config(), manager);
    }

    /**
     * Rebuilds a trained model from what a checkpoint holds: the method config it was saved with (e.g.
     * {@code TrainingCheckpoint.config()}) and its trained tensors ({@code parameters()}).
     */
    public static VisualPromptTuning restore(Vit vit, JsonObject config, Map<String, NDArray> trained,
                                             NDManager manager) {
        VisualPromptTuning model = on(vit, VisualPromptConfig.fromJson(config)).build(manager);
        try {
            model.loadTrained(trained);
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static int checkLayers(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("the number of prompted layers must be >= 1, got " + k);
        }
        return k;
    }
}
