package org.softprompt.method.deep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.Bert;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;
import org.softprompt.task.head.TokenClassificationHead;
import org.softprompt.train.AdamW;
import org.softprompt.train.LearningRateSchedule;
import org.softprompt.train.ParameterGroup;
import org.softprompt.train.Trainer;

/** P-tuning v2's multi-task recipe: one prompt and a head per task trained together, then per-task prompts. */
class MultiTaskTest {

    /** A batch of task {@code task} (0: tag tokens 7 and 9; 1: tag tokens 8 and 10). */
    private record Batch(int task, long[] ids, long[] labels) {}

    private static final int N = 8;
    private static final int T = 6;

    private static Batch batch(int task, Random random) {
        long[] ids = new long[N * T];
        long[] labels = new long[N * T];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 5 + random.nextInt(8);
            labels[i] = task == 0 ? (ids[i] == 7 || ids[i] == 9 ? 1 : 0) : (ids[i] == 8 || ids[i] == 10 ? 1 : 0);
        }
        return new Batch(task, ids, labels);
    }

    private static NDArray loss(DeepPrompt prompt, TokenClassificationHead head, NDManager m, Batch b) {
        Shape shape = new Shape(N, T);
        ForwardOutput out = prompt.forward(ForwardInput.ofIds(m.create(b.ids(), shape)).withLogits(false));
        return head.loss(head.logits(out, false), m.create(b.labels(), shape));
    }

    @Test
    void sharedPromptThenPerTaskAdaptation() {
        Path dir = org.softprompt.SharedFixtures.hfFixture("tiny-bert");
        Random random = new Random(9);
        List<Batch> mixed = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            mixed.add(batch(i % 2, random));
        }
        Batch heldOutA = batch(0, random);
        try (NDManager m = Engines.newManager();
             Bert tiny = Bert.load(dir, m);
             DeepPrompt shared = DeepPrompt.on(tiny).length(4).dropout(0).build(m);
             TokenClassificationHead headA = TokenClassificationHead.create(tiny, 2, 0, m, 1);
             TokenClassificationHead headB = TokenClassificationHead.create(tiny, 2, 0, m, 2);
             AdamW optimizer = new AdamW(List.of(ParameterGroup.all(0.05, 0)), LearningRateSchedule.constant(), m)) {
            Map<String, NDArray> all = new LinkedHashMap<>(shared.trainable());
            headA.trainable().forEach((name, array) -> all.put("task0." + name, array));
            headB.trainable().forEach((name, array) -> all.put("task1." + name, array));
            new Trainer<Batch>(all, optimizer, (step, b) -> loss(shared, b.task() == 0 ? headA : headB, step, b))
                    .fit(mixed::iterator, Trainer.Settings.steps(12));

            float sharedLossA;
            try (NDManager step = m.newSubManager()) {
                sharedLossA = loss(shared, headA, step, heldOutA).getFloat();
            }
            try (DeepPrompt perTask = DeepPrompt.from(shared).build(m);
                 AdamW adapt = new AdamW(List.of(ParameterGroup.all(0.02, 0)), LearningRateSchedule.constant(), m)) {
                float copiedLossA;
                try (NDManager step = m.newSubManager()) {
                    copiedLossA = loss(perTask, headA, step, heldOutA).getFloat();
                }
                assertEquals(sharedLossA, copiedLossA, 0f, "the copy starts exactly where the shared prompt is");
                float[] sharedBefore = shared.trainable().get(DeepPrompt.EMBEDDING).toFloatArray();
                Map<String, NDArray> taskA = new LinkedHashMap<>(perTask.trainable());
                taskA.putAll(headA.trainable());
                List<Batch> onlyA = mixed.stream().filter(b -> b.task() == 0).toList();
                Trainer.Result result = new Trainer<Batch>(taskA, adapt, (step, b) -> loss(perTask, headA, step, b))
                        .fit(onlyA::iterator, Trainer.Settings.steps(8));
                float adaptedLossA;
                try (NDManager step = m.newSubManager()) {
                    adaptedLossA = loss(perTask, headA, step, heldOutA).getFloat();
                }
                System.out.printf("multi-task: held-out task-0 loss after shared training %.4f, after 8 task-0 steps "
                        + "%.4f (training losses %s)%n", sharedLossA, adaptedLossA, result.losses());
                assertTrue(adaptedLossA < sharedLossA, sharedLossA + " -> " + adaptedLossA);
                assertArrayEquals(sharedBefore, shared.trainable().get(DeepPrompt.EMBEDDING).toFloatArray(), 0f,
                        "adapting the copy leaves the shared prompt as it was");
            }
        }
    }
}
