package org.softprompt.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import org.softprompt.Tensors;

/**
 * The training loop shared by every method and baseline: micro-batches, gradient accumulation, global-norm
 * clipping, an optimizer step, evaluation every N steps with best-checkpoint selection and early stopping.
 *
 * <p>What is trained is just a name-to-array map (a prompt's parameters, a head, the biases, or a whole model):
 * every array in it that requires a gradient is updated. Each micro-batch runs in its own sub-manager, so a
 * long run allocates nothing that outlives a step.
 *
 * @param <B> the batch type, produced by the data and consumed by the loss
 */
public final class Trainer<B> {

    /** Computes a scalar loss for one micro-batch; arrays it creates belong to {@code step} and are freed after. */
    @FunctionalInterface
    public interface Loss<B> {
        NDArray compute(NDManager step, B batch);
    }

    /** Scores the current parameters (higher is better), e.g. dev accuracy or negative dev loss. */
    @FunctionalInterface
    public interface Evaluation {
        double score();
    }

    /** How long and how to train. */
    public record Settings(long maxSteps, int accumulation, double clipNorm, long evaluateEvery, int patience,
            boolean restoreBest) {
        public Settings {
            if (maxSteps < 1 || accumulation < 1) {
                throw new IllegalArgumentException("maxSteps and accumulation must be >= 1, got " + maxSteps
                        + " and " + accumulation);
            }
            if (evaluateEvery < 0 || patience < 0) {
                throw new IllegalArgumentException("evaluateEvery and patience must be >= 0");
            }
        }

        /** {@code steps} optimizer steps, no accumulation, clipping at 1.0, no evaluation. */
        public static Settings steps(long steps) {
            return new Settings(steps, 1, 1.0, 0, 0, true);
        }

        public Settings accumulate(int microBatches) {
            return new Settings(maxSteps, microBatches, clipNorm, evaluateEvery, patience, restoreBest);
        }

        /** Clip the global gradient norm to {@code norm}; 0 or less disables clipping. */
        public Settings clip(double norm) {
            return new Settings(maxSteps, accumulation, norm, evaluateEvery, patience, restoreBest);
        }

        /** Evaluate every {@code steps} steps and at the end; stop after {@code patience} evaluations without
         * improvement (0 = never stop early). */
        public Settings evaluate(long steps, int patience) {
            return new Settings(maxSteps, accumulation, clipNorm, steps, patience, restoreBest);
        }

        /** Whether to put the best evaluated parameters back at the end (default yes). */
        public Settings restoreBest(boolean restore) {
            return new Settings(maxSteps, accumulation, clipNorm, evaluateEvery, patience, restore);
        }
    }

    /** What a run did. {@code losses} holds the loss of every optimizer step. */
    public record Result(long steps, List<Double> losses, double bestScore, long bestStep, boolean stoppedEarly) {}

    private final Map<String, NDArray> parameters;
    private final Optimizer optimizer;
    private final Loss<B> loss;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private Evaluation evaluation;
    private Long seed;
    /** Micro-batches drawn so far, over all calls to fit and across a resume: where the data stream continues. */
    private long microBatches;

    public Trainer(Map<String, NDArray> parameters, Optimizer optimizer, Loss<B> loss) {
        this.parameters = Objects.requireNonNull(parameters, "parameters");
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.loss = Objects.requireNonNull(loss, "loss");
        if (parameters.values().stream().noneMatch(NDArray::hasGradient)) {
            throw new IllegalArgumentException("nothing to train: none of the " + parameters.size()
                    + " parameters requires a gradient");
        }
    }

    public Trainer<B> evaluation(Evaluation evaluation) {
        this.evaluation = evaluation;
        return this;
    }

    /**
     * Makes the run repeatable and resumable: before every micro-batch the engine's generator (dropout, random
     * masks) is reseeded from {@code seed} and the micro-batch's index, so a resumed run draws the same random
     * numbers as an uninterrupted one.
     */
    public Trainer<B> seed(long seed) {
        this.seed = seed;
        return this;
    }

    /**
     * The trained parameters, the optimizer state and this trainer's position, with the method's configuration:
     * save it with {@link TrainingCheckpoint#save}. Only parameters that require a gradient are included.
     */
    public TrainingCheckpoint checkpoint(com.google.gson.JsonObject methodConfig) {
        Map<String, NDArray> trained = new LinkedHashMap<>();
        parameters.forEach((name, array) -> {
            if (array.hasGradient()) {
                trained.put(name, array);
            }
        });
        return new TrainingCheckpoint(methodConfig, trained, optimizer.state(), optimizer.steps(), microBatches,
                seed);
    }

    /**
     * Continues from a checkpoint: copies its parameters into this trainer's (names and shapes must match),
     * restores the optimizer and the position in the data; the next {@link #fit} goes on as if never stopped.
     */
    public Trainer<B> resume(TrainingCheckpoint checkpoint) {
        for (Map.Entry<String, NDArray> saved : checkpoint.parameters().entrySet()) {
            NDArray target = parameters.get(saved.getKey());
            if (target == null) {
                throw new IllegalArgumentException("checkpoint tensor '" + saved.getKey()
                        + "' is not among the parameters being trained " + parameters.keySet());
            }
            if (!target.getShape().equals(saved.getValue().getShape())) {
                throw new IllegalArgumentException("checkpoint tensor '" + saved.getKey() + "' has shape "
                        + saved.getValue().getShape() + " but the parameter has " + target.getShape());
            }
            target.set(saved.getValue().toType(target.getDataType(), false).toByteBuffer());
        }
        optimizer.restore(checkpoint.optimizerState(), checkpoint.step());
        microBatches = checkpoint.microBatches();
        if (checkpoint.seed() != null) {
            seed = checkpoint.seed();
        }
        return this;
    }

    public Trainer<B> listener(TrainingListener listener) {
        listeners.add(listener);
        return this;
    }

    /**
     * Trains until the optimizer has made {@code settings.maxSteps()} steps in all (steps made before, e.g. up to
     * a resumed checkpoint, count), drawing micro-batches from {@code data}; when an epoch's iterator runs out,
     * {@code data} is asked for the next epoch. The data must come in the same order each time it is asked for
     * (shuffle with a seeded Random) for a resume to continue exactly.
     *
     * @throws NonFiniteLossException when a loss is NaN or infinite, naming the step; parameters are left as
     *     they were after the previous step
     */
    public Result fit(Supplier<Iterator<B>> data, Settings settings) {
        List<NDArray> trainable = parameters.values().stream().filter(NDArray::hasGradient).toList();
        NDManager root = trainable.get(0).getManager();
        List<Double> losses = new ArrayList<>();
        double bestScore = Double.NEGATIVE_INFINITY;
        long bestStep = -1;
        int evaluationsWithoutImprovement = 0;
        boolean stoppedEarly = false;
        Map<String, NDArray> best = null;
        listeners.forEach(l -> l.onStart(settings.maxSteps()));
        Iterator<B> epoch = data.get();
        // Skip what earlier calls (or the run before a resume) consumed, so the stream continues.
        for (long skipped = 0; skipped < microBatches; skipped++) {
            if (!epoch.hasNext()) {
                epoch = data.get();
                if (!epoch.hasNext()) {
                    throw new IllegalArgumentException("the training data is empty");
                }
            }
            epoch.next();
        }
        long step = optimizer.steps();
        try {
            while (step < settings.maxSteps()) {
                double stepLoss = 0;
                for (int micro = 0; micro < settings.accumulation(); micro++) {
                    if (!epoch.hasNext()) {
                        epoch = data.get();
                        if (!epoch.hasNext()) {
                            throw new IllegalArgumentException("the training data is empty");
                        }
                    }
                    B batch = epoch.next();
                    if (seed != null) {
                        Engine.getInstance().setRandomSeed((int) (seed * 1_000_003L + microBatches));
                    }
                    microBatches++;
                    // The scope frees every intermediate of this micro-batch, whichever manager it landed in
                    // (DJL attaches an op's result to its first operand's manager, often a long-lived weight's).
                    try (NDScope scope = new NDScope();
                            NDManager stepManager = root.newSubManager();
                            GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray value = loss.compute(stepManager, batch);
                        double scalar = value.getFloat();
                        if (!Double.isFinite(scalar)) {
                            Gradients.scale(trainable, 0.0);
                            throw new NonFiniteLossException(step + 1, scalar);
                        }
                        stepLoss += scalar;
                        // Averaging over micro-batches: scale each loss so that gradients sum to the mean.
                        collector.backward(settings.accumulation() == 1 ? value : Tensors.dividedBy(value, settings.accumulation()));
                    }
                }
                if (settings.clipNorm() > 0) {
                    try (NDScope scope = new NDScope()) {
                        Gradients.clipGlobalNorm(trainable, settings.clipNorm());
                    }
                }
                double learningRate = optimizer.learningRate(parameters.keySet().iterator().next());
                optimizer.step(parameters);
                step++;
                double meanLoss = stepLoss / settings.accumulation();
                losses.add(meanLoss);
                final long current = step;
                listeners.forEach(l -> l.onStep(current, meanLoss, learningRate));

                boolean evaluateNow = evaluation != null && settings.evaluateEvery() > 0
                        && (step % settings.evaluateEvery() == 0 || step == settings.maxSteps());
                if (evaluateNow) {
                    double score;
                    try (NDScope scope = new NDScope()) {
                        score = evaluation.score();
                    }
                    boolean improved = score > bestScore;
                    if (improved) {
                        bestScore = score;
                        bestStep = step;
                        evaluationsWithoutImprovement = 0;
                        if (settings.restoreBest()) {
                            best = snapshot(best, root);
                        }
                    } else {
                        evaluationsWithoutImprovement++;
                    }
                    listeners.forEach(l -> l.onEvaluation(current, score, improved));
                    if (settings.patience() > 0 && evaluationsWithoutImprovement >= settings.patience()) {
                        stoppedEarly = true;
                        break;
                    }
                }
            }
            if (best != null && bestStep != step) {
                restore(best);
            }
        } finally {
            if (best != null) {
                best.values().forEach(NDArray::close);
            }
        }
        Result result = new Result(step, List.copyOf(losses), bestScore, bestStep, stoppedEarly);
        listeners.forEach(l -> l.onFinish(result));
        return result;
    }

    /** Copies the trainable parameters (reusing the previous snapshot's arrays). */
    private Map<String, NDArray> snapshot(Map<String, NDArray> previous, NDManager manager) {
        if (previous != null) {
            previous.values().forEach(NDArray::close);
        }
        Map<String, NDArray> copy = new LinkedHashMap<>();
        parameters.forEach((name, array) -> {
            if (array.hasGradient()) {
                NDArray duplicate = array.duplicate();
                NDScope.unregister(duplicate);
                duplicate.attach(manager);
                copy.put(name, duplicate);
            }
        });
        return copy;
    }

    private void restore(Map<String, NDArray> best) {
        best.forEach((name, saved) -> parameters.get(name).set(saved.toByteBuffer()));
    }
}
