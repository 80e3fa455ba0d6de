package org.softprompt.method.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softprompt.Engines;
import org.softprompt.SharedFixtures;
import org.softprompt.backbone.CheckpointException;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Gpt2;
import org.softprompt.backbone.Safetensors;
import org.softprompt.method.Reparam;
import org.softprompt.method.deep.PromptTuning;
import org.softprompt.method.prefix.Prefix;
import org.softprompt.method.prefix.PrefixTuning;
import org.softprompt.method.ptuning.PTuning;
import org.softprompt.method.ptuning.PromptEncoder;

/**
 * Prompts saved and loaded in PEFT's adapter layout, against PEFT 0.8.2's own adapter for the tiny GPT-2
 * (hf-fixtures/peft-prefix: its adapter_config.json, adapter_model.safetensors, and the trained PrefixEncoder and
 * logits that PEFT computed).
 */
public class PeftAdapterTest {
    private static NDManager manager;
    private static Gpt2 gpt2;
    private static Path peftDir;
    private static Map<String, NDArray> reference;

    @TempDir
    Path temp;

    @BeforeAll
    static void load() {
        peftDir = SharedFixtures.hfFixture("peft-prefix");
        manager = Engines.newManager();
        gpt2 = Gpt2.load(SharedFixtures.hfFixture("tiny-gpt2"), manager);
        reference = Safetensors.readAll(peftDir.resolve("reference.safetensors"), manager);
    }

    @AfterAll
    static void close() {
        if (manager != null) {
            gpt2.close();
            manager.close();
        }
    }

    private static float maxAbsDiff(NDArray a, NDArray b) {
        assertEquals(a.getShape(), b.getShape());
        return a.sub(b).abs().max().getFloat();
    }

    /** A prefix with PEFT's trained PrefixEncoder (prefix_projection, encoder_hidden_size 64). */
    private static PrefixTuning peftTrainedMlp(NDManager m) {
        PrefixTuning prefix = Prefix.on(gpt2).length(6).reparam(Reparam.mlp(64)).build(m);
        Map<String, NDArray> encoder = new LinkedHashMap<>();
        reference.forEach((name, array) -> {
            if (name.startsWith("encoder.")) {
                encoder.put(name.substring("encoder.".length()), array);
            }
        });
        prefix.load(encoder, "peft-prefix/reference.safetensors");
        return prefix;
    }

    private static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    /** The 8-byte length and the JSON header of a safetensors file, as bytes. */
    private static byte[] header(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long length = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        return Arrays.copyOf(bytes, (int) (8 + length));
    }

    @Test
    void loadsPeftsOwnAdapterAndReproducesItsLogits() {
        try (NDManager m = manager.newSubManager(); PrefixTuning prefix = PrefixTuning.fromPeft(gpt2, peftDir, m)) {
            assertEquals(6, prefix.length());
            assertEquals(Reparam.none(), prefix.reparam());
            assertEquals(Set.of("embedding.weight"), prefix.trainable().keySet());
            float logits = maxAbsDiff(prefix.forward(ForwardInput.ofIds(reference.get("input_ids"))).logits(),
                    reference.get("logits"));
            assertTrue(logits < 1e-4, "logits differ from PEFT's by " + logits);
        }
    }

    @Test
    void savedPrefixHasPeftsConfigTensorNamesAndShapes() throws IOException {
        Path out = temp.resolve("adapter");
        try (NDManager m = manager.newSubManager(); PrefixTuning prefix = peftTrainedMlp(m)) {
            prefix.saveAsPeft(out, "tiny-gpt2", "CAUSAL_LM");
        }
        // every field PEFT wrote, with PEFT's values, and nothing else
        assertEquals(json(peftDir.resolve(PeftAdapter.CONFIG)), json(out.resolve(PeftAdapter.CONFIG)));
        assertEquals(Files.readString(peftDir.resolve(PeftAdapter.CONFIG)).strip(),
                Files.readString(out.resolve(PeftAdapter.CONFIG)).strip(), "PEFT's sorted, 2-indented JSON text");
        // same names, dtypes, shapes, offsets and metadata: the headers are identical byte for byte
        assertArrayEquals(header(peftDir.resolve(PeftAdapter.WEIGHTS)), header(out.resolve(PeftAdapter.WEIGHTS)));
        try (NDManager m = manager.newSubManager()) {
            NDArray ours = Safetensors.readAll(out.resolve(PeftAdapter.WEIGHTS), m).get("prompt_embeddings");
            NDArray peft = Safetensors.readAll(peftDir.resolve(PeftAdapter.WEIGHTS), m).get("prompt_embeddings");
            float table = maxAbsDiff(ours, peft);
            assertTrue(table < 1e-5, "collapsed table differs from PEFT's saved one by " + table);
        }
        assertTrue(Files.isRegularFile(out.resolve(PeftAdapter.TRAINING_STATE)), "the sidecar keeps the MLP");
    }

    @Test
    void prefixRoundTripRestoresTheReparameterizationExactly() {
        Path out = temp.resolve("adapter");
        try (NDManager m = manager.newSubManager(); PrefixTuning saved = peftTrainedMlp(m)) {
            saved.saveAsPeft(out, "tiny-gpt2", "CAUSAL_LM");
            try (PrefixTuning loaded = PrefixTuning.fromPeft(gpt2, out, m)) {
                assertEquals(Reparam.mlp(64), loaded.reparam(), "the MLP comes back, so training can resume");
                assertEquals(saved.positionOffset(), loaded.positionOffset());
                assertEquals(saved.trainable().keySet(), loaded.trainable().keySet());
                saved.trainable().forEach((name, tensor) -> {
                    assertEquals(tensor.getShape(), loaded.trainable().get(name).getShape(), name);
                    assertArrayEquals(tensor.toFloatArray(), loaded.trainable().get(name).toFloatArray(), name);
                    assertTrue(loaded.trainable().get(name).hasGradient(), name + " is trainable again");
                });
                assertArrayEquals(saved.table(m).toFloatArray(), loaded.table(m).toFloatArray());
                float logits = maxAbsDiff(loaded.forward(ForwardInput.ofIds(reference.get("input_ids"))).logits(),
                        reference.get("logits"));
                assertTrue(logits < 1e-4, "logits differ from PEFT's by " + logits);
            }
        }
    }

    /** {@code steps} plain SGD steps (stateless, so a resume needs only the parameters) on a next-token loss. */
    private static void train(PrefixTuning prefix, int steps, NDManager m) {
        long[][] data = {{5, 9, 12, 40, 7}, {7, 3, 30, 2, 2}};
        try (org.softprompt.train.Sgd sgd = new org.softprompt.train.Sgd(List.of(
                org.softprompt.train.ParameterGroup.all(0.5, 0)),
                org.softprompt.train.LearningRateSchedule.constant(), m, 0)) {
            new org.softprompt.train.Trainer<long[]>(prefix.trainable(), sgd, (step, ids) -> {
                NDArray input = step.create(ids, new Shape(1, ids.length));
                NDArray logProbs = prefix.forward(ForwardInput.ofIds(input)).logits()
                        .get(new ai.djl.ndarray.index.NDIndex(":, :-1, :")).logSoftmax(-1);
                NDArray targets = input.get(new ai.djl.ndarray.index.NDIndex(":, 1:")).expandDims(-1);
                return logProbs.gather(targets, 2).mean().neg();
            }).fit(() -> java.util.Arrays.asList(data).iterator(), org.softprompt.train.Trainer.Settings.steps(steps));
        }
    }

    @Test
    void trainingResumesFromTheSavedAdapterAsIfUninterrupted() {
        Path out = temp.resolve("adapter");
        try (NDManager m = manager.newSubManager(); PrefixTuning straight = peftTrainedMlp(m);
                PrefixTuning interrupted = peftTrainedMlp(m)) {
            train(straight, 4, m);
            train(interrupted, 2, m);
            interrupted.saveAsPeft(out, "tiny-gpt2", "CAUSAL_LM");
            try (PrefixTuning resumed = PrefixTuning.fromPeft(gpt2, out, m)) {
                train(resumed, 2, m);
                straight.trainable().forEach((name, tensor) -> assertArrayEquals(tensor.toFloatArray(),
                        resumed.trainable().get(name).toFloatArray(), name + " after 2 + 2 steps equals 4 steps"));
                // and the MLP really moved: the resumed run trained the network, not only a collapsed table
                assertTrue(maxAbsDiff(resumed.trainable().get("transform.0.weight"),
                        interrupted.trainable().get("transform.0.weight")) > 1e-6);
            }
        }
    }

    @Test
    void peftsAdapterSavedAgainIsTheSameFile() throws IOException {
        Path out = temp.resolve("adapter");
        try (NDManager m = manager.newSubManager(); PrefixTuning prefix = PrefixTuning.fromPeft(gpt2, peftDir, m)) {
            prefix.saveAsPeft(out, "tiny-gpt2", "CAUSAL_LM");
        }
        assertArrayEquals(Files.readAllBytes(peftDir.resolve(PeftAdapter.WEIGHTS)),
                Files.readAllBytes(out.resolve(PeftAdapter.WEIGHTS)), "identical tensors, identical bytes");
        try (NDManager m = manager.newSubManager(); PrefixTuning again = PrefixTuning.fromPeft(gpt2, out, m)) {
            float logits = maxAbsDiff(again.forward(ForwardInput.ofIds(reference.get("input_ids"))).logits(),
                    reference.get("logits"));
            assertTrue(logits < 1e-4, "logits differ from PEFT's by " + logits);
        }
    }

    @Test
    void promptTuningRoundTripsInPeftsLayout() throws IOException {
        Path out = temp.resolve("prompt");
        NDArray ids = reference.get("input_ids");
        try (NDManager m = manager.newSubManager();
                PromptTuning saved = PromptTuning.on(gpt2).length(5).seed(3).build(m)) {
            saved.saveAsPeft(out, "tiny-gpt2", "CAUSAL_LM");
            JsonObject config = json(out.resolve(PeftAdapter.CONFIG));
            // PEFT 0.8's PromptTuningConfig fields (PeftConfigMixin + PromptLearningConfig + its own)
            assertEquals(Set.of("auto_mapping", "base_model_name_or_path", "inference_mode", "num_attention_heads",
                    "num_layers", "num_transformer_submodules", "num_virtual_tokens", "peft_type", "revision",
                    "task_type", "token_dim", "prompt_tuning_init", "prompt_tuning_init_text", "tokenizer_kwargs",
                    "tokenizer_name_or_path"), config.keySet());
            assertEquals("PROMPT_TUNING", config.get("peft_type").getAsString());
            assertEquals(5, config.get("num_virtual_tokens").getAsInt());
            assertEquals(48, config.get("token_dim").getAsInt());
            Safetensors.Header header = Safetensors.readHeader(out.resolve(PeftAdapter.WEIGHTS));
            assertEquals(Set.of("prompt_embeddings"), header.tensors().keySet());
            assertEquals(new Shape(5, 48), header.tensors().get("prompt_embeddings").djlShape());
            assertEquals(Map.of("format", "pt"), header.metadata());
            try (PromptTuning loaded = PromptTuning.fromPeft(gpt2, out, m)) {
                assertArrayEquals(saved.trainable().get(PromptTuning.PROMPT).toFloatArray(),
                        loaded.trainable().get(PromptTuning.PROMPT).toFloatArray());
                assertArrayEquals(saved.forward(ForwardInput.ofIds(ids)).logits().toFloatArray(),
                        loaded.forward(ForwardInput.ofIds(ids)).logits().toFloatArray());
            }
        }
    }

    @Test
    void pTuningRoundTripKeepsTheEncoderAndPeftsEmbeddingsAlone() throws IOException {
        Path out = temp.resolve("ptuning");
        // pseudo tokens -1..-4 in front, as PEFT places its virtual tokens
        try (NDManager m = manager.newSubManager();
                PTuning saved = PTuning.on(gpt2).template("[P][P][P][P] {x} [MASK]")
                        .encoder(PromptEncoder.Kind.LSTM_MLP).seed(5).build(m)) {
            NDArray ids = m.create(new long[] {-1, -2, -3, -4, 17, 42, 5, 99}, new Shape(1, 8));
            saved.saveAsPeft(out, "tiny-gpt2", "CAUSAL_LM");
            JsonObject config = json(out.resolve(PeftAdapter.CONFIG));
            // PEFT 0.8's PromptEncoderConfig fields
            assertEquals(Set.of("auto_mapping", "base_model_name_or_path", "inference_mode", "num_attention_heads",
                    "num_layers", "num_transformer_submodules", "num_virtual_tokens", "peft_type", "revision",
                    "task_type", "token_dim", "encoder_dropout", "encoder_hidden_size", "encoder_num_layers",
                    "encoder_reparameterization_type"), config.keySet());
            assertEquals("P_TUNING", config.get("peft_type").getAsString());
            assertEquals("LSTM", config.get("encoder_reparameterization_type").getAsString());
            assertEquals(24, config.get("encoder_hidden_size").getAsInt(), "d/2 per LSTM direction");
            assertEquals(new Shape(4, 48), Safetensors.readHeader(out.resolve(PeftAdapter.WEIGHTS)).tensors()
                    .get("prompt_embeddings").djlShape());
            float[] expected = saved.forward(ForwardInput.ofIds(ids)).logits().toFloatArray();
            try (PTuning loaded = PTuning.fromPeft(gpt2, out, null, null, m)) {
                assertEquals(PromptEncoder.Kind.LSTM_MLP, loaded.encoder().kind());
                assertEquals(saved.template().source(), loaded.template().source());
                saved.trainable().forEach((name, tensor) -> assertArrayEquals(tensor.toFloatArray(),
                        loaded.trainable().get(name).toFloatArray(), name));
                assertArrayEquals(expected, loaded.forward(ForwardInput.ofIds(ids)).logits().toFloatArray());
            }
            // without the sidecar (as PEFT leaves it) the saved embeddings are the prompt
            Files.delete(out.resolve(PeftAdapter.TRAINING_STATE));
            try (PTuning alone = PTuning.fromPeft(gpt2, out, null, saved.template(), m)) {
                assertEquals(PromptEncoder.Kind.NONE, alone.encoder().kind());
                float[] logits = alone.forward(ForwardInput.ofIds(ids)).logits().toFloatArray();
                float worst = 0;
                for (int i = 0; i < logits.length; i++) {
                    worst = Math.max(worst, Math.abs(logits[i] - expected[i]));
                }
                assertTrue(worst < 1e-5, "logits from the saved embeddings differ by " + worst);
            }
        }
    }

    @Test
    void resavingAPrefixWithoutReparameterizationRemovesTheStaleSidecar() {
        Path out = temp.resolve("adapter");
        try (NDManager m = manager.newSubManager(); PrefixTuning mlp = peftTrainedMlp(m);
                PrefixTuning collapsed = mlp.collapse()) {
            mlp.saveAsPeft(out, "tiny-gpt2", "CAUSAL_LM");
            assertTrue(Files.exists(out.resolve(PeftAdapter.TRAINING_STATE)));
            collapsed.saveAsPeft(out, "tiny-gpt2", "CAUSAL_LM");
            try (PrefixTuning loaded = PrefixTuning.fromPeft(gpt2, out, m)) {
                assertEquals(Reparam.none(), loaded.reparam(), "the collapsed save is what loads");
                assertFalse(loaded.reparam().isMlp());
            }
        }
    }
}
