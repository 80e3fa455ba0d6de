package org.softprompt.backbone.pretrain;

import ai.djl.ndarray.NDManager;

import org.softprompt.Engines;
import org.softprompt.train.TrainingListener;

/**
 * Measures training throughput of candidate configurations (a few steps each), to size the quick-scale runs:
 * {@code gpt hidden layers heads context batch steps} or {@code vit patch hidden layers heads inner batch steps}.
 */
public final class PretrainingThroughput {
    public static void main(String[] args) {
        TrainingListener timing = new TrainingListener() {
            long last = System.nanoTime();

            @Override
            public void onStep(long step, double loss, double learningRate) {
                long now = System.nanoTime();
                System.out.printf("step %d loss %.3f %.0f ms%n", step, loss, (now - last) / 1e6);
                last = now;
            }
        };
        try (NDManager manager = Engines.newManager()) {
            if (args[0].equals("gpt")) {
                GptPretraining.Settings s = GptPretraining.Settings.quick()
                        .withModel(i(args[1]), i(args[2]), i(args[3]), i(args[4])).withBatchSize(i(args[5]))
                        .withSteps(i(args[6]));
                try (GptPretraining.Trained t = GptPretraining.of(s).train(manager, timing)) {
                    System.out.println(t.report().deepCopy().getAsJsonObject().entrySet().stream()
                            .filter(e -> !e.getKey().equals("losses")).toList());
                }
            } else {
                VitPretraining.Settings s = VitPretraining.Settings.quick()
                        .withModel(i(args[1]), i(args[2]), i(args[3]), i(args[4]), i(args[5])).withSteps(i(args[7]));
                s = new VitPretraining.Settings(s.patchSize(), s.hiddenSize(), s.layers(), s.heads(),
                        s.intermediateSize(), s.dropout(), i(args[6]), s.steps(), s.learningRate(), s.warmupSteps(),
                        s.weightDecay(), s.clipNorm(), s.cropPadding(), s.horizontalFlip(), 0, 500, s.seed());
                try (VitPretraining.Trained t = VitPretraining.of(s).train(manager, timing)) {
                    System.out.println(t.report().entrySet().stream()
                            .filter(e -> !e.getKey().equals("losses")).toList());
                }
            }
        }
    }

    private static int i(String s) {
        return Integer.parseInt(s);
    }
}
