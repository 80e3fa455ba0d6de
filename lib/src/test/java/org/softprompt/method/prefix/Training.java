package org.softprompt.method.prefix;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import java.util.ArrayList;
import java.util.List;

import org.softprompt.method.TunedModel;
import org.softprompt.task.CausalLmBatch;
import org.softprompt.train.AdamW;
import org.softprompt.train.LearningRateSchedule;
import org.softprompt.train.ParameterGroup;

/** A small source-to-target task and a plain AdamW loop for the methods' "it trains" tests. */
public final class Training {
    public static final int[] SEPARATOR = {9};
    public static final int EOS = 7;
    public static final List<int[]> SOURCES = List.of(new int[] {11, 12, 13}, new int[] {21, 22}, new int[] {31},
            new int[] {41, 42, 43, 44});
    public static final List<int[]> TARGETS = List.of(new int[] {101, 102}, new int[] {201}, new int[] {150, 151, 152},
            new int[] {250});

    private Training() {}

    /** The loss of every step of {@code steps} AdamW steps on the fixed batch. */
    public static List<Float> train(TunedModel model, NDManager manager, int steps, double learningRate) {
        List<Float> losses = new ArrayList<>();
        try (AdamW adam = new AdamW(List.of(ParameterGroup.all(learningRate, 0)), LearningRateSchedule.constant(),
                manager)) {
            for (int step = 0; step < steps; step++) {
                try (NDManager scope = manager.newSubManager()) {
                    CausalLmBatch batch = CausalLmBatch.pairs(SOURCES, TARGETS, SEPARATOR, EOS, 0,
                            CausalLmBatch.Padding.LEFT, scope);
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = batch.loss(model.forward(batch.input().withTraining(true)).logits());
                        collector.backward(loss);
                        losses.add(loss.getFloat());
                    }
                    adam.step(model.trainable());
                }
            }
        }
        return losses;
    }
}
