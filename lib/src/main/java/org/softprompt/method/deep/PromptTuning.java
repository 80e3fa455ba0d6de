package org.softprompt.method.deep;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
import org.softprompt.backbone.ForwardOutput;
import org.softprompt.backbone.Hooks;
import org.softprompt.method.TunedModel;
import org.softprompt.method.peft.PeftAdapter;

/**
 * Shallow prompt tuning (Lester et al., 2021; P-tuning v2's "prompt" baseline): P trainable embeddings prepended to
 * the input sequence of a frozen model; nothing else changes.
 *
 * <pre>{@code
 * PromptTuning prompt = PromptTuning.on(bert).length(20).init(PromptInit.sampledVocabulary(1000, 30000))
 *         .build(manager);
 * ForwardOutput out = prompt.forward(ForwardInput.ofIds(ids).withAttentionMask(mask));  // prompts removed again
 * }</pre>
 *
 * <p>Where the prompts enter ({@link Placement}):
 * <ul>
 *   <li>{@link Placement#INPUT_EMBEDDINGS} (default, Lester et al.): the prompts are prepended to the word
 *       embeddings, so the model adds position embeddings 0..P-1 to the prompts and P.. to the text, token type 0 to
 *       the prompts, and normalizes everything (BERT's embedding LayerNorm).</li>
 *   <li>{@link Placement#AFTER_EMBEDDINGS}: prepended to the embedding layer's output through
 *       {@link Hooks#afterEmbeddings}, so the text keeps positions 0..T-1 and the prompts get no position or
 *       LayerNorm. (P-tuning v2's baseline code embeds the text first, prepends the prompts and then passes the
 *       result as inputs_embeds, so BERT embeds it a second time; neither placement copies that accident.)</li>
 * </ul>
 * The attention mask gets P leading ones. {@link #forward} removes the P prompt positions from the outputs, so a
 * head reads [CLS] at position 0 as usual; the pooled output is then null, because BERT's pooler would have read
 * the first prompt: heads apply the pooler to [CLS] themselves.
 *
 * <p>The trained tensor is {@code prompt_embeddings} [P, hidden] (PEFT's name).
 */
public final class PromptTuning implements TunedModel {
    public static final String PROMPT = "prompt_embeddings";

    /** Where the prompt embeddings join the sequence. */
    public enum Placement { INPUT_EMBEDDINGS, AFTER_EMBEDDINGS }

    private final Backbone backbone;
    private final int length;
    private final PromptInit init;
    private final Placement placement;
    private final NDManager manager;
    /** The backbone's word-embedding table [V, hidden] (BERT's word_embeddings, GPT-2's wte). */
    private final NDArray wordEmbeddings;
    private final NDArray prompt;

    private PromptTuning(Builder b, NDManager parent) {
        this.backbone = b.backbone;
        this.length = b.length;
        this.init = b.init;
        this.placement = b.placement;
        this.manager = parent.newSubManager();
        this.wordEmbeddings = findWordEmbeddings(backbone);
        this.prompt = initialPrompt(b.seed);
    }

    public static Builder on(Backbone backbone) {
        return new Builder(Objects.requireNonNull(backbone, "backbone"));
    }

    /** Builder of {@link PromptTuning}; defaults: length 20, {@link PromptInit#uniform()}, input embeddings. */
    public static final class Builder {
        private final Backbone backbone;
        private int length = 20;
        private PromptInit init = PromptInit.uniform();
        private Placement placement = Placement.INPUT_EMBEDDINGS;
        private long seed = 42;

        private Builder(Backbone backbone) {
            this.backbone = backbone;
        }

        public Builder length(int promptLength) {
            if (promptLength < 1) {
                throw new IllegalArgumentException("the prompt length must be >= 1, got " + promptLength);
            }
            this.length = promptLength;
            return this;
        }

        public Builder init(PromptInit how) {
            this.init = Objects.requireNonNull(how, "init");
            return this;
        }

        public Builder placement(Placement where) {
            this.placement = Objects.requireNonNull(where, "placement");
            return this;
        }

        public Builder seed(long initSeed) {
            this.seed = initSeed;
            return this;
        }

        public PromptTuning build(NDManager manager) {
            if (placement == Placement.INPUT_EMBEDDINGS) {
                PeftAdapter.requireRoomForText(backbone, length, "a prompt of " + length + " embeddings in the input");
            }
            return new PromptTuning(this, manager);
        }
    }

    private NDArray initialPrompt(long seed) {
        Shape shape = new Shape(length, backbone.hiddenSize());
        switch (init.kind) {
            case UNIFORM:
                return Tensors.random(manager, PROMPT, shape, init.scale, true, seed);
            case NORMAL:
                return Tensors.random(manager, PROMPT, shape, init.scale, false, seed);
            default:
                NDArray table = wordEmbeddings;
                int vocabulary = (int) table.getShape().get(0);
                int[] ids = new int[length];
                SplittableRandom random = new SplittableRandom(seed);
                for (int i = 0; i < length; i++) {
                    ids[i] = init.kind == PromptInit.Kind.TOKENS ? init.tokenIds[i % init.tokenIds.length]
                            : random.nextInt(init.vocabularyFrom, init.vocabularyTo);
                    if (ids[i] < 0 || ids[i] >= vocabulary) {
                        throw new IllegalArgumentException("prompt init " + init + ": id " + ids[i]
                                + " is outside the vocabulary of " + vocabulary);
                    }
                }
                try (NDManager scope = manager.newSubManager()) {
                    NDArray rows = Tensors.local(scope, table).get(scope.create(ids));
                    return Tensors.copyOf(manager, PROMPT, rows);
                }
        }
    }

    private static NDArray findWordEmbeddings(Backbone backbone) {
        List<String> found = new ArrayList<>();
        for (String name : backbone.weights().names()) {
            if (backbone.embeddings().test(name)
                    && (name.endsWith("word_embeddings.weight") || name.endsWith("wte.weight"))) {
                found.add(name);
            }
        }
        if (found.size() != 1) {
            throw new IllegalStateException("prompt tuning needs the backbone's word-embedding table; "
                    + backbone.architecture() + " has " + found + " among its embeddings");
        }
        return backbone.weight(found.get(0));
    }

    @Override
    public Backbone backbone() {
        return backbone;
    }

    @Override
    public Map<String, NDArray> trainable() {
        return Map.of(PROMPT, prompt);
    }

    public int length() {
        return length;
    }

    public Placement placement() {
        return placement;
    }

    @Override
    public JsonObject config() {
        JsonObject json = new JsonObject();
        json.addProperty("method", "prompt-tuning");
        json.addProperty("length", length);
        json.addProperty("init", init.toString());
        json.addProperty("placement", placement.name().toLowerCase());
        json.addProperty("backbone", backbone.architecture());
        return json;
    }

    /**
     * Saves the prompt in PEFT's adapter layout (see {@link PeftAdapter}): peft_type PROMPT_TUNING and
     * {@code prompt_embeddings} [P, d], which is all prompt tuning trains (no sidecar is needed to resume). PEFT
     * prepends the prompt to the input embeddings, so only {@link Placement#INPUT_EMBEDDINGS} can be exported.
     */
    public void saveAsPeft(Path dir, String baseModelNameOrPath, String taskType) {
        if (placement != Placement.INPUT_EMBEDDINGS) {
            throw new UnsupportedOperationException("PEFT prepends prompts to the input embeddings; a prompt placed "
                    + placement + " computes differently there and is not exported");
        }
        JsonObject config = PeftAdapter.baseConfig(PeftAdapter.Type.PROMPT_TUNING, backbone, length,
                baseModelNameOrPath, taskType);
        // PEFT uses these only to initialize a new prompt; the trained one is in prompt_embeddings
        config.addProperty("prompt_tuning_init", "RANDOM");
        config.add("prompt_tuning_init_text", null);
        config.add("tokenizer_kwargs", null);
        config.add("tokenizer_name_or_path", null);
        PeftAdapter.write(dir, config, prompt, null, config());
    }

    /**
     * Loads a PROMPT_TUNING adapter (PEFT's or {@link #saveAsPeft}'s): a prompt of num_virtual_tokens embeddings in
     * the input, trainable, with PEFT's {@code prompt_embeddings}.
     */
    public static PromptTuning fromPeft(Backbone backbone, Path adapterDir, NDManager manager) {
        com.google.gson.JsonObject config = PeftAdapter.readConfig(adapterDir, PeftAdapter.Type.PROMPT_TUNING,
                backbone);
        int length = PeftAdapter.intField(config, "num_virtual_tokens", adapterDir.resolve(PeftAdapter.CONFIG));
        PromptTuning tuning = on(backbone).length(length).init(PromptInit.uniform()).build(manager);
        try (NDManager scope = manager.newSubManager()) {
            NDArray saved = PeftAdapter.readPromptEmbeddings(adapterDir, length, backbone.hiddenSize(), scope);
            tuning.load(Map.of(PROMPT, saved), adapterDir.resolve(PeftAdapter.WEIGHTS).toString());
        } catch (RuntimeException e) {
            tuning.close();
            throw e;
        }
        return tuning;
    }

    /** Copies a trained {@value #PROMPT} [P, hidden] into this prompt (no other tensor may be given). */
    public void load(Map<String, NDArray> tensors, String source) {
        if (!tensors.keySet().equals(java.util.Set.of(PROMPT))) {
            throw new IllegalArgumentException(source + ": prompt tuning has exactly one tensor, '" + PROMPT
                    + "'; got " + tensors.keySet());
        }
        NDArray given = tensors.get(PROMPT);
        if (!given.getShape().equals(prompt.getShape())) {
            throw new IllegalArgumentException(source + ": tensor '" + PROMPT + "' is " + given.getShape()
                    + ", expected " + prompt.getShape());
        }
        prompt.setRequiresGradient(false);
        prompt.set(given.toType(DataType.FLOAT32, false).toFloatArray());
        prompt.setRequiresGradient(true);
    }

    /** The input with the prompts prepended and the attention mask (and token types) extended by P positions. */
    @Override
    public ForwardInput enter(ForwardInput input) {
        if (input.pixelValues() != null) {
            throw new IllegalArgumentException("prompt tuning prepends to a token sequence; got pixels");
        }
        if (input.cache() != null) {
            throw new IllegalArgumentException("prompt tuning does not support a KV cache");
        }
        NDManager scope = input.manager();
        long batch = input.batchSize();
        NDArray prompts = Tensors.local(scope, prompt).expandDims(0)
                .broadcast(new Shape(batch, length, backbone.hiddenSize()));
        ForwardInput entered = input;
        if (input.attentionMask() != null) {
            NDArray mask = input.attentionMask();
            entered = entered.withAttentionMask(scope.ones(new Shape(batch, length), mask.getDataType())
                    .concat(mask, 1));
        }
        if (placement == Placement.AFTER_EMBEDDINGS) {
            Hooks prepend = new Hooks() {
                @Override
                public NDArray afterEmbeddings(NDArray hidden) {
                    return prompts.concat(hidden, 1);
                }
            };
            return entered.withHooks(input.hooks() == Hooks.NONE ? prepend : Hooks.chain(prepend, input.hooks()));
        }
        if (input.positionIds() != null) {
            throw new IllegalArgumentException("explicit position ids are not supported with prompts in the input "
                    + "embeddings (the prompts take positions 0.." + (length - 1) + "); use AFTER_EMBEDDINGS");
        }
        NDArray embeds = input.inputsEmbeds() != null ? input.inputsEmbeds()
                : input.inputIds().getNDArrayInternal()
                        .embedding(input.inputIds(), wordEmbeddings, SparseFormat.DENSE).singletonOrThrow();
        ForwardInput withEmbeds = new ForwardInput(null, prompts.concat(embeds, 1), null, entered.attentionMask(),
                entered.tokenTypeIds(), null, entered.prefixes(), null, entered.hooks(), entered.training(),
                entered.outputHiddenStates(), entered.computeLogits()).withLogitsToKeep(entered.logitsToKeep());
        if (input.tokenTypeIds() != null) {
            NDArray types = input.tokenTypeIds();
            withEmbeds = withEmbeds.withTokenTypeIds(scope.zeros(new Shape(batch, length), types.getDataType())
                    .concat(types, 1));
        }
        return withEmbeds;
    }

    /**
     * Runs the backbone with the prompts and returns outputs over the input's own positions: the P prompt positions
     * are removed from the logits, last hidden state and hidden states; the pooled output is null (see above).
     */
    @Override
    public ForwardOutput forward(ForwardInput input) {
        ForwardOutput out = backbone.forward(enter(input));
        List<NDArray> hidden = new ArrayList<>();
        for (NDArray state : out.hiddenStates()) {
            hidden.add(dropPrompt(state));
        }
        return new ForwardOutput(out.logits() == null || out.logits().getShape().dimension() != 3 ? out.logits()
                : dropPrompt(out.logits()), dropPrompt(out.lastHiddenState()), hidden, null, out.cache());
    }

    private NDArray dropPrompt(NDArray sequence) {
        return sequence.get(":, " + length + ":, :");
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "PromptTuning[length " + length + ", init " + init + ", " + placement + "]";
    }
}
