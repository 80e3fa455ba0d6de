package org.softprompt.notebook;

import org.softprompt.train.Trainer;
import org.softprompt.train.TrainingListener;

/**
 * Connects a {@link Trainer} to the notebook's live display: a progress bar and loss curve
 * ({@link TrainingMonitor}) that also plots every evaluation score; outside a notebook the monitor logs lines.
 *
 * <pre>{@code
 * trainer.listener(TrainerProgress.live("prefix-tuning on E2E")).fit(data, settings);
 * }</pre>
 */
public final class TrainerProgress implements TrainingListener {
    private final String title;
    private final String evaluationSeries;
    private TrainingMonitor monitor;

    private TrainerProgress(String title, String evaluationSeries) {
        this.title = title;
        this.evaluationSeries = evaluationSeries;
    }

    /** A live display titled {@code title}; evaluation scores are plotted as the series "eval". */
    public static TrainerProgress live(String title) {
        return new TrainerProgress(title, "eval");
    }

    /** The same, naming the evaluation series (e.g. "dev BLEU"). */
    public static TrainerProgress live(String title, String evaluationSeries) {
        return new TrainerProgress(title, evaluationSeries);
    }

    @Override
    public void onStart(long totalSteps) {
        if (monitor != null) {
            monitor.close();
        }
        monitor = TrainingMonitor.start(title, (int) Math.min(Integer.MAX_VALUE, totalSteps));
    }

    @Override
    public void onStep(long step, double loss, double learningRate) {
        monitor.step(loss);
    }

    @Override
    public void onEvaluation(long step, double score, boolean best) {
        monitor.record(evaluationSeries, score);
    }

    @Override
    public void onFinish(Trainer.Result result) {
        monitor.close();
    }

    /** The monitor of the last run (its history table and figure), or null before the first. */
    public TrainingMonitor monitor() {
        return monitor;
    }
}
