package org.softprompt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softprompt.Engines;
import org.softprompt.SharedFixtures;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Gpt2;
import org.softprompt.data.DataException;
import org.softprompt.data.TextClassification;
import org.softprompt.method.Reparam;
import org.softprompt.method.prefix.Prefix;
import org.softprompt.method.prefix.PrefixTuning;

/**
 * Bad training input: missing data files or columns and empty data sets are named by file (and line); a NaN loss
 * stops training at its step with the parameters of the step before.
 */
public class TrainingBadInputTest {
    @TempDir
    Path dataRoot;

    private Path sst2Train(String content) throws IOException {
        Path file = Files.createDirectories(dataRoot.resolve("sst2")).resolve("train.tsv");
        Files.writeString(file, content);
        return file;
    }

    @Test
    void aMissingDataFileIsNamed() {
        DataException error = assertThrows(DataException.class,
                () -> TextClassification.open(dataRoot).sst2(TextClassification.Sst2Split.TRAIN));
        assertTrue(error.getMessage().contains("Missing data file " + dataRoot.resolve("sst2").resolve("train.tsv")),
                error.getMessage());
        assertTrue(error.getMessage().contains("sentence<TAB>label"), "says what was expected: " + error.getMessage());
    }

    @Test
    void aMissingColumnIsNamedWithItsLine() throws IOException {
        Path noLabelColumn = sst2Train("sentence\na fine film\n");
        DataException header = assertThrows(DataException.class,
                () -> TextClassification.open(dataRoot).sst2(TextClassification.Sst2Split.TRAIN));
        assertTrue(header.getMessage().startsWith(noLabelColumn + ":1:"), header.getMessage());
        assertTrue(header.getMessage().contains("sentence<TAB>label"), header.getMessage());

        sst2Train("sentence\tlabel\na fine film\t1\na dull one\n");
        DataException row = assertThrows(DataException.class,
                () -> TextClassification.open(dataRoot).sst2(TextClassification.Sst2Split.TRAIN));
        assertTrue(row.getMessage().startsWith(noLabelColumn + ":3:"), row.getMessage());
        assertTrue(row.getMessage().contains("'a dull one'"), row.getMessage());
    }

    @Test
    void anEmptyDataSetIsNamed() throws IOException {
        Path file = sst2Train("sentence\tlabel\n");
        DataException error = assertThrows(DataException.class,
                () -> TextClassification.open(dataRoot).sst2(TextClassification.Sst2Split.TRAIN));
        assertTrue(error.getMessage().contains("Empty data set in " + file), error.getMessage());
    }

    @Test
    void emptyTrainingDataIsRefusedBeforeAnyStep() {
        try (NDManager manager = Engines.newManager()) {
            NDArray weight = manager.ones(new Shape(2));
            weight.setRequiresGradient(true);
            Map<String, NDArray> parameters = Map.of("w", weight);
            try (AdamW adam = new AdamW(List.of(ParameterGroup.all(0.1, 0)), LearningRateSchedule.constant(),
                    manager)) {
                Trainer<Integer> trainer = new Trainer<>(parameters, adam, (step, batch) -> weight.sum());
                IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                        () -> trainer.fit(() -> Collections.<Integer>emptyIterator(), Trainer.Settings.steps(3)));
                assertTrue(error.getMessage().contains("training data is empty"), error.getMessage());
                assertEquals(0, adam.steps());
                assertArrayEquals(new float[] {1, 1}, weight.toFloatArray());
            }
        }
    }

    /** One training example: token ids and a per-example loss weight, as a weighted data set supplies them. */
    private record Example(long[] ids, float weight) {}

    @Test
    void aNanLossStopsTrainingAndNamesItsStep() {
        try (NDManager manager = Engines.newManager();
                Gpt2 gpt2 = Gpt2.load(SharedFixtures.hfFixture("tiny-gpt2"), manager);
                PrefixTuning prefix = Prefix.on(gpt2).length(4).reparam(Reparam.mlp(16)).seed(3).build(manager)) {
            // the third example's weight is NaN, as a corrupt weight column would give it
            List<Example> data = List.of(new Example(new long[] {5, 9, 12, 40}, 1f),
                    new Example(new long[] {7, 3, 30, 2}, 1f), new Example(new long[] {11, 8, 6, 1}, Float.NaN),
                    new Example(new long[] {4, 4, 19, 21}, 1f));
            List<Map<String, float[]>> snapshots = new ArrayList<>();
            try (AdamW adam = new AdamW(List.of(ParameterGroup.all(1e-2, 0)), LearningRateSchedule.constant(),
                    manager)) {
                Trainer<Example> trainer = new Trainer<Example>(prefix.trainable(), adam, (step, example) -> {
                    NDArray ids = step.create(example.ids(), new Shape(1, example.ids().length));
                    NDArray logits = prefix.forward(ForwardInput.ofIds(ids)).logits();
                    // next-token cross-entropy over the sequence, weighted by the example's weight
                    NDArray logProbs = logits.get(new NDIndex(":, :-1, :")).logSoftmax(-1);
                    NDArray targets = ids.get(new NDIndex(":, 1:")).expandDims(-1);
                    return logProbs.gather(targets, 2).mean().neg().mul(example.weight());
                }).listener(new TrainingListener() {
                    @Override
                    public void onStep(long step, double loss, double learningRate) {
                        Map<String, float[]> values = new HashMap<>();
                        prefix.trainable().forEach((name, p) -> values.put(name, p.toFloatArray()));
                        snapshots.add(values);
                    }
                });
                NonFiniteLossException error = assertThrows(NonFiniteLossException.class,
                        () -> trainer.fit(data::iterator, Trainer.Settings.steps(4)));
                assertEquals(3, error.step());
                assertTrue(error.getMessage().contains("loss is NaN at step 3"), error.getMessage());
                assertEquals(2, snapshots.size(), "two steps were made");
                assertEquals(2, adam.steps(), "the NaN step's update was not applied");
                prefix.trainable().forEach((name, p) -> assertArrayEquals(snapshots.get(1).get(name),
                        p.toFloatArray(), name + " keeps its value after step 2"));
            }
        }
    }
}
