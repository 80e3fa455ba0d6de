package org.softprompt.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.List;

/**
 * Stochastic gradient descent with momentum, as torch.optim.SGD (no dampening, no Nesterov): with weight decay
 * {@code g += wd*w}; {@code buf = momentum*buf + g} (the first step sets {@code buf = g}); {@code w -= lr*buf}.
 * VPT trains its prompts this way. The learning rate stays outside the buffer, so schedules act as in PyTorch.
 */
public final class Sgd extends Optimizer {
    private final double momentum;

    public Sgd(List<ParameterGroup> groups, LearningRateSchedule schedule, NDManager manager, double momentum) {
        super(groups, schedule, manager);
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("SGD momentum must be in [0, 1), got " + momentum);
        }
        this.momentum = momentum;
    }

    @Override
    protected void update(String name, NDArray parameter, NDArray gradient, double learningRate,
            double weightDecay, long t) {
        // Temporaries are closed at once: they belong to the long-lived managers of the parameter and the state.
        try (NDArray direction = gradient.duplicate()) {
            if (weightDecay != 0) {
                try (NDArray decay = parameter.mul(weightDecay)) {
                    direction.addi(decay);
                }
            }
            NDArray step = direction;
            if (momentum > 0) {
                // The buffer starts at zero, so the first step sets buf = g, as PyTorch does.
                step = stateFor("momentum_buffer", name, parameter).muli(momentum).addi(direction);
            }
            try (NDArray scaled = step.mul(learningRate)) {
                parameter.subi(scaled);
            }
        }
    }
}
