package org.softprompt.train;

/** Training stopped because a loss was NaN or infinite; the step is named so that the run can be inspected. */
public final class NonFiniteLossException extends IllegalStateException {
    private final long step;

    public NonFiniteLossException(long step, double loss) {
        super("loss is " + loss + " at step " + step + ": training stopped before applying this step's update"
                + " (lower the learning rate, check the inputs of this batch, or enable clipping)");
        this.step = step;
    }

    public long step() {
        return step;
    }
}
