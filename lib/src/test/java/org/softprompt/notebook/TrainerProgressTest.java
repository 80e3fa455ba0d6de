package org.softprompt.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.train.AdamW;
import org.softprompt.train.LearningRateSchedule;
import org.softprompt.train.ParameterGroup;
import org.softprompt.train.Trainer;

import tech.tablesaw.api.Table;

class TrainerProgressTest {

    @Test
    void everyStepAndEvaluationReachesTheMonitor() {
        try (NDManager manager = Engines.newManager()) {
            NDArray w = manager.create(new float[] {3f});
            w.setRequiresGradient(true);
            TrainerProgress progress = TrainerProgress.live("toy", "dev score");
            try (AdamW adam = new AdamW(List.of(ParameterGroup.all(0.1, 0)), LearningRateSchedule.constant(),
                    manager)) {
                Trainer<Integer> trainer = new Trainer<>(Map.of("w", w), adam, (step, batch) -> w.square().sum());
                trainer.evaluation(() -> -w.getFloat()).listener(progress)
                        .fit(() -> List.of(1, 2, 3).iterator(), Trainer.Settings.steps(10).evaluate(5, 0));
            }
            Table history = progress.monitor().history();
            assertEquals(10, history.where(history.stringColumn("series").isEqualTo("loss")).rowCount());
            assertEquals(2, history.where(history.stringColumn("series").isEqualTo("dev score")).rowCount());
            assertEquals(10, progress.monitor().steps());
        }
    }
}
