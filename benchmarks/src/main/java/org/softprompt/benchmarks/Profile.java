package org.softprompt.benchmarks;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.softprompt.Engines;

/**
 * Profiles one run of a workload on our side with libtorch's own profiler: writes its chrome trace (open it in
 * chrome://tracing or Perfetto) and prints, for the calling thread, the time in top-level operations by name and the
 * time between them (Java and JNI overhead). {@code java -cp benchmarks/target/softprompt-benchmarks.jar
 * org.softprompt.benchmarks.Profile WORKLOAD TRACE.json [WARMUPS]}
 */
public final class Profile {
    private Profile() {}

    public static void main(String[] args) throws IOException {
        Workloads.Spec spec = Workloads.named(args[0]);
        Path trace = Path.of(args[1]).toAbsolutePath();
        int warmups = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Engines.pytorch();
        try (NDManager manager = Engines.newManager(); Workload workload = spec.factory().apply(manager)) {
            for (int i = 0; i < warmups; i++) {
                workload.run();
            }
            long start = System.nanoTime();
            workload.run();
            System.out.printf(Locale.ROOT, "%s: unprofiled run %.1f ms%n", spec.name(), (System.nanoTime() - start) / 1e6);
            JniUtils.startProfile(false, false, false);
            start = System.nanoTime();
            workload.run();
            double profiled = (System.nanoTime() - start) / 1e6;
            JniUtils.stopProfile(trace.toString());
            System.out.printf(Locale.ROOT, "%s: profiled run %.1f ms; trace %s%n", spec.name(), profiled, trace);
        }
        summarize(trace, 16);
    }

    /** Top-level operations of the thread with the most events (the caller's): total, count, mean. */
    static void summarize(Path trace, int top) throws IOException {
        JsonElement root;
        try (Reader reader = Files.newBufferedReader(trace, StandardCharsets.UTF_8)) {
            root = JsonParser.parseReader(reader);
        }
        JsonArray events = root.isJsonArray() ? root.getAsJsonArray()
                : root.getAsJsonObject().getAsJsonArray("traceEvents");
        Map<String, List<double[]>> byThread = new HashMap<>();
        Map<double[], String> names = new HashMap<>();
        for (JsonElement element : events) {
            JsonObject event = element.getAsJsonObject();
            if (!event.has("ph") || !event.get("ph").getAsString().equals("X")) {
                continue;
            }
            double[] span = {event.get("ts").getAsDouble(), event.get("dur").getAsDouble()};
            names.put(span, event.get("name").getAsString());
            byThread.computeIfAbsent(event.get("tid").getAsString(), k -> new ArrayList<>()).add(span);
        }
        List<double[]> spans = byThread.values().stream().max(Comparator.comparingInt(List::size)).orElseThrow();
        spans.sort(Comparator.<double[]>comparingDouble(s -> s[0]).thenComparingDouble(s -> -s[1]));
        Map<String, double[]> totals = new HashMap<>(); // name -> {microseconds, count}
        double end = Double.NEGATIVE_INFINITY;
        double busy = 0;
        int operations = 0;
        for (double[] span : spans) {
            if (span[0] >= end) { // not nested in the previous top-level operation
                double[] total = totals.computeIfAbsent(names.get(span), k -> new double[2]);
                total[0] += span[1];
                total[1]++;
                busy += span[1];
                operations++;
                end = span[0] + span[1];
            }
        }
        double[] last = spans.get(spans.size() - 1);
        double wall = spans.stream().mapToDouble(s -> s[0] + s[1]).max().orElse(last[0]) - spans.get(0)[0];
        System.out.printf(Locale.ROOT, "calling thread: %d top-level operations, %.1f ms in them, %.1f ms between "
                + "them (span %.1f ms)%n", operations, busy / 1e3, (wall - busy) / 1e3, wall / 1e3);
        totals.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0])).limit(top)
                .forEach(e -> System.out.printf(Locale.ROOT, "  %-28s %9.1f ms  n=%-6d mean %7.1f us%n", e.getKey(),
                        e.getValue()[0] / 1e3, (long) e.getValue()[1], e.getValue()[0] / e.getValue()[1]));
    }
}
