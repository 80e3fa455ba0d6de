package org.softprompt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;

class TrainerTest {
    private NDManager manager;

    /** One regression batch: inputs [n, 3] and targets [n] from y = x . (1, -2, 0.5) + 0.3. */
    record Batch(float[] x, float[] y) {}

    @BeforeEach
    void start() {
        manager = Engines.newManager();
    }

    @AfterEach
    void stop() {
        manager.close();
    }

    private static List<Batch> batches(int count, int size, long seed) {
        Random random = new Random(seed);
        List<Batch> batches = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            float[] x = new float[size * 3];
            float[] y = new float[size];
            for (int i = 0; i < size; i++) {
                for (int j = 0; j < 3; j++) {
                    x[i * 3 + j] = (float) random.nextGaussian();
                }
                y[i] = x[i * 3] - 2 * x[i * 3 + 1] + 0.5f * x[i * 3 + 2] + 0.3f;
            }
            batches.add(new Batch(x, y));
        }
        return batches;
    }

    private Map<String, NDArray> linearModel() {
        NDArray weight = manager.zeros(new Shape(3));
        NDArray bias = manager.zeros(new Shape(1));
        weight.setRequiresGradient(true);
        bias.setRequiresGradient(true);
        return new java.util.LinkedHashMap<>(Map.of("linear.weight", weight, "linear.bias", bias));
    }

    private static Trainer.Loss<Batch> mse(Map<String, NDArray> model) {
        return (step, batch) -> {
            int n = batch.y().length;
            NDArray x = step.create(batch.x(), new Shape(n, 3));
            NDArray prediction = x.matMul(model.get("linear.weight")).add(model.get("linear.bias"));
            return prediction.sub(step.create(batch.y())).square().mean();
        };
    }

    @Test
    void learnsALinearFunction() {
        Map<String, NDArray> model = linearModel();
        List<Batch> data = batches(20, 16, 1);
        try (AdamW adam = new AdamW(List.of(ParameterGroup.all(0.05, 0.0)), LearningRateSchedule.constant(),
                manager)) {
            Trainer.Result result = new Trainer<>(model, adam, mse(model)).fit(data::iterator,
                    Trainer.Settings.steps(400));
            assertEquals(400, result.steps());
            assertTrue(result.losses().get(399) < 1e-3, "final loss " + result.losses().get(399));
            assertArrayEquals(new float[] {1f, -2f, 0.5f}, model.get("linear.weight").toFloatArray(), 0.02f);
        }
    }

    @Test
    void accumulatingTwoHalvesEqualsOneFullBatch() {
        List<Batch> full = batches(1, 8, 2);
        Batch whole = full.get(0);
        List<Batch> halves = List.of(
                new Batch(java.util.Arrays.copyOfRange(whole.x(), 0, 12), java.util.Arrays.copyOfRange(whole.y(), 0, 4)),
                new Batch(java.util.Arrays.copyOfRange(whole.x(), 12, 24), java.util.Arrays.copyOfRange(whole.y(), 4, 8)));
        Map<String, NDArray> a = linearModel();
        Map<String, NDArray> b = linearModel();
        try (Sgd sgdA = new Sgd(List.of(ParameterGroup.all(0.1, 0)), LearningRateSchedule.constant(), manager, 0);
                Sgd sgdB = new Sgd(List.of(ParameterGroup.all(0.1, 0)), LearningRateSchedule.constant(), manager, 0)) {
            new Trainer<>(a, sgdA, mse(a)).fit(full::iterator, Trainer.Settings.steps(3).clip(0));
            new Trainer<>(b, sgdB, mse(b)).fit(halves::iterator, Trainer.Settings.steps(3).clip(0).accumulate(2));
        }
        assertArrayEquals(a.get("linear.weight").toFloatArray(), b.get("linear.weight").toFloatArray(), 1e-6f);
        assertArrayEquals(a.get("linear.bias").toFloatArray(), b.get("linear.bias").toFloatArray(), 1e-6f);
    }

    @Test
    void earlyStoppingRestoresTheBestEvaluatedParameters() {
        Map<String, NDArray> model = linearModel();
        List<Batch> data = batches(10, 16, 3);
        // A score that peaks at step 4 and then only falls: training stops after 2 worse evaluations.
        int[] evaluations = {0};
        List<float[]> weightsAtEvaluation = new ArrayList<>();
        Trainer.Evaluation peaked = () -> {
            weightsAtEvaluation.add(model.get("linear.weight").toFloatArray());
            int k = ++evaluations[0];
            return -Math.abs(k - 4);
        };
        try (AdamW adam = new AdamW(List.of(ParameterGroup.all(0.05, 0)), LearningRateSchedule.constant(),
                manager)) {
            Trainer.Result result = new Trainer<>(model, adam, mse(model)).evaluation(peaked)
                    .fit(data::iterator, Trainer.Settings.steps(100).evaluate(1, 2));
            assertTrue(result.stoppedEarly());
            assertEquals(6, result.steps());
            assertEquals(4, result.bestStep());
            assertArrayEquals(weightsAtEvaluation.get(3), model.get("linear.weight").toFloatArray(), 0f);
        }
    }

    @Test
    void aNaNLossStopsAndNamesTheStep() {
        Map<String, NDArray> model = linearModel();
        List<Batch> data = batches(5, 4, 4);
        Trainer.Loss<Batch> poisoned = (step, batch) -> batch == data.get(2)
                ? step.create(Float.NaN).add(model.get("linear.bias").sum())
                : mse(model).compute(step, batch);
        try (AdamW adam = new AdamW(List.of(ParameterGroup.all(0.05, 0)), LearningRateSchedule.constant(),
                manager)) {
            NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                    () -> new Trainer<>(model, adam, poisoned).fit(data::iterator, Trainer.Settings.steps(10)));
            assertEquals(3, e.step());
            assertTrue(e.getMessage().contains("step 3"), e.getMessage());
        }
    }

    @Test
    void sameSeedSameRun() {
        float[][] results = new float[2][];
        for (int run = 0; run < 2; run++) {
            Random random = Seeds.seed(42);
            NDArray weight = manager.randomNormal(new Shape(3));
            NDArray bias = manager.zeros(new Shape(1));
            weight.setRequiresGradient(true);
            bias.setRequiresGradient(true);
            Map<String, NDArray> model = new java.util.LinkedHashMap<>(Map.of("linear.weight", weight, "linear.bias", bias));
            List<Batch> data = new ArrayList<>(batches(8, 8, 5));
            java.util.Collections.shuffle(data, random);
            try (AdamW adam = new AdamW(List.of(ParameterGroup.all(0.01, 0.01)), LearningRateSchedule.constant(),
                    manager)) {
                new Trainer<>(model, adam, mse(model)).fit(data::iterator, Trainer.Settings.steps(20));
            }
            results[run] = weight.toFloatArray();
        }
        assertArrayEquals(results[0], results[1], 0f);
    }

    @Test
    void residentMemoryStaysFlatOverTwoThousandSteps() throws IOException {
        // A wider model so that a leak per step would show: 256 x 256 weights, batches of 64.
        NDArray weight = manager.randomNormal(0, 0.05f, new Shape(256, 256), ai.djl.ndarray.types.DataType.FLOAT32);
        weight.setRequiresGradient(true);
        Map<String, NDArray> model = Map.of("w", weight);
        NDArray inputs = manager.randomNormal(new Shape(64, 256));
        Trainer.Loss<Integer> loss = (step, i) -> inputs.matMul(weight).tanh().sub(inputs).square().mean();
        Supplier<Iterator<Integer>> data = () -> java.util.stream.IntStream.range(0, 100).boxed().iterator();
        long[] rssAt = new long[3];
        try (AdamW adam = new AdamW(List.of(ParameterGroup.all(1e-3, 0.01)), LearningRateSchedule.constant(),
                manager)) {
            Trainer<Integer> trainer = new Trainer<>(model, adam, loss);
            trainer.fit(data, Trainer.Settings.steps(200)); // warm-up: allocator pools, JIT
            rssAt[0] = residentKiB();
            trainer.fit(data, Trainer.Settings.steps(1200));
            rssAt[1] = residentKiB();
            trainer.fit(data, Trainer.Settings.steps(2200));
            rssAt[2] = residentKiB();
        }
        System.out.println("RSS KiB after 200, 1200, 2200 steps: " + java.util.Arrays.toString(rssAt));
        // A leak of one 256 KiB gradient-sized array per step would add ~250 MB per 1000 steps.
        long growth = rssAt[2] - rssAt[0];
        assertTrue(growth < 30_000, "resident memory grew by " + growth + " KiB over 2,000 steps: " 
                + java.util.Arrays.toString(rssAt));
    }

    @Test
    void aResumedRunEndsWithTheSameParametersAsAnUninterruptedOne(@org.junit.jupiter.api.io.TempDir Path dir) {
        List<Batch> data = batches(5, 8, 6); // 5 batches: 8 steps cross an epoch boundary
        // Dropout on the inputs makes the run depend on the engine's random generator too.
        java.util.function.Function<Map<String, NDArray>, Trainer.Loss<Batch>> noisy = model -> (step, batch) -> {
            NDArray keep = step.randomUniform(0, 1, new Shape(batch.y().length, 3)).gt(0.2);
            int n = batch.y().length;
            NDArray x = step.create(batch.x(), new Shape(n, 3)).mul(keep).div(0.8f);
            NDArray prediction = x.matMul(model.get("linear.weight")).add(model.get("linear.bias"));
            return prediction.sub(step.create(batch.y())).square().mean();
        };
        com.google.gson.JsonObject config = new com.google.gson.JsonObject();
        config.addProperty("method", "linear-probe");

        Map<String, NDArray> straight = linearModel();
        try (AdamW adam = new AdamW(List.of(ParameterGroup.all(0.05, 0.01)), LearningRateSchedule.linear(2, 8),
                manager)) {
            new Trainer<>(straight, adam, noisy.apply(straight)).seed(11).fit(data::iterator,
                    Trainer.Settings.steps(8));
        }

        Map<String, NDArray> first = linearModel();
        try (AdamW adam = new AdamW(List.of(ParameterGroup.all(0.05, 0.01)), LearningRateSchedule.linear(2, 8),
                manager)) {
            Trainer<Batch> trainer = new Trainer<>(first, adam, noisy.apply(first)).seed(11);
            trainer.fit(data::iterator, Trainer.Settings.steps(3));
            trainer.checkpoint(config).save(dir.resolve("ckpt"));
        }
        Map<String, NDArray> resumed = linearModel();
        try (NDManager loadManager = manager.newSubManager();
                AdamW adam = new AdamW(List.of(ParameterGroup.all(0.05, 0.01)), LearningRateSchedule.linear(2, 8),
                        manager)) {
            TrainingCheckpoint checkpoint = TrainingCheckpoint.load(dir.resolve("ckpt"), loadManager);
            assertEquals("linear-probe", checkpoint.config().get("method").getAsString());
            assertEquals(3, checkpoint.step());
            new Trainer<>(resumed, adam, noisy.apply(resumed)).resume(checkpoint).fit(data::iterator,
                    Trainer.Settings.steps(8));
            assertEquals(8, adam.steps());
        }
        assertArrayEquals(straight.get("linear.weight").toFloatArray(), resumed.get("linear.weight").toFloatArray(), 0f);
        assertArrayEquals(straight.get("linear.bias").toFloatArray(), resumed.get("linear.bias").toFloatArray(), 0f);
    }

    @Test
    void checkpointsHoldOnlyTrainedTensorsAndSaveAtomically(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        Map<String, NDArray> model = linearModel();
        NDArray frozen = manager.ones(new Shape(1000, 1000)); // a "backbone": must not be written
        model.put("backbone.weight", frozen);
        com.google.gson.JsonObject config = new com.google.gson.JsonObject();
        config.addProperty("method", "toy");
        try (AdamW adam = new AdamW(List.of(ParameterGroup.all(0.05, 0)), LearningRateSchedule.constant(),
                manager)) {
            Trainer<Batch> trainer = new Trainer<>(model, adam, mse(model));
            trainer.fit(batches(2, 4, 7)::iterator, Trainer.Settings.steps(2));
            Path target = dir.resolve("ckpt");
            trainer.checkpoint(config).save(target);
            assertTrue(Files.size(target.resolve("parameters.safetensors")) < 1000,
                    "only the 4 trained floats are stored");
            String json = Files.readString(target.resolve("config.json"));
            assertTrue(json.contains("\"trained_parameter_count\": 4"), json);
            // A second save replaces the first completely and leaves no staging or backup directory behind.
            trainer.fit(batches(2, 4, 7)::iterator, Trainer.Settings.steps(3));
            trainer.checkpoint(config).save(target);
            try (var siblings = Files.list(dir)) {
                assertEquals(List.of("ckpt"), siblings.map(p -> p.getFileName().toString()).toList());
            }
            // An interrupted swap (only the backup exists) still loads.
            Files.move(target, dir.resolve("ckpt.previous"));
            try (NDManager m = manager.newSubManager()) {
                assertEquals(3, TrainingCheckpoint.load(target, m).step());
            }
        }
    }

    private static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
