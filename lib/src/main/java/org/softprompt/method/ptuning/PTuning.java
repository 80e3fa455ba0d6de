package org.softprompt.method.ptuning;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;

import com.google.gson.JsonObject;

import java.nio.file.Path;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.method.TunedModel;
import org.softprompt.method.peft.PeftAdapter;
import org.softprompt.task.prompt.AnswerSlot;
import org.softprompt.task.prompt.PromptBatch;
import org.softprompt.task.prompt.RenderedPrompt;
import org.softprompt.task.prompt.Template;
import org.softprompt.tokenize.SpecialToken;
import org.softprompt.tokenize.Tokenizer;

/**
 * P-tuning (Liu et al. 2021, "GPT Understands, Too"): a template with pseudo tokens whose input embeddings come from
 * a trained {@link PromptEncoder}, in front of a frozen masked or causal LM. The answer is read at [MASK] through the
 * MLM head (BERT) or as the next token (GPT-2).
 * <pre>{@code
 * PTuning pt = PTuning.on(bert).tokenizer(tokenizer).template("[P][P][P] [MASK] [P][P][P] {x} [P][P][P]")
 *         .encoder(PromptEncoder.Kind.LSTM_MLP).seed(1).build(manager);
 * PromptBatch batch = pt.batch(List.of(Map.of("x", "Dante")), 128, step);
 * NDArray logits = pt.answerLogits(batch, true);              // [B, vocab]
 * }</pre>
 * The same class covers the variants: encoder MLP or NONE (NONE = prompt tuning's directly learned embeddings), and a
 * template without [P] is a manual (discrete) prompt or a null prompt with nothing to train. To tune the backbone
 * too, compose: {@code BitFit.on(bert).train(BackboneParameters.ALL).with(pt)}.
 *
 * <p>How it enters the model: rendered ids carry pseudo token k as the id -(k+1); {@link #enter} embeds the real ids
 * with the backbone's (frozen) word embedding matrix and puts the encoder's output row k at each such position,
 * passing the result as {@link ForwardInput#inputsEmbeds}. Inputs without pseudo ids pass through unchanged.
 */
public final class PTuning implements TunedModel {
    private final Backbone backbone;
    private final Tokenizer tokenizer;
    private final Template template;
    private final AnswerSlot slot;
    private final PromptEncoder encoder;
    private final NDManager manager;
    private final String wordEmbeddingName;
    private final long seed;
    private final double lstmDropout;

    private PTuning(Backbone backbone, Tokenizer tokenizer, Template template, PromptEncoder encoder,
            NDManager manager, String wordEmbeddingName, long seed, double lstmDropout) {
        this.backbone = backbone;
        this.tokenizer = tokenizer;
        this.template = template;
        this.slot = AnswerSlot.of(backbone);
        this.encoder = encoder;
        this.manager = manager;
        this.wordEmbeddingName = wordEmbeddingName;
        this.seed = seed;
        this.lstmDropout = lstmDropout;
    }

    public static Builder on(Backbone backbone) {
        return new Builder(Objects.requireNonNull(backbone, "backbone"));
    }

    /**
     * Options; {@link #template} is required, {@link #tokenizer} is needed for {@link PTuning#batch} and for
     * [P:word] initializations.
     */
    public static final class Builder {
        private final Backbone backbone;
        private Tokenizer tokenizer;
        private Template template;
        private PromptEncoder.Kind kind = PromptEncoder.Kind.LSTM_MLP;
        private double lstmDropout;
        private long seed = 42;

        private Builder(Backbone backbone) {
            this.backbone = backbone;
        }

        public Builder tokenizer(Tokenizer value) {
            this.tokenizer = value;
            return this;
        }

        public Builder template(String value) {
            return template(Template.parse(value));
        }

        public Builder template(Template value) {
            this.template = value;
            return this;
        }

        /** The reparameterization (default LSTM_MLP, as the paper). */
        public Builder encoder(PromptEncoder.Kind value) {
            this.kind = Objects.requireNonNull(value, "encoder kind");
            return this;
        }

        /** Dropout between the LSTM's two layers when training (official default 0). */
        public Builder lstmDropout(double value) {
            if (!(value >= 0 && value < 1)) {
                throw new IllegalArgumentException("lstmDropout must be in [0, 1), got " + value);
            }
            this.lstmDropout = value;
            return this;
        }

        /** Seeds the encoder's initialization (default 42). */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** Creates the encoder's tensors in a sub-manager of {@code parent}, freed by {@link PTuning#close}. */
        public PTuning build(NDManager parent) {
            if (template == null) {
                throw new IllegalStateException("P-tuning needs a template(...)");
            }
            String wordEmbeddings = wordEmbeddingName(backbone);
            NDManager own = parent.newSubManager();
            PromptEncoder encoder = null;
            if (template.pseudoCount() > 0) {
                NDArray initial = initialEmbeddings(own, wordEmbeddings);
                encoder = PromptEncoder.create(kind, template.pseudoCount(), backbone.hiddenSize(), initial,
                        lstmDropout, own, seed);
                if (initial != null) {
                    initial.close();
                }
            }
            return new PTuning(backbone, tokenizer, template, encoder, own, wordEmbeddings, seed, lstmDropout);
        }

        /**
         * Starting embeddings: rows for [P:word] are the mean embedding of the word's tokens; the other rows are
         * N(0, 1) as nn.Embedding when an encoder follows (the official code) or, without one, the embeddings of
         * vocabulary tokens sampled with the seed (Lester et al.'s "sampled vocabulary" initialization: N(0, 1) is
         * far off the scale of BERT's or GPT-2's input embeddings). Null when every row is N(0, 1).
         */
        private NDArray initialEmbeddings(NDManager own, String wordEmbeddings) {
            List<String> words = template.pseudoInitWords();
            boolean anyWord = words.stream().anyMatch(Objects::nonNull);
            if (!anyWord && kind != PromptEncoder.Kind.NONE) {
                return null;
            }
            NDArray table = backbone.weight(wordEmbeddings);
            int d = backbone.hiddenSize();
            SplittableRandom normal = InitialValues.random(seed, "prompt_encoder.embedding.weight");
            SplittableRandom vocabulary = InitialValues.random(seed, "sampled vocabulary");
            List<NDArray> rows = new ArrayList<>();
            // The scope frees the rows, which the engine attaches to the embedding table's manager.
            try (NDScope scope = new NDScope(); NDManager scratch = own.newSubManager()) {
                for (String word : words) {
                    if (word != null) {
                        if (tokenizer == null) {
                            throw new IllegalStateException("pseudo token [P:" + word + "] needs a tokenizer(...) "
                                    + "to look the word up");
                        }
                        int[] ids = tokenizer.encode(word, false);
                        if (ids.length == 0) {
                            throw new IllegalArgumentException("pseudo token [P:" + word + "] of template \""
                                    + template + "\": the word has no tokens");
                        }
                        rows.add(table.get(scratch.create(toLong(ids))).mean(new int[] {0}));
                    } else if (kind == PromptEncoder.Kind.NONE) {
                        long id = vocabulary.nextInt(Math.toIntExact(table.getShape().get(0)));
                        rows.add(table.get(id));
                    } else {
                        float[] values = new float[d];
                        for (int i = 0; i < d; i++) {
                            values[i] = (float) normal.nextGaussian();
                        }
                        rows.add(scratch.create(values));
                    }
                }
                NDArray stacked = NDArrays.stack(new ai.djl.ndarray.NDList(rows), 0).duplicate();
                NDScope.unregister(stacked);
                scope.suppressNotUsedWarning();
                stacked.attach(own);
                stacked.setRequiresGradient(false);
                return stacked;
            }
        }
    }

    /** The backbone's token embedding matrix: BERT's word_embeddings or GPT-2's wte. */
    static String wordEmbeddingName(Backbone backbone) {
        List<String> found = backbone.weights().names().stream().filter(backbone.embeddings())
                .filter(name -> name.endsWith("word_embeddings.weight") || name.endsWith("wte.weight")).toList();
        if (found.size() != 1) {
            throw new IllegalArgumentException(backbone.architecture() + " has no single token embedding matrix "
                    + "(word_embeddings or wte), found " + found);
        }
        return found.get(0);
    }

    private static long[] toLong(int[] ids) {
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }

    @Override
    public Backbone backbone() {
        return backbone;
    }

    public Template template() {
        return template;
    }

    /** The tokenizer, or null when none was given. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** MASK_TOKEN for masked LMs, NEXT_TOKEN for causal ones. */
    public AnswerSlot answerSlot() {
        return slot;
    }

    /** The prompt encoder, or null for a template without pseudo tokens. */
    public PromptEncoder encoder() {
        return encoder;
    }

    @Override
    public Map<String, NDArray> trainable() {
        return encoder == null ? Map.of() : encoder.parameters();
    }

    @Override
    public JsonObject config() {
        JsonObject json = new JsonObject();
        json.addProperty("method", encoder == null ? "manual-prompt" : "p-tuning");
        json.addProperty("template", template.source());
        json.addProperty("answer_slot", slot.name());
        json.addProperty("encoder", encoder == null ? "none" : encoder.kind().name());
        json.addProperty("pseudo_tokens", template.pseudoCount());
        json.addProperty("seed", seed);
        json.addProperty("backbone", backbone.architecture());
        return json;
    }

    /**
     * Saves the prompt in PEFT's adapter layout (see {@link PeftAdapter}): peft_type P_TUNING,
     * {@code prompt_embeddings} [pseudo tokens, d] = the encoder's output (what PEFT keeps for inference), and the
     * sidecar with the encoder's tensors and this template so that {@link #fromPeft} resumes training. PEFT puts all
     * virtual tokens in front of the input: the saved prompt computes the same there only when this template's
     * pseudo tokens come first ("[P][P][P]{x}..."). encoder_hidden_size is what makes PEFT's encoder of that type
     * the same shape as ours where one exists (the LSTM: d/2 per direction); PEFT uses it only to train anew.
     */
    public void saveAsPeft(Path dir, String baseModelNameOrPath, String taskType) {
        if (encoder == null) {
            throw new IllegalStateException("template \"" + template + "\" has no pseudo tokens: nothing to save");
        }
        JsonObject config = PeftAdapter.baseConfig(PeftAdapter.Type.P_TUNING, backbone, encoder.tokens(),
                baseModelNameOrPath, taskType);
        boolean lstm = encoder.kind() == PromptEncoder.Kind.LSTM_MLP;
        config.addProperty("encoder_dropout", lstmDropout);
        config.addProperty("encoder_hidden_size", lstm ? backbone.hiddenSize() / 2 : backbone.hiddenSize());
        config.addProperty("encoder_num_layers", 2);
        config.addProperty("encoder_reparameterization_type", lstm ? "LSTM" : "MLP");
        // the scope frees the encoder's intermediate arrays (never the parameters, made before it)
        try (NDScope arrays = new NDScope()) {
            NDArray embeddings = encoder.forward(false);
            arrays.suppressNotUsedWarning();
            JsonObject method = config();
            method.addProperty("lstm_dropout", lstmDropout);
            PeftAdapter.write(dir, config, embeddings, encoder.parameters(), method);
        }
    }

    /**
     * Loads a P_TUNING adapter (PEFT's or {@link #saveAsPeft}'s). With this toolkit's sidecar the encoder comes back
     * as saved (trainable, checked against the saved embeddings) and {@code template} may be null (the saved one
     * is used); without one the saved embeddings become directly trained embeddings (encoder NONE) and a template
     * with num_virtual_tokens pseudo tokens is required (PEFT's layout: "[P]...[P]" in front of the text).
     */
    public static PTuning fromPeft(Backbone backbone, Path adapterDir, Tokenizer tokenizer, Template template,
            NDManager manager) {
        JsonObject config = PeftAdapter.readConfig(adapterDir, PeftAdapter.Type.P_TUNING, backbone);
        int tokens = PeftAdapter.intField(config, "num_virtual_tokens", adapterDir.resolve(PeftAdapter.CONFIG));
        try (NDManager scope = manager.newSubManager()) {
            NDArray saved = PeftAdapter.readPromptEmbeddings(adapterDir, tokens, backbone.hiddenSize(), scope);
            PeftAdapter.TrainingState state = PeftAdapter.readTrainingState(adapterDir, scope);
            Path sidecar = adapterDir.resolve(PeftAdapter.TRAINING_STATE);
            Builder builder = on(backbone).tokenizer(tokenizer);
            Template chosen = template;
            if (state != null) {
                JsonObject method = state.methodConfig();
                if (!"p-tuning".equals(method.has("method") ? method.get("method").getAsString() : null)) {
                    throw new IllegalArgumentException(sidecar + " holds " + method + ", not a P-tuning encoder");
                }
                chosen = template != null ? template : Template.parse(method.get("template").getAsString());
                builder.encoder(PromptEncoder.Kind.valueOf(method.get("encoder").getAsString()))
                        .seed(method.get("seed").getAsLong());
                if (method.has("lstm_dropout")) {
                    builder.lstmDropout(method.get("lstm_dropout").getAsDouble());
                }
            } else {
                if (template == null) {
                    throw new IllegalArgumentException(adapterDir + " has no " + PeftAdapter.TRAINING_STATE
                            + " (saved by PEFT): give the template, with " + tokens + " pseudo tokens");
                }
                builder.encoder(PromptEncoder.Kind.NONE);
            }
            if (chosen.pseudoCount() != tokens) {
                throw new IllegalArgumentException("template \"" + chosen + "\" has " + chosen.pseudoCount()
                        + " pseudo tokens but " + adapterDir.resolve(PeftAdapter.CONFIG) + " has num_virtual_tokens "
                        + tokens);
            }
            PTuning tuning = builder.template(chosen).build(manager);
            try {
                if (state != null) {
                    tuning.load(state.tensors(), sidecar.toString());
                    try (NDScope arrays = new NDScope()) {
                        PeftAdapter.requireConsistent(adapterDir, tuning.encoder.forward(false), saved);
                        arrays.suppressNotUsedWarning();
                    }
                } else {
                    tuning.load(Map.of(PromptEncoder.PREFIX + "embedding.weight", saved),
                            adapterDir.resolve(PeftAdapter.WEIGHTS).toString());
                }
            } catch (RuntimeException e) {
                tuning.close();
                throw e;
            }
            return tuning;
        }
    }

    /**
     * Copies trained tensors into the encoder by name (its {@code prompt_encoder.*} names); every tensor must be
     * given with its exact shape, and extra names are an error.
     */
    public void load(Map<String, NDArray> tensors, String source) {
        Map<String, NDArray> parameters = trainable();
        for (String name : tensors.keySet()) {
            if (!parameters.containsKey(name)) {
                throw new IllegalArgumentException(source + ": unexpected tensor '" + name + "'; this encoder has "
                        + parameters.keySet());
            }
        }
        parameters.forEach((name, parameter) -> {
            NDArray given = tensors.get(name);
            if (given == null) {
                throw new IllegalArgumentException(source + ": missing tensor '" + name + "' " + parameter.getShape());
            }
            if (!given.getShape().equals(parameter.getShape())) {
                throw new IllegalArgumentException(source + ": tensor '" + name + "' is " + given.getShape()
                        + ", expected " + parameter.getShape());
            }
        });
        parameters.forEach((name, parameter) -> {
            parameter.setRequiresGradient(false);
            parameter.set(tensors.get(name).toType(DataType.FLOAT32, false).toFloatArray());
            parameter.setRequiresGradient(true);
        });
    }

    /** Renders examples with this template and tokenizer (truncated to {@code maxLength}, 0 = none) as a batch. */
    public PromptBatch batch(List<Map<String, String>> examples, int maxLength, NDManager batchManager) {
        if (tokenizer == null) {
            throw new IllegalStateException("rendering needs the tokenizer: build with tokenizer(...)");
        }
        List<RenderedPrompt> rendered = examples.stream()
                .map(values -> template.render(values, tokenizer, slot, maxLength)).toList();
        return PromptBatch.of(rendered, padId(), batchManager);
    }

    /** The logits [B, vocab] at each row's answer slot, dropout on when {@code training}. */
    public NDArray answerLogits(PromptBatch batch, boolean training) {
        return batch.answerLogits(forward(batch.input(training)));
    }

    /** The pseudo tokens' input embeddings [pseudo tokens, hidden] (the encoder's output, no dropout). */
    public NDArray promptEmbeddings() {
        if (encoder == null) {
            throw new IllegalStateException("template \"" + template + "\" has no pseudo tokens");
        }
        return encoder.forward(false);
    }

    private int padId() {
        return tokenizer.specialTokenId(SpecialToken.PAD)
                .orElseGet(() -> tokenizer.specialTokenId(SpecialToken.EOS).orElse(0));
    }

    @Override
    public ForwardInput enter(ForwardInput input) {
        if (encoder == null || input.inputIds() == null) {
            if (encoder != null && input.inputsEmbeds() != null) {
                throw new IllegalArgumentException("P-tuning places its pseudo tokens by id: give inputIds (pseudo "
                        + "token k as -(k+1)), not inputsEmbeds");
            }
            return input;
        }
        NDArray ids = input.inputIds().toType(DataType.INT64, false);
        long[] flat = ids.toLongArray();
        boolean any = false;
        for (long id : flat) {
            if (id < 0) {
                any = true;
                if (RenderedPrompt.slotOf(id) >= encoder.tokens()) {
                    throw new IllegalArgumentException("pseudo token id " + id + " (slot " + RenderedPrompt.slotOf(id)
                            + ") but template \"" + template + "\" has " + encoder.tokens() + " pseudo tokens");
                }
            }
        }
        if (!any) {
            return input;
        }
        NDManager target = input.manager();
        NDArray embeds;
        try (NDScope scope = new NDScope()) {
            NDArray pseudo = ids.lt(0);
            NDArray realIds = ids.maximum(0);
            NDArray slots = ids.neg().sub(1).maximum(0);
            NDArray words = embedding(realIds, backbone.weight(wordEmbeddingName));
            NDArray prompts = embedding(slots, encoder.forward(input.training()));
            embeds = NDArrays.where(pseudo.expandDims(-1).broadcast(words.getShape()), prompts, words);
            NDScope.unregister(embeds);
            scope.suppressNotUsedWarning();
        }
        embeds.attach(target);
        return new ForwardInput(null, embeds, null, input.attentionMask(), input.tokenTypeIds(),
                input.positionIds(), input.prefixes(), input.cache(), input.hooks(), input.training(),
                input.outputHiddenStates(), input.computeLogits()).withLogitsToKeep(input.logitsToKeep());
    }

    private static NDArray embedding(NDArray ids, NDArray table) {
        return ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "PTuning[" + template + ", " + (encoder == null ? "no encoder" : encoder.kind()) + ", "
                + trainedParameterCount() + " trained parameters]";
    }
}
