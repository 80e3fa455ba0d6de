package org.softprompt.task;

import ai.djl.ndarray.NDManager;

import java.nio.file.Path;
import java.util.List;

import org.softprompt.Engines;
import org.softprompt.backbone.Bert;
import org.softprompt.backbone.easybert.EasyBert;
import org.softprompt.data.LamaTrex;
import org.softprompt.tokenize.Tokenizer;
import org.softprompt.tokenize.Tokenizers;

/**
 * LAMA's manual-template baseline on the real BERT-base-cased, every T-REx relation: precision@1 over the common
 * vocabulary, per relation and macro-averaged over relations (LAMA's "mean P@1"). Not a unit test: it reads all
 * 29,411 facts (a few minutes on 2 CPU cores). Run from lib/:
 * <pre>
 * mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) org.softprompt.task.LamaManualPromptRun [data dir]
 * </pre>
 */
public final class LamaManualPromptRun {
    public static void main(String[] args) throws Exception {
        Path dir = EasyBert.importCased();
        LamaTrex data = args.length > 0 ? LamaTrex.load(Path.of(args[0])) : LamaTrex.load();
        try (NDManager manager = Engines.newManager(); Bert bert = Bert.load(dir, manager);
                Tokenizer tokenizer = Tokenizers.load(dir)) {
            MaskedLmProbe probe = new MaskedLmProbe(bert, tokenizer, data.commonVocab(), 64);
            double sum = 0;
            long correct = 0;
            long total = 0;
            long started = System.nanoTime();
            for (LamaTrex.Relation relation : data.relations()) {
                List<LamaTrex.Fact> facts = data.facts(relation.id());
                List<String> predictions = probe.predict(
                        facts.stream().map(f -> relation.fill(f.subject(), "[MASK]")).toList());
                List<String> gold = facts.stream().map(LamaTrex.Fact::object).toList();
                double p1 = MaskedLmProbe.precisionAtOne(predictions, gold);
                sum += p1;
                correct += Math.round(p1 * facts.size());
                total += facts.size();
                System.out.printf("%-6s %5d facts  P@1 %.4f  %s%n", relation.id(), facts.size(), p1,
                        relation.template());
            }
            System.out.printf("mean P@1 over %d relations: %.4f; over all %d facts: %.4f (%.0f s)%n",
                    data.relations().size(), sum / data.relations().size(), total, (double) correct / total,
                    (System.nanoTime() - started) / 1e9);
        }
    }
}
