/**
 * Randomly initialized task heads trained together with a prompt (P-tuning v2 uses them instead of verbalizers), and
 * their decoding: {@link org.softprompt.task.head.SequenceClassificationHead} ([CLS], optional pooler),
 * {@link org.softprompt.task.head.TokenClassificationHead} with {@link org.softprompt.task.head.WordPieceAlignment}
 * (first-subword labels) and {@link org.softprompt.task.head.TagScheme} (BIO/BILOU spans as seqeval reads them),
 * {@link org.softprompt.task.head.SpanExtractionHead} with {@link org.softprompt.task.head.SpanSearch} (extractive
 * QA with BERT's n-best and SQuAD 2.0 null-score rule). Losses are {@link org.softprompt.task.head.CrossEntropy}
 * with an ignore index.
 */
package org.softprompt.task.head;
