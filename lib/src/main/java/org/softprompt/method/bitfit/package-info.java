/**
 * BitFit (Ben Zaken et al. 2022) and the other backbone parameter groups (all, LM head, none), composable with any
 * prompt method: with a null prompt and a verbalizer it is Logan IV et al.'s "null prompts + BitFit".
 *
 * <p>{@link org.softprompt.method.bitfit.FewShotClassifier} runs Logan IV et al.'s comparison on a masked LM: a
 * {@link org.softprompt.method.bitfit.PromptType} (manual prompt, null prompt, null verbalizer, prompt tuning, [CLS]
 * head) crossed with the trained parameters, optionally with a trained
 * {@link org.softprompt.task.prompt.LabelCalibration}; {@link org.softprompt.method.bitfit.FewShotTask} holds each
 * task's templates, label words, few-shot pool and test set.
 */
package org.softprompt.method.bitfit;
