package org.softprompt.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter), exactly torch.optim.AdamW's update:
 * {@code w -= lr*wd*w; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; w -= lr * m_hat / (sqrt(v_hat) + eps)}.
 * It runs as DJL's single fused native update; PyTorch's bias corrections are folded into the step size and
 * epsilon, which is algebraically the same update.
 */
public final class AdamW extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double epsilon;

    public AdamW(List<ParameterGroup> groups, LearningRateSchedule schedule, NDManager manager) {
        this(groups, schedule, manager, 0.9, 0.999, 1e-8);
    }

    public AdamW(List<ParameterGroup> groups, LearningRateSchedule schedule, NDManager manager, double beta1,
            double beta2, double epsilon) {
        super(groups, schedule, manager);
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && epsilon > 0)) {
            throw new IllegalArgumentException("AdamW needs 0 <= beta1, beta2 < 1 and epsilon > 0, got "
                    + beta1 + ", " + beta2 + ", " + epsilon);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    @Override
    protected void update(String name, NDArray parameter, NDArray gradient, double learningRate,
            double weightDecay, long t) {
        NDArray mean = stateFor("exp_avg", name, parameter);
        NDArray variance = stateFor("exp_avg_sq", name, parameter);
        double correction1 = 1 - Math.pow(beta1, t);
        double sqrtCorrection2 = Math.sqrt(1 - Math.pow(beta2, t));
        // m_hat / (sqrt(v_hat) + eps) == (sqrt(c2)/c1) * m / (sqrt(v) + eps*sqrt(c2))
        parameter.getNDArrayInternal().adamUpdate(
                new NDList(parameter, gradient, mean, variance),
                new NDList(parameter),
                (float) learningRate,
                (float) (learningRate * sqrtCorrection2 / correction1),
                (float) weightDecay,
                1f,
                -1f, // no element-wise clipping: global-norm clipping happens before the step
                (float) beta1,
                (float) beta2,
                (float) (epsilon * sqrtCorrection2),
                false,
                true);
    }
}
