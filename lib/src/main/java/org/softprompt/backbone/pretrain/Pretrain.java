package org.softprompt.backbone.pretrain;

import com.google.gson.JsonObject;

import org.softprompt.Scale;
import org.softprompt.train.TrainingListener;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Fills the pretraining cache from a shell, so notebooks find the backbones ready:
 * {@code java -cp ... org.softprompt.backbone.pretrain.Pretrain gpt|vit [smoke|quick [steps]]} (default: the
 * current scale; steps overrides the scale's number of optimizer steps, a separate cache entry). Prints progress
 * every 10 steps, then the folder and its report.
 */
public final class Pretrain {
    private Pretrain() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || !(args[0].equals("gpt") || args[0].equals("vit"))) {
            System.err.println("usage: Pretrain gpt|vit [smoke|quick [steps]]");
            System.exit(2);
        }
        Scale scale = args.length > 1 ? Scale.valueOf(args[1].toUpperCase(java.util.Locale.ROOT)) : Scale.current();
        long started = System.nanoTime();
        TrainingListener log = TrainingListener.log(10);
        Long steps = args.length > 2 ? Long.valueOf(args[2]) : null;
        Path folder;
        if (args[0].equals("gpt")) {
            GptPretraining pretraining = GptPretraining.forScale(scale);
            if (steps != null) {
                pretraining = GptPretraining.of(pretraining.settings().orElseThrow().withSteps(steps));
            }
            folder = pretraining.ensure(log);
        } else {
            VitPretraining pretraining = VitPretraining.forScale(scale);
            if (steps != null) {
                pretraining = VitPretraining.of(pretraining.settings().orElseThrow().withSteps(steps));
            }
            folder = pretraining.ensure(log);
        }
        System.out.printf("%s (%.1f s)%n", folder, (System.nanoTime() - started) / 1e9);
        JsonObject report = PretrainingCache.readReport(folder);
        report.remove("losses");
        System.out.println(PretrainingCache.PRETTY.toJson(report));
    }
}
