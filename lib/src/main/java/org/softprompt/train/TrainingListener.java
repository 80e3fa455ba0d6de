package org.softprompt.train;

/**
 * Hears what a {@link Trainer} does: notebooks attach a live progress bar and loss curve, scripts a plain log.
 * All methods have empty defaults.
 */
public interface TrainingListener {

    /** Called once before the first step with the number of optimizer steps planned. */
    default void onStart(long totalSteps) {}

    /** Called after every optimizer step with the mean loss of its micro-batches and the learning rate used. */
    default void onStep(long step, double loss, double learningRate) {}

    /** Called after each evaluation with its score (higher is better) and whether it is the best so far. */
    default void onEvaluation(long step, double score, boolean best) {}

    /** Called once at the end. */
    default void onFinish(Trainer.Result result) {}

    /** A listener that prints one line every {@code everySteps} steps and at each evaluation. */
    static TrainingListener log(long everySteps) {
        return new TrainingListener() {
            @Override
            public void onStep(long step, double loss, double learningRate) {
                if (step % everySteps == 0) {
                    System.out.printf("step %d  loss %.4f  lr %.3g%n", step, loss, learningRate);
                }
            }

            @Override
            public void onEvaluation(long step, double score, boolean best) {
                System.out.printf("step %d  eval %.4f%s%n", step, score, best ? "  (best)" : "");
            }
        };
    }
}
