package org.softprompt.backbone.pretrain;

import com.google.gson.JsonObject;

import org.softprompt.Scale;
import org.softprompt.train.TrainingListener;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Fills the pretraining cache from a shell, so notebooks find the backbones ready:
 * {@code java -cp ... org.softprompt.backbone.pretrain.Pretrain gpt|vit [smoke|quick]} (default: the current
 * scale). Prints progress every 10 steps, then the folder and its report.
 */
public final class Pretrain {
    private Pretrain() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || !(args[0].equals("gpt") || args[0].equals("vit"))) {
            System.err.println("usage: Pretrain gpt|vit [smoke|quick]");
            System.exit(2);
        }
        Scale scale = args.length > 1 ? Scale.valueOf(args[1].toUpperCase(java.util.Locale.ROOT)) : Scale.current();
        long started = System.nanoTime();
        TrainingListener log = TrainingListener.log(10);
        Path folder = args[0].equals("gpt") ? GptPretraining.forScale(scale).ensure(log)
                : VitPretraining.forScale(scale).ensure(log);
        System.out.printf("%s (%.1f s)%n", folder, (System.nanoTime() - started) / 1e9);
        JsonObject report = PretrainingCache.readReport(folder);
        report.remove("losses");
        System.out.println(PretrainingCache.PRETTY.toJson(report));
    }
}
