package org.softprompt.method.peft;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

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

/**
 * Broken adapter folders: each fails with an error that names the file or field and what was expected, and
 * nothing is half-loaded. The folders start as copies of PEFT's own adapter for the tiny GPT-2 (3 layers, 4 heads,
 * 48 wide, 64 positions), damaged one way each.
 */
public class PeftBadInputTest {
    private static NDManager manager;
    private static Gpt2 gpt2;
    private static Path peftDir;

    @TempDir
    Path temp;

    @BeforeAll
    static void load() {
        peftDir = SharedFixtures.hfFixture("peft-prefix");
        manager = Engines.newManager();
        gpt2 = Gpt2.load(SharedFixtures.hfFixture("tiny-gpt2"), manager);
    }

    @AfterAll
    static void close() {
        if (manager != null) {
            gpt2.close();
            manager.close();
        }
    }

    private Path copyOfPeftsAdapter() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("adapter"));
        for (String file : new String[] {PeftAdapter.CONFIG, PeftAdapter.WEIGHTS}) {
            Files.copy(peftDir.resolve(file), dir.resolve(file));
        }
        return dir;
    }

    private static void editConfig(Path dir, String field, Object value) throws IOException {
        Path file = dir.resolve(PeftAdapter.CONFIG);
        JsonObject config = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        if (value instanceof Number n) {
            config.addProperty(field, n);
        } else {
            config.addProperty(field, (String) value);
        }
        Files.writeString(file, config.toString());
    }

    private static <E extends Throwable> void assertNames(Class<E> type, Runnable load, String... parts) {
        E error = assertThrows(type, load::run);
        for (String part : parts) {
            assertTrue(error.getMessage().contains(part), "message should name '" + part + "': " + error.getMessage());
        }
    }

    private void loadPrefix(Path dir) {
        try (NDManager m = manager.newSubManager(); PrefixTuning prefix = PrefixTuning.fromPeft(gpt2, dir, m)) {
            prefix.forward(ForwardInput.ofIds(m.create(new long[] {1, 2, 3}, new ai.djl.ndarray.types.Shape(1, 3))));
        }
    }

    @Test
    void aCorruptSafetensorsFileIsNamed() throws IOException {
        Path dir = copyOfPeftsAdapter();
        byte[] bytes = Files.readAllBytes(dir.resolve(PeftAdapter.WEIGHTS));
        // overwrite the header length with garbage, as a file mangled in transfer would have
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) 0x7f;
        }
        Files.write(dir.resolve(PeftAdapter.WEIGHTS), bytes);
        assertNames(CheckpointException.class, () -> loadPrefix(dir), dir.resolve(PeftAdapter.WEIGHTS).toString(),
                "not a safetensors file");
    }

    @Test
    void aTruncatedSafetensorsFileIsNamed() throws IOException {
        Path dir = copyOfPeftsAdapter();
        Path file = dir.resolve(PeftAdapter.WEIGHTS);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 1000)); // a download cut short
        assertNames(CheckpointException.class, () -> loadPrefix(dir), file.toString(), "prompt_embeddings",
                "outside the");
    }

    @Test
    void aConfigForAnotherModelNamesTheField() throws IOException {
        Path dir = copyOfPeftsAdapter();
        editConfig(dir, "num_layers", 12);
        assertNames(IllegalArgumentException.class, () -> loadPrefix(dir), "adapter_config.json",
                "num_layers is 12", "layer count is 3");
    }

    @Test
    void aPromptTensorWhoseShapeDoesNotFitTheBackboneIsNamed() throws IOException {
        Path dir = copyOfPeftsAdapter();
        // the config fits the backbone, but the table is 2 layers wide: [6, 2 * 2 * 48]
        try (NDManager m = manager.newSubManager()) {
            Safetensors.write(dir.resolve(PeftAdapter.WEIGHTS), Map.of("prompt_embeddings", m.zeros(
                    new ai.djl.ndarray.types.Shape(6, 192))), Map.of());
        }
        assertNames(CheckpointException.class, () -> loadPrefix(dir), "prompt_embeddings is (6, 192)",
                "(6, 288)");
    }

    @Test
    void aPromptLongerThanThePositionLimitIsRefused() throws IOException {
        Path dir = copyOfPeftsAdapter();
        editConfig(dir, "num_virtual_tokens", 64);
        try (NDManager m = manager.newSubManager()) {
            Safetensors.write(dir.resolve(PeftAdapter.WEIGHTS), Map.of("prompt_embeddings", m.zeros(
                    new ai.djl.ndarray.types.Shape(64, 288))), Map.of());
        }
        // loading, building and prompt tuning: the prompt alone fills GPT-2's 64 positions
        assertNames(IllegalArgumentException.class, () -> loadPrefix(dir), "num_virtual_tokens 64",
                "64 positions in all");
        try (NDManager m = manager.newSubManager()) {
            assertNames(IllegalArgumentException.class, () -> Prefix.on(gpt2).length(70).build(m),
                    "prefix of 70 positions", "64 positions in all");
            assertNames(IllegalArgumentException.class, () -> PromptTuning.on(gpt2).length(64).build(m),
                    "prompt of 64 embeddings", "64 positions in all");
            // a prefix that fits, with a text that together with it does not
            try (PrefixTuning prefix = Prefix.on(gpt2).length(60).reparam(Reparam.none()).build(m)) {
                assertNames(IllegalArgumentException.class, () -> prefix.forward(ForwardInput.ofIds(
                        m.zeros(new ai.djl.ndarray.types.Shape(1, 5), ai.djl.ndarray.types.DataType.INT64))),
                        "prefix 60", "5 tokens", "64 positions");
            }
        }
    }

    @Test
    void aFolderMixingTwoSavesIsRefused() throws IOException {
        Path first = temp.resolve("first");
        Path second = temp.resolve("second");
        try (NDManager m = manager.newSubManager();
                PrefixTuning a = Prefix.on(gpt2).length(6).reparam(Reparam.mlp(16)).seed(1).build(m);
                PrefixTuning b = Prefix.on(gpt2).length(6).reparam(Reparam.mlp(16)).seed(2).build(m)) {
            a.saveAsPeft(first, "tiny-gpt2", "CAUSAL_LM");
            b.saveAsPeft(second, "tiny-gpt2", "CAUSAL_LM");
        }
        // what a save interrupted between its files would leave: the new sidecar beside the old table
        Files.copy(second.resolve(PeftAdapter.TRAINING_STATE), first.resolve(PeftAdapter.TRAINING_STATE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertNames(CheckpointException.class, () -> loadPrefix(first), PeftAdapter.TRAINING_STATE,
                "does not reproduce", "mixes files of two saves");
    }

    @Test
    void aMissingFolderConfigOrTensorFileIsNamed() throws IOException {
        Path nowhere = temp.resolve("nowhere");
        assertNames(IllegalArgumentException.class, () -> loadPrefix(nowhere), nowhere.toString(), "does not exist");
        Path dir = copyOfPeftsAdapter();
        Files.delete(dir.resolve(PeftAdapter.WEIGHTS));
        assertNames(IllegalArgumentException.class, () -> loadPrefix(dir), "has no adapter_model.safetensors");
        Files.delete(dir.resolve(PeftAdapter.CONFIG));
        assertNames(IllegalArgumentException.class, () -> loadPrefix(dir), "has no adapter_config.json");
    }

    @Test
    void aPromptTuningAdapterForAnotherWidthIsNamed() throws IOException {
        Path dir = temp.resolve("prompt");
        try (NDManager m = manager.newSubManager(); PromptTuning prompt = PromptTuning.on(gpt2).length(4).build(m)) {
            prompt.saveAsPeft(dir, "tiny-gpt2", "CAUSAL_LM");
        }
        editConfig(dir, "token_dim", 768);
        assertNames(IllegalArgumentException.class, () -> {
            try (NDManager m = manager.newSubManager()) {
                PromptTuning.fromPeft(gpt2, dir, m).close();
            }
        }, "token_dim is 768", "hidden size is 48");
    }

    @Test
    void anAdapterOfAnotherTypeIsNamed() throws IOException {
        Path dir = copyOfPeftsAdapter();
        editConfig(dir, "peft_type", "LORA");
        assertNames(IllegalArgumentException.class, () -> loadPrefix(dir), "peft_type must be PREFIX_TUNING",
                "got LORA");
        assertNames(IllegalArgumentException.class, () -> {
            try (NDManager m = manager.newSubManager()) {
                PromptTuning.fromPeft(gpt2, dir, m).close();
            }
        }, "peft_type must be PROMPT_TUNING");
    }
}
