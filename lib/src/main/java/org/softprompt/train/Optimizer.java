package org.softprompt.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Updates trainable parameters, addressed by name, from the gradients a backward pass accumulated, then zeroes
 * those gradients (DJL's PyTorch engine accumulates gradients until someone does).
 *
 * <p>Unlike DJL's own optimizers, the state (moments, momentum buffers, step count) is ours and exported by
 * {@link #state()}: a method checkpoint stores it beside the trained parameters, so a resumed run continues as if
 * it had never stopped. Frozen parameters (no gradient) are skipped and never get state.
 */
public abstract class Optimizer implements AutoCloseable {
    private final List<ParameterGroup> groups;
    private final LearningRateSchedule schedule;
    private final NDManager stateManager;
    /** Per-parameter state tensors, keyed "kind/parameterName" as written to checkpoints. */
    protected final Map<String, NDArray> state = new LinkedHashMap<>();
    private long steps;

    protected Optimizer(List<ParameterGroup> groups, LearningRateSchedule schedule, NDManager parent) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("an optimizer needs at least one parameter group");
        }
        this.groups = List.copyOf(groups);
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.stateManager = parent.newSubManager();
    }

    /** Applies one update to every parameter that has a gradient, then zeroes the gradients. */
    public final void step(Map<String, NDArray> parameters) {
        double factor = schedule.factor(steps);
        long t = steps + 1;
        // The scope frees the temporaries of the updates (and the gradient handles getGradient() creates).
        try (NDScope scope = new NDScope()) {
            for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
                NDArray parameter = entry.getValue();
                if (!parameter.hasGradient()) {
                    continue;
                }
                ParameterGroup group = groupOf(entry.getKey());
                NDArray gradient = parameter.getGradient();
                update(entry.getKey(), parameter, gradient, group.learningRate() * factor, group.weightDecay(), t);
                JniUtils.zeroGrad((PtNDArray) parameter);
            }
        }
        steps = t;
    }

    /** The learning rate the next step will use for a parameter (its group's rate times the schedule). */
    public double learningRate(String parameterName) {
        return groupOf(parameterName).learningRate() * schedule.factor(steps);
    }

    public long steps() {
        return steps;
    }

    /** The optimizer state by name ("kind/parameter"), live: save it with the trained parameters. */
    public Map<String, NDArray> state() {
        return Collections.unmodifiableMap(state);
    }

    /** Restores state saved by {@link #state()} and the step count, e.g. from a checkpoint being resumed. */
    public void restore(Map<String, NDArray> saved, long stepCount) {
        for (NDArray old : state.values()) {
            old.close();
        }
        state.clear();
        for (Map.Entry<String, NDArray> entry : saved.entrySet()) {
            NDArray copy = entry.getValue().duplicate();
            NDScope.unregister(copy);
            copy.attach(stateManager);
            state.put(entry.getKey(), copy);
        }
        this.steps = stepCount;
    }

    protected NDArray stateFor(String kind, String parameterName, NDArray like) {
        return state.computeIfAbsent(kind + "/" + parameterName, k -> {
            NDArray zeros = stateManager.zeros(like.getShape(), like.getDataType(), like.getDevice());
            NDScope.unregister(zeros); // state outlives the step's scope
            zeros.setName(k);
            return zeros;
        });
    }

    private ParameterGroup groupOf(String name) {
        for (ParameterGroup group : groups) {
            if (group.members().test(name)) {
                return group;
            }
        }
        throw new IllegalArgumentException("parameter '" + name + "' belongs to no parameter group");
    }

    /** Updates {@code parameter} in place; {@code t} is the 1-based step number. */
    protected abstract void update(String name, NDArray parameter, NDArray gradient, double learningRate,
            double weightDecay, long t);

    @Override
    public void close() {
        stateManager.close();
    }
}
