/**
 * Evaluation metrics, each reproducing a reference implementation so that numbers can be compared with published
 * tables. All text metrics take hypotheses and, per hypothesis, a list of references
 * ({@code metric(List<String> hypotheses, List<List<String>> referencesPerHypothesis)}), and return a record with
 * the score and the statistics behind it.
 *
 * <table>
 *   <caption>Metrics and the implementation each one reproduces</caption>
 *   <tr><th>class</th><th>reproduces</th></tr>
 *   <tr><td>{@link org.softprompt.metric.Bleu}, {@link org.softprompt.metric.ChrF},
 *       {@link org.softprompt.metric.Ter}</td><td>sacrebleu 2.x defaults (BLEU 13a/exp, chrF, chrF++, TER), corpus
 *       and sentence level</td></tr>
 *   <tr><td>{@link org.softprompt.metric.E2eMetrics}</td><td>the E2E NLG Challenge script: BLEU and NIST
 *       ({@link org.softprompt.metric.Mteval}, mteval-v13a), ROUGE_L ({@link org.softprompt.metric.CocoRougeL})
 *       and CIDEr ({@link org.softprompt.metric.CiderD}) on {@link org.softprompt.metric.PtbTokenizer} text</td></tr>
 *   <tr><td>{@link org.softprompt.metric.NltkNist}</td><td>NLTK 3.8's NIST (a second opinion)</td></tr>
 *   <tr><td>{@link org.softprompt.metric.Rouge}</td><td>Google's rouge-score (ROUGE-1/2/L/Lsum, with NLTK's
 *       {@link org.softprompt.metric.PorterStemmer})</td></tr>
 *   <tr><td>{@link org.softprompt.metric.Meteor}</td><td>METEOR 1.5's scoring without paraphrases; reported as
 *       "METEOR (no paraphrases)"</td></tr>
 *   <tr><td>{@link org.softprompt.metric.SeqEval}</td><td>seqeval 1.2.2 span F1 (default and strict)</td></tr>
 *   <tr><td>{@link org.softprompt.metric.SquadV1}, {@link org.softprompt.metric.SquadV2}</td><td>the official
 *       SQuAD evaluation scripts</td></tr>
 *   <tr><td>{@link org.softprompt.metric.Classification}, {@link org.softprompt.metric.PrecisionAtK}</td>
 *       <td>accuracy, macro/micro F1 (scikit-learn conventions); LAMA's precision@k</td></tr>
 * </table>
 *
 * <p>The tests compare every metric except METEOR with the reference outputs in
 * {@code <softprompt.shared>/metric-fixtures}; METEOR is tested on hand-computed cases.
 */
package org.softprompt.metric;
