package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The tensors a model with a given config expects, by Hugging Face name and in Hugging Face's order, with their
 * initialization; and the matching of a checkpoint against them.
 *
 * @param model the model's display name for messages ("GPT-2")
 * @param shapes every expected tensor's shape, in order
 * @param init how each expected tensor is initialized
 * @param ignorable checkpoint names skipped silently (tied copies, non-persistent buffers)
 * @param basePrefix the base model's prefix ("transformer.", "bert.", "vit."): a checkpoint of the bare base model
 *     (BertModel, GPT2Model) stores names without it
 * @param aliases checkpoint names (after the base prefix is added) read as another expected tensor, e.g. a tied copy
 *     standing in for the tensor it is tied to when the checkpoint stores only the copy
 */
record ModelSpec(String model, Map<String, Shape> shapes, Function<String, Init> init, Predicate<String> ignorable,
                 String basePrefix, Map<String, String> aliases) {

    ModelSpec(String model, Map<String, Shape> shapes, Function<String, Init> init, Predicate<String> ignorable,
              String basePrefix) {
        this(model, shapes, init, ignorable, basePrefix, Map.of());
    }

    /** The same spec reading checkpoint tensor {@code stored} as the expected tensor {@code expected}. */
    ModelSpec withAlias(String stored, String expected) {
        Map<String, String> more = new LinkedHashMap<>(aliases);
        more.put(stored, expected);
        return new ModelSpec(model, shapes, init, ignorable, basePrefix, Map.copyOf(more));
    }

    /** The model's name for a checkpoint name: itself if expected, else with the base prefix if that is expected. */
    String canonical(String checkpointName) {
        String name = checkpointName;
        if (!shapes.containsKey(checkpointName) && !checkpointName.startsWith(basePrefix)) {
            String prefixed = basePrefix + checkpointName;
            if (shapes.containsKey(prefixed) || ignorable.test(prefixed) || aliases.containsKey(prefixed)) {
                name = prefixed;
            }
        }
        return aliases.getOrDefault(name, name);
    }

    /** Random weights (Hugging Face's initialization) in a new sub-manager of {@code parent}. */
    Weights initialize(NDManager parent, long seed) {
        Weights weights = new Weights(parent.newSubManager());
        try {
            shapes.forEach((name, shape) -> weights.put(name, init.apply(name).create(weights.manager(), name, shape,
                    seed)));
            return weights;
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /** Fails with the differences unless {@code weights} has exactly the expected names and shapes. */
    void check(Weights weights, String what) {
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<LoadReport.Mismatch> misshaped = new ArrayList<>();
        Map<String, Shape> actual = weights.shapes();
        shapes.forEach((name, shape) -> {
            Shape found = actual.get(name);
            if (found == null) {
                missing.add(name);
            } else if (!found.equals(shape)) {
                misshaped.add(new LoadReport.Mismatch(name, found, shape));
            }
        });
        actual.keySet().stream().filter(name -> !shapes.containsKey(name)).forEach(unexpected::add);
        LoadReport report = new LoadReport(missing, unexpected, misshaped, List.of(), List.of());
        if (!report.isClean()) {
            throw new CheckpointException(what + " do not match " + model + "'s config: " + report, report);
        }
    }

    /**
     * Loads {@code checkpoint} into new weights (a sub-manager of {@code parent}), in this spec's order. Strict
     * options fail on any missing, unexpected or mis-shaped tensor, naming all of them; lenient ones initialize
     * missing and mis-shaped tensors and skip unexpected ones.
     */
    Loaded load(Checkpoint checkpoint, LoadOptions options, NDManager parent) {
        Map<String, String> toRead = new LinkedHashMap<>(); // model name -> checkpoint name
        List<String> unexpected = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        List<LoadReport.Mismatch> misshaped = new ArrayList<>();
        checkpoint.shapes().forEach((stored, shape) -> {
            String name = canonical(stored);
            Shape expected = shapes.get(name);
            if (expected == null) {
                (ignorable.test(name) ? ignored : unexpected).add(stored);
            } else if (toRead.containsKey(name)) {
                unexpected.add(stored + " (a second copy of " + name + ")");
            } else if (!expected.equals(shape)) {
                misshaped.add(new LoadReport.Mismatch(name, shape, expected));
            } else {
                toRead.put(name, stored);
            }
        });
        List<String> missing = new ArrayList<>();
        for (String name : shapes.keySet()) {
            if (!toRead.containsKey(name) && misshaped.stream().noneMatch(m -> m.name().equals(name))) {
                missing.add(name);
            }
        }
        List<String> initialized = new ArrayList<>();
        if (options.tolerateMismatches()) {
            initialized.addAll(missing);
            misshaped.forEach(m -> initialized.add(m.name()));
        }
        LoadReport report = new LoadReport(missing, unexpected, misshaped, ignored, initialized);
        if (!report.isClean() && !options.tolerateMismatches()) {
            throw new CheckpointException(checkpoint.directory() + ": the checkpoint does not match " + model
                    + "'s config (" + checkpoint.directory().resolve(Checkpoint.CONFIG_FILE) + "): " + report
                    + ". Load with LoadOptions.lenient() to initialize missing and mis-shaped tensors and skip "
                    + "unexpected ones.", report);
        }
        Weights weights = new Weights(parent.newSubManager());
        try {
            Map<String, NDArray> read = checkpoint.read(toRead.values(), weights.manager());
            for (Map.Entry<String, Shape> entry : shapes.entrySet()) {
                String name = entry.getKey();
                String stored = toRead.get(name);
                NDArray array = stored != null
                        ? read.get(stored)
                        : init.apply(name).create(weights.manager(), name, entry.getValue(), options.initSeed());
                weights.put(name, array);
            }
            return new Loaded(weights, report);
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /** Weights read from a checkpoint and how they matched. */
    record Loaded(Weights weights, LoadReport report) {}
}
