package org.softprompt.backbone.pretrain;

import com.google.gson.JsonArray;

import org.softprompt.backbone.Backbone;

import java.util.List;

/** Small pieces shared by the pretraining reports. */
final class Reports {
    private Reports() {}

    static long parameterCount(Backbone model) {
        return model.weights().asMap().values().stream().mapToLong(a -> a.getShape().size()).sum();
    }

    /** The mean of the last {@code n} losses (one step's loss is noisy). */
    static double tailMean(List<Double> losses, int n) {
        return losses.subList(Math.max(0, losses.size() - n), losses.size()).stream().mapToDouble(d -> d)
                .average().orElse(Double.NaN);
    }

    /** About {@code points} [step, loss] pairs, each the mean of its stretch of steps, for plotting. */
    static JsonArray sampledLosses(List<Double> losses, int points) {
        JsonArray out = new JsonArray();
        int stride = Math.max(1, (losses.size() + points - 1) / points);
        for (int from = 0; from < losses.size(); from += stride) {
            int to = Math.min(losses.size(), from + stride);
            double mean = losses.subList(from, to).stream().mapToDouble(d -> d).average().orElse(Double.NaN);
            JsonArray point = new JsonArray();
            point.add(to);
            point.add(mean);
            out.add(point);
        }
        return out;
    }
}
