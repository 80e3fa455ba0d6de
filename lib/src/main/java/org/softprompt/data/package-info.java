/**
 * Typed readers for the data sets of the five papers' notebooks, reading from the data directory
 * ({@link org.softprompt.data.DataDirectory}: {@code -Dsoftprompt.data}, {@code SOFTPROMPT_DATA}, else
 * {@code data/} or {@code ../shared/data}). Nothing here downloads or writes data.
 *
 * <p>One class per data set family; every reader returns immutable lists of records, in file order:
 * <ul>
 *   <li>Table to text (Prefix-Tuning): {@link org.softprompt.data.E2e}, {@link org.softprompt.data.WebNlg},
 *   {@link org.softprompt.data.Dart} (inputs linearized as Li &amp; Liang do).</li>
 *   <li>Summarization stand-in: {@link org.softprompt.data.BbcNews} (news-to-sports and within-news splits).</li>
 *   <li>Knowledge probing (P-tuning): {@link org.softprompt.data.LamaTrex}.</li>
 *   <li>SuperGLUE / FewGLUE: {@link org.softprompt.data.SuperGlue}.</li>
 *   <li>Classification (null prompts, BitFit): {@link org.softprompt.data.TextClassification}, with
 *   {@link org.softprompt.data.FewShot} for K-shot samples.</li>
 *   <li>Sequence labelling (P-tuning v2): {@link org.softprompt.data.Ner}; extractive QA:
 *   {@link org.softprompt.data.Squad}.</li>
 *   <li>Vision (VPT): {@link org.softprompt.data.Images} and {@link org.softprompt.data.ImageSet}.</li>
 *   <li>Pretraining text for a tiny GPT-2: {@link org.softprompt.data.TextCorpus}.</li>
 * </ul>
 *
 * <p>Where the data directory lacks an official split, the reader gives the documented substitute, seeded with
 * {@link org.softprompt.data.Splits} ({@code java.util.Random}, so the same seed gives the same split on every JVM),
 * and a {@link org.softprompt.data.Split#splitNote()} that notebooks print next to their results.
 *
 * <p>Bad input fails with a {@link org.softprompt.data.DataException} naming the file (and line or record) and
 * what was expected; an empty data set is an error too.
 */
package org.softprompt.data;
