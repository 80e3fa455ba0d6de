package org.softprompt.method.bitfit;

import ai.djl.ndarray.NDArray;

import com.google.gson.JsonObject;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.Bert;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.method.TunedModel;

/**
 * BitFit (Ben Zaken et al. 2022): train only the bias terms of the backbone, i.e. the bias of every Linear (GPT-2's
 * Conv1D) and of every LayerNorm (its beta), the masked-LM head's included (its transform's dense and LayerNorm
 * biases and the decoder's output bias), as Logan IV et al. ("Cutting Down on Prompts and Parameters", 2022) do when
 * they pair BitFit with null prompts on masked LMs. BERT's pooler is left out: the masked-LM prediction does not use
 * it (BertForMaskedLM has none), so its bias would get no gradient.
 *
 * <p>It composes with any prompt method, whose tensors are trained alongside and which decides how the input enters:
 * <pre>{@code
 * TunedModel nullPromptBitFit = BitFit.on(bert).with(PTuning.on(bert).tokenizer(t).template("{sentence} [MASK]")
 *         .build(manager));
 * TunedModel fineTuned = BitFit.on(bert).train(BackboneParameters.ALL).with(pTuning);
 * }</pre>
 *
 * <p>Creating a BitFit sets the backbone's trainable flags (everything frozen except the selection); {@link #close}
 * freezes the selection again and closes the composed prompt, which the BitFit owns.
 */
public final class BitFit implements TunedModel {
    /** Which backbone tensors are trained. */
    public enum BackboneParameters {
        /** The bias of every Linear and LayerNorm (BitFit). */
        BIASES,
        /** Every tensor (fine-tuning). */
        ALL,
        /** The task head only (BERT's MLM head without the tied decoder matrix; GPT-2's untied lm_head). */
        LM_HEAD,
        /** Nothing: only the composed prompt is trained. */
        NONE
    }

    private final Backbone backbone;
    private final BackboneParameters parameters;
    private final TunedModel prompt;
    private final Predicate<String> selection;

    private BitFit(Backbone backbone, BackboneParameters parameters, TunedModel prompt) {
        this.backbone = Objects.requireNonNull(backbone, "backbone");
        this.parameters = Objects.requireNonNull(parameters, "parameters");
        this.prompt = prompt;
        if (prompt != null && prompt.backbone() != backbone) {
            throw new IllegalArgumentException("the prompt method " + prompt.config().get("method")
                    + " runs on another backbone than this BitFit");
        }
        this.selection = selection(backbone, parameters);
        backbone.freezeAll();
        backbone.unfreeze(selection);
        long selected = backbone.weights().names().stream().filter(selection).count();
        if (selected == 0 && parameters != BackboneParameters.NONE) {
            throw new IllegalArgumentException(backbone.architecture() + " has no tensors to train for "
                    + parameters + (parameters == BackboneParameters.LM_HEAD ? " (its LM head is tied to the input "
                    + "embeddings)" : ""));
        }
        if (prompt != null) {
            for (String name : prompt.trainable().keySet()) {
                if (backbone.weights().contains(name)) {
                    throw new IllegalArgumentException("the prompt's tensor '" + name + "' has a backbone tensor's "
                            + "name");
                }
            }
        }
    }

    /** BitFit on {@code backbone}: its biases become trainable, every other backbone tensor frozen. */
    public static BitFit on(Backbone backbone) {
        return new BitFit(backbone, BackboneParameters.BIASES, null);
    }

    /** The same with another selection of backbone tensors (the backbone's flags are set anew). */
    public BitFit train(BackboneParameters which) {
        return new BitFit(backbone, which, prompt);
    }

    /** The same, with {@code promptMethod} entering the input and trained alongside (owned: closed with this). */
    public BitFit with(TunedModel promptMethod) {
        return new BitFit(backbone, parameters, Objects.requireNonNull(promptMethod, "promptMethod"));
    }

    /** The tensor names BitFit trains in {@code backbone} for {@code which}. */
    public static Predicate<String> selection(Backbone backbone, BackboneParameters which) {
        return switch (which) {
            case BIASES -> {
                Predicate<String> unused = backbone instanceof Bert bert ? bert.pooler() : name -> false;
                yield name -> name.endsWith(".bias") && !unused.test(name);
            }
            case ALL -> name -> true;
            case LM_HEAD -> backbone.taskHead();
            case NONE -> name -> false;
        };
    }

    public BackboneParameters backboneParameters() {
        return parameters;
    }

    /** The composed prompt method, or null. */
    public TunedModel prompt() {
        return prompt;
    }

    @Override
    public Backbone backbone() {
        return backbone;
    }

    /** The selected backbone tensors (under their Hugging Face names), then the prompt's. */
    @Override
    public Map<String, NDArray> trainable() {
        Map<String, NDArray> trained = new LinkedHashMap<>();
        backbone.weights().asMap().forEach((name, array) -> {
            if (selection.test(name)) {
                trained.put(name, array);
            }
        });
        if (prompt != null) {
            trained.putAll(prompt.trainable());
        }
        return Collections.unmodifiableMap(trained);
    }

    /** The number of trained backbone scalars (without the prompt's). */
    public long backboneParameterCount() {
        return backbone.weights().asMap().entrySet().stream().filter(e -> selection.test(e.getKey()))
                .mapToLong(e -> e.getValue().size()).sum();
    }

    @Override
    public JsonObject config() {
        JsonObject json = new JsonObject();
        json.addProperty("method", parameters == BackboneParameters.BIASES ? "bitfit"
                : "backbone-" + parameters.name().toLowerCase(java.util.Locale.ROOT));
        json.addProperty("backbone_parameters", parameters.name());
        json.addProperty("backbone_trained_parameters", backboneParameterCount());
        json.addProperty("backbone", backbone.architecture());
        if (prompt != null) {
            json.add("prompt", prompt.config());
        }
        return json;
    }

    @Override
    public ForwardInput enter(ForwardInput input) {
        return prompt == null ? input : prompt.enter(input);
    }

    @Override
    public void close() {
        backbone.freeze(selection);
        if (prompt != null) {
            prompt.close();
        }
    }

    @Override
    public String toString() {
        return "BitFit[" + parameters + ", " + backboneParameterCount() + " backbone parameters"
                + (prompt == null ? "" : ", with " + prompt) + "]";
    }
}
